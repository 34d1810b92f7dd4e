#!/usr/bin/env bash
# npm run bench:bandwidth: a copy held to its max_bandwidth while an uncapped copy uses the rest of the link.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
bash tools/ensure-node-deps.sh
npm run --silent build
bash tools/testbed/testbed.sh up >/dev/null
export GIMMING_TESTBED_SKIP_UP=1
exec node dist/tools/bench/bandwidth.js "$@"
