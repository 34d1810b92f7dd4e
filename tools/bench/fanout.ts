/**
 * `npm run bench:fanout`: one image (1 GiB by default) from zone-a to three targets in one sync, against
 * one copy of the same image, in the same run: the total time (goal: at most 1.3x one copy) and the bytes
 * the source agent read out of the source (goal: 1x the image), side by side. A third path, the same
 * fan-out with shared reads off (`[agent] shared_read_window_bytes = 0`: every copy reads the source), shows
 * what one read saves.
 *
 * The three targets `zone-b`, `zone-c`, `zone-d` each have an agent of their own. On a test bed of four
 * zones (`GIMMING_TESTBED_ZONES=4 tools/testbed/testbed.sh up`) each is its own Glance (RegionTwo to
 * RegionFour); on the default two-zone test bed they are three GIMinG clouds on zone-b's Glance. Every copy's
 * md5 and sha512 are checked against the source, then deleted. Daemons are started fresh for each path
 * (api 19500, agents 19501-19504, metrics 19510-19515). Run through tools/bench/fanout.sh.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DaemonSet } from '../../tests/support/daemons';
import { http as api } from '../../tests/support/http';
import { Glance, issueToken } from '../../tests/support/openstack';
import { type Testbed, testbed } from '../../tests/support/testbed';
import { ensureRawSource } from './lib/glance-source';
import { counterSum } from '../../tests/support/metrics';
import { peakRssMiB } from './lib/proc';

const MiB = 1024 * 1024;
const DIR = process.env.GIMMING_BENCH_DIR ?? '/var/tmp/gimming-bench';
const SIZE_MIB = Number(process.env.GIMMING_BENCH_SIZE_MIB ?? 1024);
const SIZE = SIZE_MIB * MiB;
const SOURCE_NAME = 'gimming-bench-fanout-source';
const TARGETS = ['zone-b', 'zone-c', 'zone-d'];
const ZONES = ['zone-a', ...TARGETS];
const API_PORT = 19500;
const AGENT_PORTS = Object.fromEntries(ZONES.map((z, i) => [z, 19501 + i]));
const METRICS_PORTS = Object.fromEntries(ZONES.map((z, i) => [z, 19512 + i]));
const GOAL_RATIO = 1.3;
const TARGET_RSS_MIB = 150;
const PATHS = (process.env.GIMMING_BENCH_ONLY ?? 'one,fanout,unshared').split(',');

const say = (text: string) => process.stderr.write(`[bench] ${text}\n`);

interface GlanceImage {
  id: string;
  status: string;
  size: number | null;
  checksum: string | null;
  os_hash_value: string | null;
  gimming_image_id?: string;
}

interface PathResult {
  targets: number;
  seconds: number;
  source_bytes: number;
  reads: Record<string, number>;
  rss_mib: Record<string, number>;
}

/** The source in zone-a: made once from random bytes, reused (untagged) while an active one of the size exists. */
async function ensureSource(glanceA: Glance, token: string): Promise<GlanceImage> {
  const image = await ensureRawSource(glanceA, token, {
    name: SOURCE_NAME,
    sizeMiB: SIZE_MIB,
    dir: DIR,
    say,
  });
  await untag(glanceA, token, image.id);
  return (await glanceA.get(image.id)) as GlanceImage;
}

/** Takes off the tag a run of GIMinG left on the source, so that the next run adopts it afresh. */
async function untag(glance: Glance, token: string, id: string): Promise<void> {
  const image = (await glance.get(id)) as GlanceImage;
  if (!image.gimming_image_id) return;
  const res = await api('PATCH', `${glance.url}/v2/images/${id}`, {
    token,
    headers: { 'Content-Type': 'application/openstack-images-v2.1-json-patch' },
    body: JSON.stringify([{ op: 'remove', path: '/gimming_image_id' }]),
  });
  if (res.status !== 200) throw new Error(`untag the source: HTTP ${res.status}`);
}

/** A counter of a daemon's metrics, summed over its label sets that match `labels`. */
const metric = (zone: string, name: string, labels: Record<string, string> = {}) =>
  counterSum(METRICS_PORTS[zone]!, name, labels);

/** The Keystone region of a zone: its own where the test bed has enough zones, else zone-b's. */
function regionOf(bed: Testbed, zone: string): string {
  const own = {
    'zone-a': 'RegionOne',
    'zone-b': 'RegionTwo',
    'zone-c': 'RegionThree',
    'zone-d': 'RegionFour',
  }[zone];
  return own && bed.regions[own] ? own : 'RegionTwo';
}

async function runPath(
  bed: Testbed,
  tokens: { admin: string; demo: string },
  source: GlanceImage,
  glanceA: Glance,
  targets: string[],
  shared: boolean,
): Promise<PathResult> {
  const daemons = new DaemonSet(bed, {
    apiPort: API_PORT,
    agentPorts: AGENT_PORTS,
    extraConfig:
      `${shared ? '' : 'shared_read_window_bytes = 0\n'}` +
      `[metrics]\nenabled = true\napi_port = 19510\nconductor_port = 19511`,
    agentEnv: Object.fromEntries(ZONES.map((z) => [z, { OS_METRICS__AGENT_PORT: String(METRICS_PORTS[z]) }])),
  });
  let ok = false;
  await daemons.start();
  try {
    for (const zone of ZONES) {
      const res = await api('POST', `${daemons.apiUrl}/v1/clouds`, {
        token: tokens.admin,
        json: { name: zone, type: 'openstack', region_name: regionOf(bed, zone) },
      });
      if (res.status !== 201) throw new Error(`register ${zone}: HTTP ${res.status} ${res.text}`);
    }
    const before = await metric('zone-a', 'gimming_agent_source_bytes_read_total');
    const posted = Date.now();
    const res = await api<{ id: string }>('POST', `${daemons.apiUrl}/v1/images`, {
      token: tokens.demo,
      json: { source: { cloud: 'zone-a', image_id: source.id }, targets },
    });
    if (res.status !== 202) throw new Error(`POST /v1/images: HTTP ${res.status} ${res.text}`);
    const imageId = res.body.id;
    let tasks: Array<{ status: string; finished_at: string | null; error?: unknown }> = [];
    const deadline = Date.now() + Math.max(600, SIZE_MIB) * 1000;
    for (;;) {
      tasks = (
        await api<{ tasks: typeof tasks }>('GET', `${daemons.apiUrl}/v1/tasks?image_id=${imageId}`, {
          token: tokens.demo,
        })
      ).body.tasks;
      const copies = tasks.length;
      if (
        copies >= targets.length &&
        tasks.every((t) => ['succeeded', 'failed', 'cancelled'].includes(t.status))
      )
        break;
      if (Date.now() > deadline) throw new Error('the copies did not end in time');
      await new Promise((r) => setTimeout(r, 500));
    }
    const failed = tasks.filter((t) => t.status !== 'succeeded');
    if (failed.length > 0) throw new Error(`copies failed: ${JSON.stringify(failed.map((t) => t.error))}`);
    // The end of the last copy, as the conductor recorded it.
    const seconds = Math.max(...tasks.map((t) => Date.parse(t.finished_at ?? '') - posted)) / 1000;
    const sourceBytes = (await metric('zone-a', 'gimming_agent_source_bytes_read_total')) - before;
    const reads: Record<string, number> = {};
    for (const kind of ['shared', 'joined', 'own', 'detached'])
      reads[kind] = await metric('zone-a', 'gimming_agent_source_reads_total', { kind });
    const rss: Record<string, number> = {};
    for (const zone of ['zone-a', ...targets])
      rss[`agent-${zone}`] = peakRssMiB(daemons.process(`agent-${zone}`)?.pid);
    const image = (
      await api<{ locations: Array<{ cloud: string; image_id: string }> }>(
        'GET',
        `${daemons.apiUrl}/v1/images/${imageId}`,
        { token: tokens.demo },
      )
    ).body;
    for (const location of image.locations) {
      if (location.cloud === 'zone-a') continue;
      const glance = new Glance(bed.regions[regionOf(bed, location.cloud)]!.glance_url, tokens.demo);
      const copy = (await glance.get(location.image_id)) as GlanceImage;
      await glance.delete(location.image_id);
      if (copy.checksum !== source.checksum || copy.os_hash_value !== source.os_hash_value) {
        throw new Error(`the copy in ${location.cloud} differs from the source`);
      }
    }
    await untag(glanceA, tokens.demo, source.id);
    ok = true;
    say(
      `${targets.length} target(s)${shared ? '' : ', shared reads off'}: ${seconds.toFixed(2)} s, ` +
        `${(sourceBytes / MiB).toFixed(0)} MiB read from the source, readers ${JSON.stringify(reads)}`,
    );
    return { targets: targets.length, seconds, source_bytes: sourceBytes, reads, rss_mib: rss };
  } finally {
    await daemons.stop(!ok || process.env.GIMMING_BENCH_KEEP_LOGS === '1');
  }
}

async function main(): Promise<void> {
  const bed = testbed();
  const [admin, demo] = await Promise.all([
    issueToken(bed, bed.users.admin),
    issueToken(bed, bed.users.demo),
  ]);
  const glanceA = new Glance(bed.regions.RegionOne!.glance_url, demo.id);
  const source = await ensureSource(glanceA, demo.id);
  const tokens = { admin: admin.id, demo: demo.id };
  const results: Record<string, PathResult> = {};
  if (PATHS.includes('one')) results.one = await runPath(bed, tokens, source, glanceA, ['zone-b'], true);
  if (PATHS.includes('fanout')) results.fanout = await runPath(bed, tokens, source, glanceA, TARGETS, true);
  if (PATHS.includes('unshared'))
    results.unshared = await runPath(bed, tokens, source, glanceA, TARGETS, false);
  const one = results.one;
  const row = (name: string, r: PathResult | undefined) =>
    r
      ? `${name.padEnd(34)} ${r.seconds.toFixed(2).padStart(7)} s ${(one ? `${(r.seconds / one.seconds).toFixed(2)}x` : '').padStart(7)}` +
        `   ${(r.source_bytes / MiB).toFixed(0).padStart(6)} MiB ${(r.source_bytes / SIZE).toFixed(2).padStart(5)}x` +
        `   ${Object.values(r.rss_mib)
          .map((v) => v.toFixed(0))
          .join('/')}`
      : `${name.padEnd(34)} (not run)`;
  const lines = [
    `GIMinG fan-out benchmark: ${SIZE_MIB} MiB from zone-a to ${TARGETS.join(', ')} (${
      TARGETS.every((z) => regionOf(bed, z) !== 'RegionTwo' || z === 'zone-b')
        ? 'a Glance of its own each'
        : "three clouds on zone-b's Glance"
    }, an agent each)`,
    `${'path'.padEnd(34)} ${'time'.padStart(9)} ${'vs one'.padStart(7)}   ${'read from the source'.padStart(17)}   peak RSS MiB (agents)`,
    row('one copy (zone-b)', results.one),
    row('3 targets, one shared read', results.fanout),
    row('3 targets, shared reads off', results.unshared),
  ];
  const fan = results.fanout;
  if (fan && one) {
    const ratio = fan.seconds / one.seconds;
    lines.push(
      `${`3 targets <= ${GOAL_RATIO}x one copy`.padEnd(44)} ${ratio.toFixed(2)}x  ${ratio <= GOAL_RATIO ? 'PASS' : 'FAIL'}`,
      `${'bytes read from the source = 1x'.padEnd(44)} ${(fan.source_bytes / SIZE).toFixed(2)}x  ${fan.source_bytes === SIZE ? 'PASS' : 'FAIL'}`,
    );
  }
  for (const [name, r] of Object.entries(results)) {
    const peak = Math.max(...Object.values(r.rss_mib));
    lines.push(
      `${`${name}: each agent < ${TARGET_RSS_MIB} MiB`.padEnd(44)} ${peak.toFixed(0)} MiB  ${peak < TARGET_RSS_MIB ? 'PASS' : 'FAIL'}`,
    );
  }
  process.stdout.write(`\n${lines.join('\n')}\n`);
  writeFileSync(
    join(DIR, 'last-fanout.json'),
    `${JSON.stringify({ size_mib: SIZE_MIB, ...results }, null, 2)}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`[bench] FAILED: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
