/**
 * `npm run bench:bandwidth`: a copy held to its max_bandwidth (a token bucket in the target agent, see
 * doc/source/admin/performance.rst, "Bandwidth caps") while an uncapped copy shares the link, in one run:
 *
 * 1. the link alone: one uncapped copy of the loop image (256 MiB) zone-a -> zone-c;
 * 2. a capped copy (GIMMING_BENCH_CAP_MIB; default 30% of the link alone, in steps of 4 MiB/s: a cap
 *    above what the link has left for it once the uncapped copy takes its share is a ceiling the copy
 *    never reaches, not a cap to measure) of an image sized to last
 *    GIMMING_BENCH_SECONDS (default 20; 60 for the issue's "over a minute") zone-a -> zone-b, while the
 *    uncapped loop image is copied zone-a -> zone-c again and again (each copy deleted after it) for as
 *    long as the capped copy runs.
 *
 * Rates are read from each target agent's gimming_agent_bytes_copied_total{direction="in"} sampled every
 * 250 ms (zone-b's agent serves only the capped copy, zone-c's only the uncapped ones): the capped rate is
 * the slope between 10% and 90% of its bytes (the burst at the start and the proof at the end left out),
 * the uncapped one the bytes zone-c took in over the same window. Goal: the capped rate within 10% of the
 * cap, and the uncapped copies taking the rest of the link (alone rate minus the cap, or more: on loopback
 * the link is the CPU, not a wire). Every copy's md5 and sha512 are checked against the source.
 *
 * zone-b and zone-c are two GIMinG clouds on the test bed's zone-b Glance (RegionTwo), each in a zone of
 * its own with its own agent. Ports: api 19600, agents 19601-19603, metrics 19610-19614.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DaemonSet } from '../../tests/support/daemons';
import { http as api } from '../../tests/support/http';
import { Glance, issueToken } from '../../tests/support/openstack';
import { testbed } from '../../tests/support/testbed';
import { ensureRawSource } from './lib/glance-source';
import { counterSum } from '../../tests/support/metrics';

const MiB = 1024 * 1024;
const DIR = process.env.GIMMING_BENCH_DIR ?? '/var/tmp/gimming-bench';
/** The cap; unset: 30% of the link alone, in steps of 4 MiB/s (so that the sized sources are reused). */
const CAP_MIB = process.env.GIMMING_BENCH_CAP_MIB ? Number(process.env.GIMMING_BENCH_CAP_MIB) : undefined;
const CAP_SHARE = 0.3;
const SECONDS = Number(process.env.GIMMING_BENCH_SECONDS ?? 20);
const LOOP_MIB = Number(process.env.GIMMING_BENCH_LOOP_MIB ?? 256);
const ZONES = ['zone-a', 'zone-b', 'zone-c'];
const API_PORT = 19600;
const AGENT_PORTS = Object.fromEntries(ZONES.map((z, i) => [z, 19601 + i]));
const METRICS_PORTS = Object.fromEntries(ZONES.map((z, i) => [z, 19612 + i]));
const TOLERANCE = 0.1;
const V14 = { 'OpenStack-API-Version': 'image-manager 1.4' };

const say = (text: string) => process.stderr.write(`[bench] ${text}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface GlanceImage {
  id: string;
  status: string;
  size: number | null;
  checksum: string | null;
  os_hash_value: string | null;
}

/** A source in zone-a of `sizeMiB` random MiB, made once and reused by name and size. */
const ensureSource = (glanceA: Glance, token: string, sizeMiB: number) =>
  ensureRawSource(glanceA, token, { name: `gimming-bench-bandwidth-${sizeMiB}MiB`, sizeMiB, dir: DIR, say });

/** The bytes a zone's agent took in for copies so far. */
const bytesIn = (zone: string) =>
  counterSum(METRICS_PORTS[zone]!, 'gimming_agent_bytes_copied_total', { direction: 'in' });

interface Sample {
  t: number;
  b: number;
  c: number;
}

/** Samples both target agents' counters every 250 ms until `done` resolves. */
async function sampleUntil(done: Promise<unknown>): Promise<Sample[]> {
  const samples: Sample[] = [];
  let over = false;
  void done.finally(() => (over = true));
  while (!over) {
    const [b, c] = await Promise.all([bytesIn('zone-b'), bytesIn('zone-c')]);
    samples.push({ t: performance.now() / 1000, b, c });
    await sleep(250);
  }
  return samples;
}

/** The time a counter crossed `level` (interpolated between samples). */
function crossing(samples: Sample[], key: 'b' | 'c', level: number): number {
  for (let i = 1; i < samples.length; i++) {
    const [p, q] = [samples[i - 1]!, samples[i]!];
    if (p[key] < level && q[key] >= level) return p.t + ((level - p[key]) / (q[key] - p[key])) * (q.t - p.t);
  }
  throw new Error(`the counter never crossed ${level}`);
}

/**
 * A counter's rate over [from, to] counting only the intervals in which it grew: the uncapped loop pauses
 * between its copies (delete one, plan the next), and those pauses are not the link's.
 */
function movingRate(samples: Sample[], key: 'b' | 'c', from: number, to: number): number {
  let bytes = 0;
  let seconds = 0;
  for (let i = 1; i < samples.length; i++) {
    const [p, q] = [samples[i - 1]!, samples[i]!];
    if (q.t <= from || p.t >= to || q[key] <= p[key]) continue;
    bytes += q[key] - p[key];
    seconds += q.t - p.t;
  }
  return seconds > 0 ? bytes / seconds : 0;
}

/** A counter's value at time t (interpolated). */
function valueAt(samples: Sample[], key: 'b' | 'c', t: number): number {
  for (let i = 1; i < samples.length; i++) {
    const [p, q] = [samples[i - 1]!, samples[i]!];
    if (p.t <= t && q.t >= t) return p[key] + ((t - p.t) / (q.t - p.t)) * (q[key] - p[key]);
  }
  throw new Error(`no sample around ${t}`);
}

class Bench {
  constructor(
    private readonly base: string,
    private readonly token: string,
    private readonly glanceB: Glance,
  ) {}

  async track(source: GlanceImage): Promise<string> {
    const res = await api<{ id: string }>('POST', `${this.base}/v1/images`, {
      token: this.token,
      json: { source: { cloud: 'zone-a', image_id: source.id }, targets: [] },
    });
    if (res.status !== 202) throw new Error(`track: HTTP ${res.status} ${res.text}`);
    return res.body.id;
  }

  /** Syncs to `cloud`, waits for the copy, checks it against the source, deletes it; its seconds. */
  async copy(imageId: string, source: GlanceImage, cloud: string, cap?: number): Promise<number> {
    const res = await api('POST', `${this.base}/v1/images/${imageId}/sync`, {
      token: this.token,
      headers: V14,
      json: { targets: [cloud], ...(cap ? { max_bandwidth: cap } : {}) },
    });
    if (res.status !== 202) throw new Error(`sync to ${cloud}: HTTP ${res.status} ${res.text}`);
    const started = performance.now();
    for (;;) {
      const image = (
        await api<{ locations: Array<{ cloud: string; status: string; image_id: string | null }> }>(
          'GET',
          `${this.base}/v1/images/${imageId}`,
          { token: this.token },
        )
      ).body;
      const loc = image.locations.find((l) => l.cloud === cloud);
      if (loc?.status === 'active' && loc.image_id) {
        const seconds = (performance.now() - started) / 1000;
        const copy = (await this.glanceB.get(loc.image_id)) as GlanceImage;
        if (copy.checksum !== source.checksum || copy.os_hash_value !== source.os_hash_value)
          throw new Error(`the copy in ${cloud} differs from the source`);
        const del = await api(
          'DELETE',
          `${this.base}/v1/images/${imageId}/locations/${cloud}?delete_remote=true`,
          { token: this.token },
        );
        if (del.status !== 204)
          throw new Error(`delete the copy in ${cloud}: HTTP ${del.status} ${del.text}`);
        await this.gone(imageId, cloud);
        return seconds;
      }
      if (loc && ['error', 'mismatch', 'missing'].includes(loc.status))
        throw new Error(`the copy to ${cloud} ended ${loc.status}`);
      await sleep(200);
    }
  }

  private async gone(imageId: string, cloud: string): Promise<void> {
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      const image = (
        await api<{ locations: Array<{ cloud: string }> }>('GET', `${this.base}/v1/images/${imageId}`, {
          token: this.token,
        })
      ).body;
      if (!image.locations.some((l) => l.cloud === cloud)) return;
      await sleep(200);
    }
    throw new Error(`the copy in ${cloud} was not deleted in time`);
  }
}

async function main(): Promise<void> {
  const bed = testbed();
  const [admin, demo] = await Promise.all([
    issueToken(bed, bed.users.admin),
    issueToken(bed, bed.users.demo),
  ]);
  const glanceA = new Glance(bed.regions.RegionOne!.glance_url, demo.id);
  const glanceB = new Glance(bed.regions.RegionTwo!.glance_url, demo.id);
  const loopSource = await ensureSource(glanceA, demo.id, LOOP_MIB);
  const daemons = new DaemonSet(bed, {
    apiPort: API_PORT,
    agentPorts: AGENT_PORTS,
    extraConfig: `[metrics]\nenabled = true\napi_port = 19610\nconductor_port = 19611`,
    agentEnv: Object.fromEntries(ZONES.map((z) => [z, { OS_METRICS__AGENT_PORT: String(METRICS_PORTS[z]) }])),
  });
  let ok = false;
  await daemons.start();
  try {
    for (const [zone, region] of [
      ['zone-a', 'RegionOne'],
      ['zone-b', 'RegionTwo'],
      ['zone-c', 'RegionTwo'],
    ]) {
      const res = await api('POST', `${daemons.apiUrl}/v1/clouds`, {
        token: admin.id,
        json: { name: zone, type: 'openstack', region_name: region },
      });
      if (res.status !== 201) throw new Error(`register ${zone}: HTTP ${res.status} ${res.text}`);
    }
    const bench = new Bench(daemons.apiUrl, demo.id, glanceB);
    const loopId = await bench.track(loopSource);

    // 1. The link alone.
    say(`the link alone: ${LOOP_MIB} MiB zone-a -> zone-c, uncapped`);
    const aloneStart = await bytesIn('zone-c');
    const aloneCopy = bench.copy(loopId, loopSource, 'zone-c');
    const aloneSamples = await sampleUntil(aloneCopy);
    await aloneCopy;
    const size = LOOP_MIB * MiB;
    const [a10, a90] = [0.1, 0.9].map((f) => crossing(aloneSamples, 'c', aloneStart + f * size)) as [
      number,
      number,
    ];
    const alone = (0.8 * size) / (a90 - a10);
    const CAP = (CAP_MIB ?? Math.max(4, Math.round((alone * CAP_SHARE) / MiB / 4) * 4)) * MiB;
    const CAPPED_MIB = Math.ceil((CAP * SECONDS) / MiB);
    const cappedSource = await ensureSource(glanceA, demo.id, CAPPED_MIB);
    const cappedId = await bench.track(cappedSource);

    // 2. The capped copy, with uncapped copies alongside for as long as it runs.
    say(`capped: ${CAPPED_MIB} MiB zone-a -> zone-b at ${(CAP / MiB).toFixed(1)} MiB/s (~${SECONDS} s)`);
    const cappedStart = await bytesIn('zone-b');
    let cappedOver = false;
    const capped = bench.copy(cappedId, cappedSource, 'zone-b', CAP).finally(() => (cappedOver = true));
    const loops: number[] = [];
    const loop = (async () => {
      while (!cappedOver) loops.push(await bench.copy(loopId, loopSource, 'zone-c'));
    })();
    const samples = await sampleUntil(Promise.all([capped, loop]));
    const cappedSeconds = await capped;
    await loop;
    const cappedSize = CAPPED_MIB * MiB;
    const [t10, t90] = [0.1, 0.9].map((f) => crossing(samples, 'b', cappedStart + f * cappedSize)) as [
      number,
      number,
    ];
    const measured = (0.8 * cappedSize) / (t90 - t10);
    const beside = (valueAt(samples, 'c', t90) - valueAt(samples, 'c', t10)) / (t90 - t10);
    const moving = movingRate(samples, 'c', t10, t90);
    const error = (measured - CAP) / CAP;
    ok = true;

    const mibs = (v: number) => `${(v / MiB).toFixed(1).padStart(7)} MiB/s`;
    const lines = [
      `GIMinG bandwidth-cap benchmark: ${CAPPED_MIB} MiB held to ${(CAP / MiB).toFixed(1)} MiB/s (zone-a -> zone-b) ` +
        `for ~${SECONDS} s, uncapped ${LOOP_MIB} MiB copies (zone-a -> zone-c) alongside`,
      `${'the link alone (uncapped copy, 10-90%)'.padEnd(52)} ${mibs(alone)}`,
      `${'cap (max_bandwidth of the sync)'.padEnd(52)} ${mibs(CAP)}`,
      `${`capped copy, measured over ${(t90 - t10).toFixed(1)} s (10-90%)`.padEnd(52)} ${mibs(measured)}  ` +
        `${(error * 100).toFixed(1)}%  ${Math.abs(error) <= TOLERANCE ? 'PASS' : 'FAIL'} (within ${TOLERANCE * 100}%)`,
      `${`capped copy, whole task (${cappedSeconds.toFixed(1)} s incl. create+proof)`.padEnd(52)} ${mibs(cappedSize / cappedSeconds)}`,
      `${`uncapped copies beside it (${loops.length} copies, same window)`.padEnd(52)} ${mibs(beside)}  (pauses between copies included)`,
      `${'uncapped copies beside it, while moving bytes'.padEnd(52)} ${mibs(moving)}  ` +
        `${moving >= (1 - TOLERANCE) * (alone - CAP) ? 'PASS' : 'FAIL'} (the rest of the link: alone - cap = ${((alone - CAP) / MiB).toFixed(1)} MiB/s, less 10%)`,
      `${'capped + uncapped (while moving)'.padEnd(52)} ${mibs(measured + moving)}  (${((measured + moving) / alone).toFixed(2)}x the link alone)`,
    ];
    process.stdout.write(`\n${lines.join('\n')}\n`);
    writeFileSync(
      join(DIR, 'last-bandwidth.json'),
      `${JSON.stringify(
        {
          cap: CAP,
          seconds: SECONDS,
          capped_mib: CAPPED_MIB,
          measured,
          error,
          alone,
          beside,
          beside_moving: moving,
          loop_copies: loops,
          capped_task_seconds: cappedSeconds,
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    await daemons.stop(!ok || process.env.GIMMING_BENCH_KEEP_LOGS === '1');
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`[bench] FAILED: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
