/**
 * A load on the API: concurrent clients listing, showing and syncing images for a bounded time, with the
 * latency of every call and the memory of the daemons sampled every second. Used by the load test (short)
 * and by `npm run bench:load` (longer).
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { http } from './http';

export interface LoadOptions {
  api: string;
  token: string;
  imageIds: string[];
  clients: number;
  seconds: number;
  /**
   * Seconds of the same load before the memory's baseline is taken (its calls count like the others): a
   * daemon's RSS first climbs to its heap's and allocator's working size (V8 grows the old generation,
   * malloc its arenas), which is no leak; measured from the first second, that climb alone came near the
   * bound. Default 0: the baseline after the first second.
   */
  warmupSeconds?: number;
  /** Seconds after the last call before the memory's end is taken (default 0). */
  settleSeconds?: number;
  /** Processes whose memory to sample, by name. */
  pids: Record<string, number | undefined>;
}

export interface OpStats {
  count: number;
  errors: number;
  p50: number;
  p99: number;
  max: number;
}

export interface LoadReport {
  seconds: number;
  requests: number;
  errors: number;
  perSecond: number;
  ops: Record<string, OpStats>;
  /** RSS in MiB per process: after the warm-up (or the first second), at the end, and the highest seen. */
  memory: Record<string, { start: number; end: number; max: number }>;
  statuses: Record<string, number>;
  /** When (epoch ms) the warm-up ended and the memory's baseline was taken, and when the end was. */
  baselineAt: number;
  endAt: number;
}

function rssMiB(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/** A small seeded PRNG (mulberry32): the same mix of calls on every run. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function runLoad(opts: LoadOptions): Promise<LoadReport> {
  const latencies: Record<string, number[]> = { list: [], show: [], tasks: [], sync: [] };
  const errors: Record<string, number> = { list: 0, show: 0, tasks: 0, sync: 0 };
  const statuses: Record<string, number> = {};
  const memory: LoadReport['memory'] = {};
  const sample = () => {
    for (const [name, pid] of Object.entries(opts.pids)) {
      const v = rssMiB(pid);
      const m = (memory[name] ??= { start: NaN, end: v, max: v });
      m.end = v;
      m.max = Math.max(m.max, v);
    }
  };
  sample();
  const sampler = setInterval(sample, 1000);
  const warmup = opts.warmupSeconds ?? 0;
  let baselineAt = Date.now() + (warmup > 0 ? warmup * 1000 : 1000);
  const startMark = setTimeout(
    () => {
      baselineAt = Date.now();
      for (const [name, pid] of Object.entries(opts.pids)) {
        const m = memory[name];
        if (m) m.start = rssMiB(pid);
      }
    },
    warmup > 0 ? warmup * 1000 : 1000,
  );
  const started = performance.now();
  const deadline = started + (warmup + opts.seconds) * 1000;
  const client = async (n: number) => {
    const random = prng(n + 1);
    while (performance.now() < deadline) {
      const r = random();
      const id = opts.imageIds[Math.floor(random() * opts.imageIds.length)] as string;
      const [op, method, url, json] =
        r < 0.45
          ? ['list', 'GET', `${opts.api}/v1/images?limit=20`, undefined]
          : r < 0.8
            ? ['show', 'GET', `${opts.api}/v1/images/${id}`, undefined]
            : r < 0.95
              ? ['tasks', 'GET', `${opts.api}/v1/tasks?limit=20`, undefined]
              : ['sync', 'POST', `${opts.api}/v1/images/${id}/sync`, { targets: ['zone-b'] }];
      const t0 = performance.now();
      const res = await http(method, url, { token: opts.token, ...(json ? { json } : {}) }).catch(
        () => undefined,
      );
      const ms = performance.now() - t0;
      (latencies[op] as number[]).push(ms);
      const status = res ? String(res.status) : 'none';
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (!res || res.status >= 300) errors[op] = (errors[op] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: opts.clients }, (_, i) => client(i)));
  const seconds = (performance.now() - started) / 1000;
  await new Promise((resolve) => setTimeout(resolve, (opts.settleSeconds ?? 0) * 1000));
  clearInterval(sampler);
  clearTimeout(startMark);
  sample();
  const endAt = Date.now();
  const ops: Record<string, OpStats> = {};
  let requests = 0;
  let errorCount = 0;
  for (const [op, list] of Object.entries(latencies)) {
    const sorted = [...list].sort((a, b) => a - b);
    requests += sorted.length;
    errorCount += errors[op] ?? 0;
    ops[op] = {
      count: sorted.length,
      errors: errors[op] ?? 0,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      max: sorted[sorted.length - 1] ?? NaN,
    };
  }
  return {
    seconds,
    requests,
    errors: errorCount,
    perSecond: requests / seconds,
    ops,
    memory,
    statuses,
    baselineAt,
    endAt,
  };
}

export function formatReport(r: LoadReport): string {
  const lines = [
    `load: ${r.requests} requests in ${r.seconds.toFixed(1)} s = ${r.perSecond.toFixed(0)}/s, ${r.errors} errors, statuses ${JSON.stringify(r.statuses)}`,
    'op      count  errors   p50 ms   p99 ms   max ms',
  ];
  for (const [op, s] of Object.entries(r.ops)) {
    lines.push(
      `${op.padEnd(7)} ${String(s.count).padStart(5)}  ${String(s.errors).padStart(6)}  ${s.p50.toFixed(1).padStart(7)}  ${s.p99.toFixed(1).padStart(7)}  ${s.max.toFixed(1).padStart(7)}`,
    );
  }
  lines.push('memory (RSS MiB)  start    end    max');
  for (const [name, m] of Object.entries(r.memory)) {
    lines.push(
      `${name.padEnd(16)} ${m.start.toFixed(0).padStart(6)} ${m.end.toFixed(0).padStart(6)} ${m.max.toFixed(0).padStart(6)}`,
    );
  }
  return lines.join('\n');
}
