#!/usr/bin/env bash
# npm run bench:sync: GIMinG's zone-to-zone sync against the openstack client and a curl pipe.
# Builds when dist/ is missing or older than the sources, brings the test bed up, then runs
# dist/tools/bench/sync.js. Environment: see tools/bench/README.md.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"

BUILT=dist/tools/bench/sync.js
if [[ ! -f $BUILT ]] ||
  [[ -n $(find src tests tools tsconfig.json -name '*.ts' -newer "$BUILT" -print -quit 2>/dev/null) ]] ||
  [[ tsconfig.json -nt $BUILT ]]; then
  echo "[bench] building (dist/ is missing or older than the sources)" >&2
  npm run --silent build
fi

# GIMMING_TESTBED_SKIP_UP=1: the test bed is up already (a shared one: leave it alone).
source tools/bench/lib/testbed-up.sh
bench_testbed_up

# sync.js would otherwise run `testbed.sh up` a second time.
export GIMMING_TESTBED_SKIP_UP=1
if [[ -z ${GIMMING_BENCH_WAN:-} || ${GIMMING_BENCH_WAN} == 0 || ${GIMMING_BENCH_WAN} == off ]]; then
  exec node "$BUILT" "$@"
fi
# Over an emulated WAN link the bench removes its namespaces and devices itself (at its end, on
# SIGINT/SIGTERM/SIGHUP); this trap also removes them when it was killed before it could.
node "$BUILT" "$@" &
BENCH=$!
# (set -e holds in traps too: a bench that is gone already must not stop the clean-up.)
trap 'kill -TERM "$BENCH" 2>/dev/null || true; wait "$BENCH" 2>/dev/null || true; bash tools/bench/lib/wan/clean.sh' EXIT
trap 'exit 130' INT TERM HUP
wait "$BENCH"
