#!/usr/bin/env bash
# npm run bench:load: 50 clients on the API with 10,000 images in 4 clouds; list, show, matrix, memory, and
# the throughput with 1 and 2 API processes and conductors (tools/bench/load.ts, tools/bench/README.md).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
bash tools/ensure-node-deps.sh
npm run --silent build
bash tools/testbed/testbed.sh up >/dev/null
export GIMMING_TESTBED_SKIP_UP=1
exec node dist/tools/bench/load.js "$@"
