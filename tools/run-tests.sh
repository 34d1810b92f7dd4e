#!/usr/bin/env bash
# `npm test`: what CI runs on a clean clone. Installs what is missing (npm packages; the Debian packages of
# the docs build and of the OpenStack test bed; MariaDB and RabbitMQ if they are not running), then lint,
# strict type-check, build, the Python client's lint and unit tests, the check of generated files, the docs and release notes builds (warnings as
# errors) with reno lint, and the unit and functional suites against the real services (Debian's Chromium
# too, for the dashboard's browser tests; the cluster suite brings up its own RabbitMQ and Galera clusters
# with tools/cluster/cluster.sh, and takes them down).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/ensure-node-deps.sh
bash tools/ensure-browser.sh
echo "==> lint";       npm run -s lint
echo "==> typecheck";  npm run -s typecheck
echo "==> build";      rm -rf dist && npm run -s build
echo "==> python";     bash tools/check-python.sh
echo "==> generated";  bash tools/check-generated.sh
echo "==> docs";       bash tools/build-docs.sh
echo "==> test bed";   bash tools/testbed/testbed.sh up --barbican
echo "==> tests"
GIMMING_TESTBED_SKIP_UP=1 npx mocha --timeout 300000 \
  'dist/tests/unit/**/*.test.js' 'dist/tests/functional/**/*.test.js' "$@"
