#!/usr/bin/env bash
# npm run bench:aws: one upload through GIMinG into Glance zone-a and the EC2 cloud ec2-east at once (the
# AWS stand-in), with every daemon's peak memory against the target. Builds when dist/ is missing or
# older than the sources, brings the test bed up, then runs dist/tools/bench/aws.js.
# Environment: see tools/bench/README.md.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"

BUILT=dist/tools/bench/aws.js
if [[ ! -f $BUILT ]] ||
  [[ -n $(find src tests tools tsconfig.json -name '*.ts' -newer "$BUILT" -print -quit 2>/dev/null) ]] ||
  [[ tsconfig.json -nt $BUILT ]]; then
  echo "[bench] building (dist/ is missing or older than the sources)" >&2
  npm run --silent build
fi

# GIMMING_TESTBED_SKIP_UP=1: the test bed is up already (a shared one: leave it alone).
source tools/bench/lib/testbed-up.sh
bench_testbed_up

# aws.js would otherwise run `testbed.sh up` a second time.
export GIMMING_TESTBED_SKIP_UP=1
exec node "$BUILT" "$@"
