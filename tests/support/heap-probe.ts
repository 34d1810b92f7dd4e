/**
 * Loaded into a daemon by a test (`node --expose-gc --require dist/tests/support/heap-probe.js`), never in a
 * deployment: every GIMMING_HEAP_PROBE_MS (default 1000) a full collection, then what the heap and the
 * buffers still hold (heapUsed + external, MiB) appended to `$GIMMING_HEAP_PROBE_DIR/<pid>.tsv` as
 * `<epoch ms>\t<MiB>`. That is what a leak grows, whatever V8's and malloc's high-water marks do to RSS
 * (a heap sized to the allocation rate, arenas kept: tests/functional/load.test.ts).
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.GIMMING_HEAP_PROBE_DIR;
const gc = (globalThis as { gc?: () => void }).gc;
if (dir && gc) {
  const file = join(dir, `${process.pid}.tsv`);
  setInterval(
    () => {
      gc();
      const m = process.memoryUsage();
      appendFileSync(file, `${Date.now()}\t${((m.heapUsed + m.external) / 1048576).toFixed(2)}\n`);
    },
    Number(process.env.GIMMING_HEAP_PROBE_MS ?? 1000),
  ).unref();
}
