#!/usr/bin/env bash
# Installs what python-gimmingclient needs and installs it into a virtual environment, for its tests and
# the functional tests that drive `openstack gimming ...`: Debian's python3-keystoneauth1, python3-osc-lib,
# python3-openstackclient, setuptools, venv and flake8 (apt-get runs only when one is missing, and then
# needs root); then a venv on Debian's /usr/bin/python3 with the system site packages (no other registry
# is reachable for Python), the package installed editable into it (pip --no-deps --no-build-isolation,
# offline) and an `openstack` command in it that sees the plugin. Prints the venv's path.
#   GIMMING_PYVENV  the venv (default: dist/python-venv)
set -euo pipefail
cd "$(dirname "$0")/.."
PACKAGES=(python3-keystoneauth1 python3-osc-lib python3-openstackclient python3-setuptools python3-venv
  python3-pip python3-yaml flake8)
venv=${GIMMING_PYVENV:-$PWD/dist/python-venv}

bash tools/ensure-debian-packages.sh "${PACKAGES[@]}"

# Installed again when pyproject.toml (the entry points: the commands) changed since.
stamp=$venv/.gimmingclient-installed
if [[ ! -x $venv/bin/python || ! -f $stamp || python-gimmingclient/pyproject.toml -nt $stamp ]]; then
  echo "==> python-gimmingclient into $venv" >&2
  rm -rf "$venv"
  # Debian's python3, whatever python3 comes first on the PATH (a pyenv one has none of the packages).
  /usr/bin/python3 -m venv --system-site-packages "$venv"
  log=$(mktemp)
  if ! PIP_NO_INDEX=1 "$venv/bin/python" -m pip install -q --no-deps --no-build-isolation \
    -e python-gimmingclient >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    exit 1
  fi
  rm -f "$log"
  # Debian's /usr/bin/openstack runs the system python, which does not see the venv: one that does.
  cat >"$venv/bin/openstack" <<SCRIPT
#!$venv/bin/python
import sys
from openstackclient.shell import main
sys.exit(main())
SCRIPT
  chmod +x "$venv/bin/openstack"
  touch "$stamp"
fi
echo "$venv"
