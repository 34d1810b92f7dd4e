#!/usr/bin/env bash
# Installs Debian's Chromium when missing: the dashboard's browser tests drive it headless (playwright-core).
set -euo pipefail
if [[ -x /usr/bin/chromium ]]; then exit 0; fi
echo "==> apt-get install chromium"
sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
if ! apt-cache show chromium >/dev/null 2>&1; then $sudo apt-get update -qq; fi
$sudo apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
