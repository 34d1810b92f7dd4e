/**
 * `npm run bench:incremental`: an image (1 GiB by default) and a new version of it with 5% of its 1 MiB
 * blocks changed, both in zone-a's Glance; zone-b holds the old version (its copy made first, a full
 * copy). The new version is then sent to zone-b twice in the same run: incremental (sync with
 * incremental_from: only the blocks that differ cross between the agents) and full (the incremental
 * copy's location removed, the new version synced again without a base). Printed: the bytes that crossed
 * between the agents for each (gimming_agent_delta_bytes_total sent + the base's block hashes, against
 * gimming_agent_bytes_copied_total out; goal: at most 10% of the image) and the time of each, from the
 * sync's POST to the copy task's end. Every copy's md5 and sha512 are checked against the new version.
 * Daemons: api 19400, agents 19401-19402, metrics 19410-19413. Run through tools/bench/incremental.sh.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DaemonSet } from '../../tests/support/daemons';
import { http as api } from '../../tests/support/http';
import { type VersionSpec, changedBlocks, uploadVersion } from '../../tests/support/image-versions';
import { Glance, issueToken } from '../../tests/support/openstack';
import { testbed } from '../../tests/support/testbed';
import { counterSum } from '../../tests/support/metrics';
import { peakRssMiB } from './lib/proc';

const MiB = 1024 * 1024;
const DIR = process.env.GIMMING_BENCH_DIR ?? '/var/tmp/gimming-bench';
const SIZE_MIB = Number(process.env.GIMMING_BENCH_SIZE_MIB ?? 1024);
const SPEC: VersionSpec = {
  size: SIZE_MIB * MiB,
  blockBytes: MiB,
  changedEvery: 20,
  seed: `bench-${Date.now()}`,
};
const ZONES = ['zone-a', 'zone-b'];
const API_PORT = 19400;
const AGENT_PORTS: Record<string, number> = { 'zone-a': 19401, 'zone-b': 19402 };
const METRICS_PORTS: Record<string, number> = { 'zone-a': 19412, 'zone-b': 19413 };
const GOAL_FRACTION = 0.1;

interface TaskBody {
  status: string;
  created_at: string;
  finished_at: string | null;
  error?: unknown;
  plan?: { path: string } | null;
}
interface LocationBody {
  cloud: string;
  image_id: string;
}
interface GlanceImage {
  id: string;
  checksum: string | null;
  os_hash_value: string | null;
}

const say = (text: string) => process.stderr.write(`[bench] ${text}\n`);

const metric = (zone: string, name: string, labels: Record<string, string> = {}) =>
  counterSum(METRICS_PORTS[zone]!, name, labels);

/** What crossed from zone-a's agent to zone-b's: full-copy data, changed blocks, and the base's hashes. */
async function crossed(): Promise<number> {
  return (
    (await metric('zone-a', 'gimming_agent_bytes_copied_total', { direction: 'out' })) +
    (await metric('zone-a', 'gimming_agent_delta_bytes_total', { kind: 'sent' })) +
    (await metric('zone-a', 'gimming_agent_delta_bytes_total', { kind: 'hashes' }))
  );
}

async function main(): Promise<void> {
  const bed = testbed();
  const [admin, demo] = await Promise.all([
    issueToken(bed, bed.users.admin),
    issueToken(bed, bed.users.demo),
  ]);
  const glanceA = new Glance(bed.regions.RegionOne!.glance_url, demo.id);
  const glanceB = new Glance(bed.regions.RegionTwo!.glance_url, demo.id);
  const made: Array<[Glance, string]> = [];
  say(`uploading two versions of ${SIZE_MIB} MiB to zone-a's Glance`);
  const old = (await uploadVersion(
    glanceA,
    demo.id,
    'gimming-bench-incremental-old',
    SPEC,
    false,
  )) as GlanceImage;
  made.push([glanceA, old.id]);
  const fresh = (await uploadVersion(
    glanceA,
    demo.id,
    'gimming-bench-incremental-new',
    SPEC,
    true,
  )) as GlanceImage;
  made.push([glanceA, fresh.id]);
  const daemons = new DaemonSet(bed, {
    apiPort: API_PORT,
    agentPorts: AGENT_PORTS,
    extraConfig: `[metrics]\nenabled = true\napi_port = 19410\nconductor_port = 19411`,
    agentEnv: Object.fromEntries(ZONES.map((z) => [z, { OS_METRICS__AGENT_PORT: String(METRICS_PORTS[z]) }])),
  });
  let ok = false;
  await daemons.start();
  const call = async <T>(method: string, path: string, json?: unknown): Promise<T> => {
    const res = await api<T>(method, `${daemons.apiUrl}${path}`, {
      token: demo.id,
      headers: { 'OpenStack-API-Version': 'image-manager 1.5' }, // incremental_from: 1.5
      ...(json ? { json } : {}),
    });
    if (res.status >= 300) throw new Error(`${method} ${path}: HTTP ${res.status} ${res.text}`);
    return res.body;
  };
  const waitTasks = async (imageId: string, count: number): Promise<TaskBody[]> => {
    const deadline = Date.now() + Math.max(600, SIZE_MIB) * 1000;
    for (;;) {
      const tasks = (await call<{ tasks: TaskBody[] }>('GET', `/v1/tasks?image_id=${imageId}`)).tasks;
      if (
        tasks.length >= count &&
        tasks.every((t) => ['succeeded', 'failed', 'cancelled'].includes(t.status))
      ) {
        const failed = tasks.filter((t) => t.status !== 'succeeded');
        if (failed.length > 0)
          throw new Error(`copies failed: ${JSON.stringify(failed.map((t) => t.error))}`);
        return tasks;
      }
      if (Date.now() > deadline) throw new Error('the copies did not end in time');
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  const copyIn = async (imageId: string): Promise<LocationBody> => {
    const { locations } = await call<{ locations: LocationBody[] }>('GET', `/v1/images/${imageId}`);
    const found = locations.find((l) => l.cloud === 'zone-b');
    if (!found) throw new Error(`image ${imageId} has no copy in zone-b`);
    return found;
  };
  /** Syncs the new version to zone-b; answers the seconds and the bytes that crossed, proven equal. */
  const send = async (imageId: string, base?: string) => {
    const bytesBefore = await crossed();
    const posted = Date.now();
    await call('POST', `/v1/images/${imageId}/sync`, {
      targets: ['zone-b'],
      ...(base ? { incremental_from: base } : {}),
    });
    const tasks = await waitTasks(imageId, 1);
    const newest = tasks.reduce((a, b) => (Date.parse(a.created_at) > Date.parse(b.created_at) ? a : b));
    const seconds = (Date.parse(newest.finished_at ?? '') - posted) / 1000;
    const bytes = (await crossed()) - bytesBefore;
    const loc = await copyIn(imageId);
    const copy = (await glanceB.get(loc.image_id)) as GlanceImage;
    if (copy.checksum !== fresh.checksum || copy.os_hash_value !== fresh.os_hash_value) {
      throw new Error('the copy in zone-b differs from the new version');
    }
    return { seconds, bytes, path: newest.plan?.path ?? '', remoteId: loc.image_id };
  };
  try {
    for (const zone of ZONES) {
      const res = await api('POST', `${daemons.apiUrl}/v1/clouds`, {
        token: admin.id,
        json: { name: zone, type: 'openstack', region_name: zone === 'zone-a' ? 'RegionOne' : 'RegionTwo' },
      });
      if (res.status !== 201) throw new Error(`register ${zone}: HTTP ${res.status} ${res.text}`);
    }
    // The old version in zone-b (a full copy), the new one adopted in zone-a.
    const oldImage = await call<{ id: string }>('POST', '/v1/images', {
      source: { cloud: 'zone-a', image_id: old.id },
      targets: ['zone-b'],
    });
    await waitTasks(oldImage.id, 1);
    made.push([glanceB, (await copyIn(oldImage.id)).image_id]);
    const newImage = await call<{ id: string }>('POST', '/v1/images', {
      source: { cloud: 'zone-a', image_id: fresh.id },
      targets: [],
    });
    const plan = await call<{ plan: { targets: unknown[] } }>(
      'POST',
      `/v1/images/${newImage.id}/sync?dry_run=true`,
      {
        targets: ['zone-b'],
        incremental_from: oldImage.id,
      },
    );
    say(`plan: ${JSON.stringify(plan.plan.targets[0])}`);
    say('incremental copy');
    const incremental = await send(newImage.id, oldImage.id);
    made.push([glanceB, incremental.remoteId]);
    const rss = Object.fromEntries(ZONES.map((z) => [z, peakRssMiB(daemons.process(`agent-${z}`)?.pid)]));
    // The same copy in full: the incremental one's location and its image in zone-b removed first.
    const del = await api('DELETE', `${daemons.apiUrl}/v1/images/${newImage.id}/locations/zone-b`, {
      token: demo.id,
    });
    if (del.status >= 300) throw new Error(`remove the incremental copy: HTTP ${del.status} ${del.text}`);
    await glanceB.delete(incremental.remoteId);
    say('full copy');
    const full = await send(newImage.id);
    made.push([glanceB, full.remoteId]);
    const changed = changedBlocks(SPEC);
    const fraction = incremental.bytes / SPEC.size;
    const lines = [
      `GIMinG incremental benchmark: ${SIZE_MIB} MiB, new version with ${changed} of ${Math.ceil(SPEC.size / MiB)} ` +
        `1 MiB blocks changed (${((100 * changed * MiB) / SPEC.size).toFixed(1)}%), zone-a -> zone-b (zone-b holds the old one)`,
      `${'path'.padEnd(24)} ${'time'.padStart(9)}   ${'bytes between the agents'.padStart(24)}`,
      `${`incremental (${incremental.path})`.padEnd(24)} ${incremental.seconds.toFixed(2).padStart(7)} s   ` +
        `${(incremental.bytes / MiB).toFixed(1).padStart(10)} MiB ${(100 * fraction).toFixed(2).padStart(6)}%`,
      `${`full (${full.path})`.padEnd(24)} ${full.seconds.toFixed(2).padStart(7)} s   ` +
        `${(full.bytes / MiB).toFixed(1).padStart(10)} MiB ${((100 * full.bytes) / SPEC.size).toFixed(2).padStart(6)}%`,
      `${`bytes crossing <= ${100 * GOAL_FRACTION}% of the image`.padEnd(44)} ${(100 * fraction).toFixed(2)}%  ${fraction <= GOAL_FRACTION ? 'PASS' : 'FAIL'}`,
      `${'time incremental / full'.padEnd(44)} ${(incremental.seconds / full.seconds).toFixed(2)}x`,
      `${'peak RSS of the agents (MiB, zone-a/zone-b)'.padEnd(44)} ${Object.values(rss)
        .map((v) => v.toFixed(0))
        .join('/')}`,
    ];
    process.stdout.write(`\n${lines.join('\n')}\n`);
    mkdirSync(DIR, { recursive: true });
    writeFileSync(
      join(DIR, 'last-incremental.json'),
      `${JSON.stringify({ size_mib: SIZE_MIB, changed_blocks: changed, incremental, full, rss_mib: rss }, null, 2)}\n`,
    );
    ok = true;
  } finally {
    await daemons.stop(!ok || process.env.GIMMING_BENCH_KEEP_LOGS === '1');
    for (const [glance, id] of made) await glance.delete(id).catch(() => undefined);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`[bench] FAILED: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
