#!/usr/bin/env bash
# Installs the Debian packages the documentation and release notes builds need (Sphinx, the Read the Docs
# theme, reno), only when one of them is missing: apt-get runs only then, and then needs root.
set -euo pipefail
PACKAGES=(python3-sphinx python3-sphinx-rtd-theme python3-reno)

installed=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${PACKAGES[@]}" 2>/dev/null || true)
missing=()
for p in "${PACKAGES[@]}"; do
  grep -Eq "^$p ii" <<<"$installed" || missing+=("$p")
done
((${#missing[@]})) || exit 0

if [[ $(id -u) != 0 ]]; then
  echo "missing Debian packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
echo "==> installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! apt-get -o DPkg::Lock::Timeout=300 update >>"$log" 2>&1 ||
  ! apt-get -o DPkg::Lock::Timeout=300 install -y --no-install-recommends "${missing[@]}" >>"$log" 2>&1; then
  tail -n 40 "$log" >&2
  echo "installing ${missing[*]} failed" >&2
  exit 1
fi
