#!/usr/bin/env bash
# npm run bench:fanout: one sync to three targets against one copy: total time and bytes read from the source.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
bash tools/ensure-node-deps.sh
npm run --silent build
bash tools/testbed/testbed.sh up >/dev/null
export GIMMING_TESTBED_SKIP_UP=1
exec node dist/tools/bench/fanout.js "$@"
