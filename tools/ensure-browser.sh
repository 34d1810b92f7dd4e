#!/usr/bin/env bash
# Installs Debian's Chromium when missing: the dashboard's browser tests drive it headless (playwright-core).
set -euo pipefail
if [[ -x /usr/bin/chromium ]]; then exit 0; fi
echo "==> apt-get install chromium"
sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
# A new machine's package lists may be missing or old: refresh them first (once), as the other installers do.
$sudo apt-get -o DPkg::Lock::Timeout=300 update -qq
$sudo apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
