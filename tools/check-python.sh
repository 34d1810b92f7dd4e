#!/usr/bin/env bash
# The checks of python-gimmingclient that need no running service, run by `npm test`: installs it (and the
# Debian packages it needs) with tools/ensure-python-client.sh, byte-compiles every module, lints with
# flake8 and runs its unit tests (stdlib unittest). Its functional tests are
# tests/functional/openstack-plugin.test.ts, with the daemons.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=$(bash tools/ensure-python-client.sh)
cd python-gimmingclient
"$venv/bin/python" -m compileall -q gimmingclient tools >/dev/null
/usr/bin/python3 -m flake8 gimmingclient tools
"$venv/bin/python" -W ignore::DeprecationWarning -m unittest discover -s gimmingclient/tests/unit -t . 2>&1 |
  tail -n 3
