#!/usr/bin/env bash
# Installs the Debian packages named on the command line that are not installed yet: apt-get (update,
# then install) runs only when one is missing, and then needs root. Shared by the project's installers
# (docs, the Python client, the browser); says what it does on stderr only.
#   bash tools/ensure-debian-packages.sh PACKAGE...
set -euo pipefail
(($#)) || exit 0
installed=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "$@" 2>/dev/null || true)
missing=()
for p in "$@"; do
  grep -Eq "^$p ii" <<<"$installed" || missing+=("$p")
done
((${#missing[@]})) || exit 0

if [[ $(id -u) != 0 ]]; then
  echo "missing Debian packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
echo "==> installing Debian packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# A new machine's package lists may be missing or old: they are refreshed before any install.
if ! apt-get -o DPkg::Lock::Timeout=300 update >>"$log" 2>&1 ||
  ! apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends "${missing[@]}" >>"$log" 2>&1; then
  tail -n 40 "$log" >&2
  echo "installing ${missing[*]} failed" >&2
  exit 1
fi
