#!/usr/bin/env bash
# Removes what an emulated WAN link of the benchmarks (tools/bench/lib/wan/index.ts) makes: the processes
# in its namespaces, the namespaces (their devices go with them) and the devices left in the root namespace.
# The bench removes them itself at its end and on SIGINT/SIGTERM/SIGHUP; tools/bench/sync.sh runs this from
# its EXIT trap as well, for a bench that was killed (SIGKILL) before it could. Usage: clean.sh [NAME]
# (default gimwan, the name the benches use). Only names of that link are touched.
set -uo pipefail
NAME=${1:-gimwan}
for ns in "$NAME-near" "$NAME-far"; do
  if ip netns pids "$ns" >/dev/null 2>&1; then
    for pid in $(ip netns pids "$ns"); do kill -KILL "$pid" 2>/dev/null; done
    ip netns del "$ns" 2>/dev/null
  fi
done
for dev in "$NAME-r" "$NAME-n" "$NAME-f"; do
  ip link del "$dev" 2>/dev/null
done
exit 0
