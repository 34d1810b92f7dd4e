#!/usr/bin/env bash
# Installs Debian's Chromium when missing: the dashboard's browser tests drive it headless (playwright-core).
set -euo pipefail
exec bash "$(dirname "$0")/ensure-debian-packages.sh" chromium fonts-dejavu-core
