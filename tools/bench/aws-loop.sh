#!/usr/bin/env bash
# npm run bench:aws:loop: runs the EC2 upload benchmark (aws.sh) GIMMING_BENCH_RUNS times (default 10) and
# prints one line per run: the staging agent, the seconds end to end, and every daemon's peak RSS (MiB),
# then the highest peak of each daemon over the runs. Each run's results stay in
# $GIMMING_BENCH_DIR/aws-loop/run-<n>.json; a run that fails (or goes over 150 MiB) is marked, the loop goes on.
# Exit status non-zero when any run failed. Environment: as aws.sh (tools/bench/README.md), and
# GIMMING_BENCH_LOCK: a lock file each run takes (flock) on a shared machine, released between runs.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
RUNS=${GIMMING_BENCH_RUNS:-10}
DIR=${GIMMING_BENCH_DIR:-/var/tmp/gimming-bench}
OUT=$DIR/aws-loop
mkdir -p "$OUT"
rm -f "$OUT"/run-*.json
failed=0
printf '%-4s %-13s %8s %8s %10s %13s %13s  %s\n' run staged total_s api conductor agent-zone-a agent-zone-b result
for ((i = 1; i <= RUNS; i++)); do
  rm -f "$DIR/last-aws.json"
  lock=()
  [[ -n ${GIMMING_BENCH_LOCK:-} ]] && lock=(flock "$GIMMING_BENCH_LOCK")
  if "${lock[@]}" bash tools/bench/aws.sh >"$OUT/run-$i.log" 2>&1; then result=PASS; else result=FAIL failed=1; fi
  if [[ -f $DIR/last-aws.json ]]; then
    cp "$DIR/last-aws.json" "$OUT/run-$i.json"
    node -e '
      const r = require(process.argv[1]);
      const m = (d) => (r.rss_mib[d] ?? NaN).toFixed(1);
      console.log([String(process.argv[2]).padEnd(4), String(r.staging_agent).padEnd(13),
        r.total_s.toFixed(1).padStart(8), m("api").padStart(8), m("conductor").padStart(10),
        m("agent-zone-a").padStart(13), m("agent-zone-b").padStart(13), " " + process.argv[3]].join(" "));
    ' "$OUT/run-$i.json" "$i" "$result"
  else
    printf '%-4s (no results: see %s)\n' "$i" "$OUT/run-$i.log"
  fi
done
node -e '
  const fs = require("node:fs");
  const runs = fs.readdirSync(process.argv[1]).filter((f) => /^run-\d+\.json$/.test(f))
    .map((f) => JSON.parse(fs.readFileSync(`${process.argv[1]}/${f}`, "utf8")));
  const peak = {};
  for (const r of runs) for (const [d, v] of Object.entries(r.rss_mib)) peak[d] = Math.max(peak[d] ?? 0, v);
  console.log(`highest peak over ${runs.length} runs (MiB): ` +
    Object.entries(peak).map(([d, v]) => `${d} ${v.toFixed(1)}`).join(", "));
' "$OUT"
exit $failed
