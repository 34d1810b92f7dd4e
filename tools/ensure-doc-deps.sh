#!/usr/bin/env bash
# Installs the Debian packages the documentation and release notes builds need (Sphinx, the Read the Docs
# theme, reno, os-api-ref), only when one of them is missing: apt-get runs only then, and then needs root.
set -euo pipefail
exec bash "$(dirname "$0")/ensure-debian-packages.sh" python3-sphinx python3-sphinx-rtd-theme python3-reno \
  python3-os-api-ref
