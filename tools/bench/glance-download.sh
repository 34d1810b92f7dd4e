#!/usr/bin/env bash
# npm run bench:glance-download: Glance -> Glance by glance-download (native) against the agent path,
# in the same run (tests/functional/glance-download.test.ts, timed). GIMMING_GLANCE_DOWNLOAD_MIB (256),
# GIMMING_GLANCE_DOWNLOAD_REPEAT (3), GIMMING_GLANCE_DOWNLOAD_REGIONS (default: the test bed's two).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
bash tools/ensure-node-deps.sh
npm run --silent build
[[ ${GIMMING_TESTBED_SKIP_UP:-} == 1 ]] || bash tools/testbed/testbed.sh up >/dev/null
export GIMMING_TESTBED_SKIP_UP=1
export GIMMING_GLANCE_DOWNLOAD_MIB=${GIMMING_GLANCE_DOWNLOAD_MIB:-256}
export GIMMING_GLANCE_DOWNLOAD_REPEAT=${GIMMING_GLANCE_DOWNLOAD_REPEAT:-3}
exec npx mocha --timeout 1200000 dist/tests/functional/glance-download.test.js "$@"
