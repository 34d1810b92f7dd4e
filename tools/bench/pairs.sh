#!/usr/bin/env bash
# npm run bench:pairs: every kind of source (Glance zone, EC2 region, GCE project, an upload) x every kind
# of target (Glance zone, EC2, GCE), planned by a dry run, copied and timed, one pair at a time. Builds
# when dist/ is missing or older than the sources, brings the test bed up unless GIMMING_TESTBED_SKIP_UP=1
# (it is up already), then runs dist/tools/bench/pairs.js. Environment: see tools/bench/README.md.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"

BUILT=dist/tools/bench/pairs.js
if [[ ! -f $BUILT ]] ||
  [[ -n $(find src tests tools tsconfig.json -name '*.ts' -newer "$BUILT" -print -quit 2>/dev/null) ]] ||
  [[ tsconfig.json -nt $BUILT ]]; then
  echo "[bench] building (dist/ is missing or older than the sources)" >&2
  npm run --silent build
fi

if [[ ${GIMMING_TESTBED_SKIP_UP:-} != 1 ]]; then
  LOG=$(mktemp /tmp/gimming-bench-testbed.XXXXXX)
  if ! bash tools/testbed/testbed.sh up >"$LOG" 2>&1; then
    cat "$LOG" >&2
    rm -f "$LOG"
    echo "[bench] the test bed did not come up" >&2
    exit 1
  fi
  rm -f "$LOG"
fi

export GIMMING_TESTBED_SKIP_UP=1
exec node "$BUILT" "$@"
