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

# GIMMING_TESTBED_SKIP_UP=1: the test bed is up already (a shared one: leave it alone).
source tools/bench/lib/testbed-up.sh
bench_testbed_up

export GIMMING_TESTBED_SKIP_UP=1
exec node "$BUILT" "$@"
