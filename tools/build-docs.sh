#!/usr/bin/env bash
# `npm run docs`, also run by `npm test`: builds the documentation (doc/source -> doc/build/html) and the
# release notes (releasenotes/source -> releasenotes/build/html) with warnings as errors, and lints the
# reno notes; runs all three and fails if any failed. Uses Debian's Sphinx and reno
# (tools/ensure-doc-deps.sh installs them when missing) through /usr/bin/python3, whatever python3 comes
# first on the PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/ensure-doc-deps.sh
python=/usr/bin/python3
failed=()

# First: the documentation links into the API reference through its inventory (objects.inv).
echo "==> API reference: api-ref/build/html"
"$python" -m sphinx -W --keep-going -q -b html -d api-ref/build/doctrees api-ref/source api-ref/build/html ||
  failed+=("the API reference build")

echo "==> docs: doc/build/html"
"$python" -m sphinx -W --keep-going -q -b html -d doc/build/doctrees doc/source doc/build/html ||
  failed+=("the docs build")

echo "==> reno lint"
lint_log=$(mktemp)
trap 'rm -f "$lint_log"' EXIT
if ! reno -q lint >"$lint_log" 2>&1; then
  cat "$lint_log" >&2
  failed+=("reno lint")
fi

# -E: the notes come from git history, which Sphinx cannot see change; always read them again.
echo "==> release notes: releasenotes/build/html"
"$python" -m sphinx -E -W --keep-going -q -b html -d releasenotes/build/doctrees releasenotes/source \
  releasenotes/build/html || failed+=("the release notes build")

if ((${#failed[@]})); then
  printf '%s failed\n' "${failed[@]}" >&2
  exit 1
fi
