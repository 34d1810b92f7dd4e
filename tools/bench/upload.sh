#!/usr/bin/env bash
# npm run bench:upload: one upload through GIMinG to two clouds, with the peak memory of the API and agents.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
bash tools/ensure-node-deps.sh
npm run --silent build
bash tools/testbed/testbed.sh up >/dev/null
export GIMMING_TESTBED_SKIP_UP=1
exec node dist/tools/bench/upload.js "$@"
