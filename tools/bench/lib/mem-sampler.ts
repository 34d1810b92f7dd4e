/**
 * A memory sampler for a daemon, loaded into it with node's `--require` (through GIMMING_DAEMON_NODE_ARGS,
 * see tools/bench/README.md):
 *
 *   GIMMING_MEM_SAMPLE_DIR=/tmp/mem GIMMING_DAEMON_NODE_ARGS="--require $PWD/dist/tools/bench/lib/mem-sampler.js"
 *
 * Every GIMMING_MEM_SAMPLE_MS (250) it appends one line to DIR/<daemon>-<pid>.tsv: milliseconds since the
 * process started, then rss, heapTotal, heapUsed, external and arrayBuffers (process.memoryUsage(), MiB),
 * then the kernel's peak (VmHWM) in MiB. With GIMMING_MEM_SNAPSHOT_MIB set it writes one V8 heap snapshot
 * (DIR/<daemon>-<pid>-<rss>.heapsnapshot) the first time rss reaches that many MiB, and another on every
 * SIGUSR2. The timer is unref'd: it keeps no daemon alive. Nothing of it is part of GIMinG's daemons.
 */
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';

const dir = process.env.GIMMING_MEM_SAMPLE_DIR;
if (dir) start(dir);

function start(outDir: string): void {
  const MiB = 1024 * 1024;
  const every = Number(process.env.GIMMING_MEM_SAMPLE_MS ?? 250);
  const snapshotAt = Number(process.env.GIMMING_MEM_SNAPSHOT_MIB ?? 0);
  // bin/gimming-agent --config-file F: the daemon's name, and its zone when the environment gives one.
  const script = basename(process.argv[1] ?? 'node').replace(/^gimming-/, '');
  const zone = process.env.OS_AGENT__ZONE;
  const name = `${script}${zone && script === 'agent' ? `-${zone}` : ''}`;
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `${name}-${process.pid}.tsv`);
  appendFileSync(file, 'ms\trss\theap_total\theap_used\texternal\tarray_buffers\tvm_hwm\n');
  const t0 = Date.now();
  let snapped = false;
  const snapshot = (rss: number) => {
    const path = join(outDir, `${name}-${process.pid}-${Math.round(rss)}.heapsnapshot`);
    writeHeapSnapshot(path);
    appendFileSync(file, `# heap snapshot ${path}\n`);
  };
  const hwm = () => {
    const kb = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : NaN;
  };
  const sample = () => {
    const m = process.memoryUsage();
    const mib = [m.rss, m.heapTotal, m.heapUsed, m.external, m.arrayBuffers].map((v) => (v / MiB).toFixed(1));
    appendFileSync(file, `${Date.now() - t0}\t${mib.join('\t')}\t${hwm().toFixed(1)}\n`);
    if (snapshotAt > 0 && !snapped && m.rss >= snapshotAt * MiB) {
      snapped = true;
      snapshot(m.rss / MiB);
    }
  };
  setInterval(sample, every).unref();
  process.on('SIGUSR2', () => snapshot(process.memoryUsage().rss / MiB));
}
