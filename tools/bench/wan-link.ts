/**
 * `npm run bench:wan-link`: what the emulated WAN link of GIMMING_BENCH_WAN carries by itself, with no
 * Glance and no GIMinG: one TCP stream of GIMMING_BENCH_SIZE_MIB zero bytes (`socat`) from the near zone's
 * namespace to the far one's, timed, GIMMING_BENCH_REPEAT times, with the namespaces tuned as the sync
 * bench tunes them (GIMMING_BENCH_WAN_TUNE). With `GIMMING_BENCH_WAN=rtt=0ms,rate=0bit,loss=0` it measures
 * the emulator's own ceiling. See tools/bench/README.md.
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { WanLink, describeWan, parseSysctls, parseWanSpec } from './lib/wan';
import { describeTuning, tuningFromEnv } from './lib/wan/bench';

const MiB = 1024 * 1024;
const SIZE_MIB = Number(process.env.GIMMING_BENCH_SIZE_MIB ?? 512);
const REPEAT = Number(process.env.GIMMING_BENCH_REPEAT ?? 3);
/** The far end listens on GIMMING_BENCH_PORT_BASE + 50 (19050 by default). */
const PORT = Number(process.env.GIMMING_BENCH_PORT_BASE ?? 19000) + 50;

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited with ${code}`))));
  });
}

async function main(): Promise<void> {
  const spec = parseWanSpec(process.env.GIMMING_BENCH_WAN ?? 'on');
  spec.sysctls = parseSysctls(process.env.GIMMING_BENCH_WAN_SYSCTL ?? '');
  const logDir = join(process.env.GIMMING_BENCH_DIR ?? '/var/tmp/gimming-bench', 'wan');
  mkdirSync(logDir, { recursive: true });
  const tuning = tuningFromEnv(spec);
  const link = await WanLink.up(spec, { name: 'gimwan', subnet: 201, relays: [], logDir }, tuning?.sysctls);
  const stop = () => void link.down().finally(() => process.exit(130));
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, stop);
  try {
    process.stdout.write(
      `WAN link (${link.method}): ${describeWan(spec)}; ${describeTuning(link, tuning)}\n`,
    );
    const rates: number[] = [];
    for (let i = 1; i <= REPEAT; i++) {
      const sink = link.spawnInNamespace('far', 'sink', 'socat', [
        '-u',
        `TCP-LISTEN:${PORT},bind=${link.farAddress},reuseaddr`,
        'OPEN:/dev/null',
      ]);
      const sunk = new Promise((r) => sink.once('exit', r));
      await new Promise((r) => setTimeout(r, 300));
      const started = performance.now();
      await run('ip', [
        ...link.prefix('near').slice(1),
        'bash',
        '-c',
        `head -c ${SIZE_MIB * MiB} /dev/zero | socat -u - TCP:${link.farAddress}:${PORT}`,
      ]);
      await sunk;
      const seconds = (performance.now() - started) / 1000;
      rates.push(SIZE_MIB / seconds);
      process.stdout.write(
        `#${i} ${SIZE_MIB} MiB in ${seconds.toFixed(2)} s: ${(SIZE_MIB / seconds).toFixed(1)} MiB/s\n`,
      );
    }
    const sorted = [...rates].sort((a, b) => a - b);
    const med = sorted[Math.floor(sorted.length / 2)]!;
    process.stdout.write(`median ${med.toFixed(1)} MiB/s = ${((med * MiB * 8) / 1e6).toFixed(0)} Mbit/s\n`);
  } finally {
    await link.down();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`FAILED: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
