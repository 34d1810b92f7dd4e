#!/usr/bin/env bash
# npm run bench:incremental: a new version (5% of its blocks changed) to a zone holding the old one,
# incremental against a full copy: bytes crossing between the agents and time.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
bash tools/ensure-node-deps.sh
npm run --silent build
bash tools/testbed/testbed.sh up >/dev/null
export GIMMING_TESTBED_SKIP_UP=1
exec node dist/tools/bench/incremental.js "$@"
