#!/usr/bin/env bash
# npm run bench:load: the API under concurrent clients for a minute (GIMMING_LOAD_SECONDS, _CLIENTS).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
bash tools/ensure-node-deps.sh
npm run --silent build
bash tools/testbed/testbed.sh up >/dev/null
export GIMMING_TESTBED_SKIP_UP=1
export GIMMING_LOAD_SECONDS=${GIMMING_LOAD_SECONDS:-60}
export GIMMING_LOAD_CLIENTS=${GIMMING_LOAD_CLIENTS:-32}
exec npx mocha --config .mocharc.yml dist/tests/functional/load.test.js
