/**
 * `npm run bench:pairs`: every kind of source (a Glance zone, an EC2 region, a GCE project, data uploaded
 * to GIMinG) x every kind of target (a Glance zone, EC2, GCE), one image of GIMMING_BENCH_SIZE_MIB
 * (256 by default) each: the dry run's plan (path, conversion, native or not, reason), then the real
 * copy, timed from the request until the copy task succeeded, one pair at a time. Prints one table
 * (source, target, path, bytes through the agents, seconds, MiB/s of the image) with the refused pairs
 * and the plan's reason of each, and writes it to <GIMMING_BENCH_DIR>/last-pairs.json.
 *
 * Its own daemons (api, conductor, an agent for zone-a and one for zone-b serving Glance RegionTwo, EC2
 * and GCE, which converts) and its own EC2 and GCE stand-ins, on the ports from GIMMING_BENCH_PORT_BASE,
 * against the test bed's Keystone, Glances, Barbican, MariaDB and RabbitMQ. With GIMMING_BENCH_LOCK (a
 * file), the lock (flock) is held only while the pairs are timed. Everything made is deleted
 * everywhere at the end (tests/support/flows.ts deleteEverywhere), then checked gone. Run through
 * tools/bench/pairs.sh; environment: tools/bench/README.md.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { AwsStandin } from '../../tests/support/aws-standin';
import { DaemonSet } from '../../tests/support/daemons';
import { deleteEverywhere, registerClouds } from '../../tests/support/flows';
import { GceStandin } from '../../tests/support/gce-standin';
import { http as api, waitFor } from '../../tests/support/http';
import { Glance, issueToken } from '../../tests/support/openstack';
import { TESTBED_DIR, testbed } from '../../tests/support/testbed';
import { putGlanceFile, randomFile } from './lib/glance-source';

const MiB = 1024 * 1024;
const DIR = process.env.GIMMING_BENCH_DIR ?? '/var/tmp/gimming-bench';
const SIZE_MIB = Number(process.env.GIMMING_BENCH_SIZE_MIB ?? 256);
const BASE = Number(process.env.GIMMING_BENCH_PORT_BASE ?? 19100);
const LOCK = process.env.GIMMING_BENCH_LOCK ?? '';
const EXTRA_CONFIG = (process.env.GIMMING_BENCH_EXTRA_CONFIG ?? '').replaceAll('\\n', '\n');
const TIMEOUT_MS = Number(process.env.GIMMING_BENCH_TIMEOUT_S ?? 1800) * 1000;
const NAME = 'gimming-bench-pairs';
/** The names of what this run makes (its leftovers are found by it, not another run's). */
const RUN_NAME = `${NAME}-${randomBytes(3).toString('hex')}`;
const EAST = 'us-east-1';
const WEST = 'eu-west-1';

const say = (text: string) => process.stderr.write(`[bench] ${text}\n`);

type Kind = 'glance' | 'ec2' | 'gce' | 'upload';
const KIND_LABEL: Record<Kind, string> = {
  glance: 'Glance zone',
  ec2: 'EC2 region',
  gce: 'GCE project',
  upload: 'upload to GIMinG',
};
const TARGET_KINDS = ['glance', 'ec2', 'gce'] as const;
/** The target cloud of each kind (gce-2, the admin project's own, for a GCE source: another project). */
const TARGET_OF: Record<(typeof TARGET_KINDS)[number], string> = {
  glance: 'zone-b',
  ec2: 'ec2-west',
  gce: 'gce-1',
};

interface PairResult {
  source_kind: Kind;
  source_cloud: string | null;
  target_kind: string;
  target_cloud: string;
  /** The cloud the plan reads from (null: the staged upload). */
  read_from: string | null;
  /** The plan's path (null: refused), and what the task then recorded. */
  path: string | null;
  ran_path: string | null;
  conversion: { from: string; to: string } | null;
  native: boolean;
  reason: string;
  refused: { code: string; message: string } | null;
  /** Bytes that passed through the agents, as the task counted them (0: native). */
  bytes: number | null;
  seconds: number | null;
  /** The image's size over the seconds. */
  mib_per_s: number | null;
  error?: string;
}

/** Holds the flock on `path` (with flock(1)) until the answer's release is called. */
async function holdLock(path: string): Promise<() => Promise<void>> {
  const child: ChildProcess = spawn('flock', ['-o', path, 'sh', '-c', 'echo locked; exec cat'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('locked')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`flock ${path} exited (${String(code)})`)));
  });
  return async () => {
    const exited = new Promise((r) => child.once('exit', r));
    child.stdin?.end();
    await exited;
  };
}

/** PUTs a file as an image's data through GIMinG (Content-Length given), answering the status. */
async function putFile(url: string, token: string, path: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const req = http.request(url, {
      method: 'PUT',
      headers: {
        'X-Auth-Token': token,
        'Content-Type': 'application/octet-stream',
        'Content-Length': statSync(path).size,
      },
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    createReadStream(path).pipe(req);
  });
}

async function main(): Promise<void> {
  mkdirSync(DIR, { recursive: true });
  const file = join(DIR, `${NAME}-${SIZE_MIB}MiB.bin`);
  await randomFile(file, SIZE_MIB, say);
  const size = SIZE_MIB * MiB;
  const bed = testbed();
  const ec2 = new AwsStandin(
    { bytesPerSecond: 256 * MiB, minDurationMs: 1000, tickMs: 100 },
    { ec2: BASE + 10, s3: BASE + 11 },
  );
  const gce = new GceStandin({ insertMs: 1000, ports: { compute: BASE + 12, storage: BASE + 13 } });
  await Promise.all([ec2.start(), gce.start()]);
  const daemons = new DaemonSet(bed, {
    apiPort: BASE,
    agentPorts: { 'zone-a': BASE + 1, 'zone-b': BASE + 2 },
    extraConfig:
      `staging_max_bytes = ${(4 * SIZE_MIB + 2048) * MiB}\n${EXTRA_CONFIG}\n` +
      '[quota]\nstaged_bytes = -1\n' +
      '[conductor]\nremote_cache_time = 0\nrefresh_interval = 0\n' +
      // The project's GCE key names the stand-in's token endpoint, on loopback.
      '[project_clouds]\nallowed_private_networks = 127.0.0.1/32\n',
    agentEnv: {
      // Glance's own copy (glance-download) wherever the test bed's Glances advertise it.
      'zone-a': { OS_GLANCE__NATIVE_IMPORT: 'auto' },
      'zone-b': {
        ...ec2.agentEnv(),
        OS_AGENT__ENABLED_DRIVERS: 'openstack,aws,gcp',
        OS_AGENT__IMAGE_CONVERSION: 'true',
        OS_GLANCE__NATIVE_IMPORT: 'auto',
        OS_GCP__COMPUTE_ENDPOINT: gce.computeUrl,
        OS_GCP__STORAGE_ENDPOINT: gce.storageUrl,
        OS_GCP__OPERATION_POLL_INTERVAL: '200',
        GOOGLE_APPLICATION_CREDENTIALS: gce.keyFile('operator'),
      },
    },
  });
  const made: Array<[string, 'demo' | 'admin']> = [];
  const glanceMade: Array<[Glance, string]> = [];
  let secretRef = '';
  let release: (() => Promise<void>) | undefined;
  let ok = false;
  let tokens: { admin: string; demo: string } | undefined;
  try {
    await daemons.start();
    const [admin, demo] = await Promise.all([
      issueToken(bed, bed.users.admin),
      issueToken(bed, bed.users.demo),
    ]);
    tokens = { admin: admin.id, demo: demo.id };
    const t = tokens;
    const url = daemons.apiUrl;
    const glanceA = new Glance(bed.regions.RegionOne!.glance_url, demo.id);
    const register = async (json: Record<string, unknown>) => {
      const res = await api('POST', `${url}/v1/clouds`, { token: t.admin, json });
      if (res.status !== 201) throw new Error(`registering ${String(json.name)}: ${res.text}`);
    };
    await registerClouds(url, admin.id);
    for (const [name, region] of [
      ['ec2-east', EAST],
      ['ec2-west', WEST],
    ] as const) {
      await register({
        name,
        type: 'aws',
        region_name: region,
        zone: 'zone-b',
        bucket: ec2.bucket('operator', region),
      });
    }
    await register({
      name: 'gce-1',
      type: 'gcp',
      region_name: 'global',
      zone: 'zone-b',
      project: gce.projects.operator.id,
      bucket: gce.bucket('operator'),
    });
    // A second GCE project (the admin project's own cloud, its key in Barbican), so GCE -> GCE is a pair.
    const { barbican_url } = JSON.parse(readFileSync(join(TESTBED_DIR, 'testbed.json'), 'utf8')) as {
      barbican_url: string;
    };
    const stored = await api('POST', `${barbican_url}/v1/secrets`, {
      token: admin.id,
      json: {
        name: `${RUN_NAME}-gcp-key`,
        payload: JSON.stringify(gce.key('project')),
        payload_content_type: 'text/plain',
      },
    });
    if (stored.status !== 201) throw new Error(`storing the GCE key: ${stored.text}`);
    secretRef = stored.body.secret_ref as string;
    await register({
      name: 'gce-2',
      type: 'gcp',
      region_name: 'global',
      zone: 'zone-b',
      scope: 'project',
      credentials_ref: secretRef,
      project: gce.projects.project.id,
      bucket: gce.bucket('project'),
    });
    await waitFor(
      "zone-b's agents to say what EC2 and GCE can do",
      async () =>
        (await api('GET', `${url}/v1/clouds/gce-1`, { token: t.admin })).body?.capabilities?.size_limits
          ? true
          : undefined,
      60000,
    );
    // An agent learns its Glance's import methods with the first caller's token that reaches it.
    for (const zone of ['zone-a', 'zone-b'])
      await api('GET', `${url}/v1/clouds/${zone}/images`, { token: t.demo });
    await waitFor(
      "both zones to say whether their Glance copies from the other's (glance-download)",
      async () => {
        const caps = await Promise.all(
          ['zone-a', 'zone-b'].map(
            async (z) => (await api('GET', `${url}/v1/clouds/${z}`, { token: t.admin })).body,
          ),
        );
        return caps.every((c) => c?.capabilities?.native_copy?.includes('openstack')) ? true : undefined;
      },
      10000,
    ).catch(() => say('the Glances do not both copy natively: Glance -> Glance goes through the agents'));

    /** An image uploaded into `cloud` only (its only copy), as `who`. */
    const uploadedInto = async (cloud: string, who: 'demo' | 'admin'): Promise<string> => {
      const created = await api('POST', `${url}/v1/images`, {
        token: t[who],
        json: {
          name: `${RUN_NAME}-in-${cloud}`,
          disk_format: 'raw',
          container_format: 'bare',
          targets: [cloud],
        },
      });
      if (created.status !== 201) throw new Error(`create in ${cloud}: ${created.text}`);
      const id = created.body.id as string;
      made.push([id, who]);
      const status = await putFile(`${url}/v1/images/${id}/file`, t[who], file);
      if (status !== 204) throw new Error(`upload into ${cloud}: HTTP ${status}`);
      await copyTask(id, cloud, who, 0);
      return id;
    };
    /** The copy task of image `id` to `cloud` that began after `since`, once it ended (it must succeed). */
    const copyTask = async (id: string, cloud: string, who: 'demo' | 'admin', since: number) =>
      waitFor(
        `the copy of ${id} to ${cloud}`,
        async () => {
          const res = await api('GET', `${url}/v1/tasks?image_id=${id}`, { token: t[who] });
          const task = (res.body.tasks as any[]).find(
            (k) =>
              k.cloud === cloud &&
              ['copy', 'upload'].includes(k.type) &&
              Date.parse(k.created_at) >= since - 1000,
          );
          if (!task || !['succeeded', 'failed', 'cancelled'].includes(task.status)) return undefined;
          if (task.status !== 'succeeded')
            throw new Error(`${cloud}: ${task.status}: ${JSON.stringify(task.error)}`);
          return task;
        },
        TIMEOUT_MS,
        250,
      );

    // The sources, made before any pair is timed.
    say(`making the sources (${SIZE_MIB} MiB each): Glance zone-a, ec2-east, gce-1`);
    const glanceImage = await glanceA.create({
      name: `${RUN_NAME}-source`,
      disk_format: 'raw',
      container_format: 'bare',
    });
    glanceMade.push([glanceA, glanceImage.id as string]);
    await putGlanceFile(glanceA, demo.id, glanceImage.id as string, file);
    const adopted = await api('POST', `${url}/v1/images`, {
      token: t.demo,
      json: {
        name: `${RUN_NAME}-from-glance`,
        source: { cloud: 'zone-a', image_id: glanceImage.id },
        targets: [],
      },
    });
    if (adopted.status !== 202) throw new Error(`adopting the Glance source: ${adopted.text}`);
    made.push([adopted.body.id as string, 'demo']);
    await waitFor(
      'the Glance source to be adopted',
      async () =>
        (
          (await api('GET', `${url}/v1/images/${adopted.body.id}`, { token: t.demo })).body.locations as any[]
        )?.some((l) => l.cloud === 'zone-a' && l.status === 'active')
          ? true
          : undefined,
      120000,
    );
    const sources: Array<{ kind: Kind; cloud: string | null; id: string | null; who: 'demo' | 'admin' }> = [
      { kind: 'glance', cloud: 'zone-a', id: adopted.body.id as string, who: 'demo' },
      { kind: 'ec2', cloud: 'ec2-east', id: await uploadedInto('ec2-east', 'demo'), who: 'demo' },
      { kind: 'gce', cloud: 'gce-1', id: await uploadedInto('gce-1', 'admin'), who: 'admin' },
      { kind: 'upload', cloud: null, id: null, who: 'demo' },
    ];

    if (LOCK) {
      say(`waiting for the lock ${LOCK}`);
      release = await holdLock(LOCK);
    }
    const results: PairResult[] = [];
    for (const source of sources) {
      for (const targetKind of TARGET_KINDS) {
        const target = source.kind === 'gce' && targetKind === 'gce' ? 'gce-2' : TARGET_OF[targetKind];
        say(`${source.kind} (${source.cloud ?? 'upload'}) -> ${targetKind} (${target})`);
        results.push(await pair(source, targetKind, target));
      }
    }
    if (release) {
      await release();
      release = undefined;
    }

    async function pair(
      source: (typeof sources)[number],
      targetKind: string,
      target: string,
    ): Promise<PairResult> {
      const token = t[source.who];
      const upload = source.id === null;
      const request = upload
        ? {
            path: `${url}/v1/images`,
            json: {
              name: `${RUN_NAME}-upload-${target}`,
              disk_format: 'raw',
              container_format: 'bare',
              targets: [target],
            },
          }
        : { path: `${url}/v1/images/${source.id}/sync`, json: { targets: [target] } };
      const dry = await api('POST', `${request.path}?dry_run=true`, { token, json: request.json });
      if (dry.status !== 200) throw new Error(`dry run ${source.kind} -> ${target}: ${dry.text}`);
      const planned = (dry.body.plan.targets as any[]).find((p) => p.cloud === target);
      const result: PairResult = {
        source_kind: source.kind,
        source_cloud: source.cloud,
        target_kind: targetKind,
        target_cloud: target,
        read_from: planned.source_cloud ?? null,
        path: planned.path,
        ran_path: null,
        conversion: planned.conversion,
        native: planned.path === 'native',
        reason: planned.reason ?? planned.refused?.message ?? '',
        refused: planned.refused,
        bytes: null,
        seconds: null,
        mib_per_s: null,
      };
      if (planned.refused) return result;
      const started = Date.now();
      let id = source.id;
      const res = await api('POST', request.path, { token, json: request.json });
      if (res.status !== (upload ? 201 : 202)) throw new Error(`${source.kind} -> ${target}: ${res.text}`);
      if (upload) {
        id = res.body.id as string;
        made.push([id, source.who]);
        const status = await putFile(`${url}/v1/images/${id}/file`, token, file);
        if (status !== 204) throw new Error(`upload for ${target}: HTTP ${status}`);
      }
      try {
        const task = await copyTask(id as string, target, source.who, started);
        result.seconds = (Date.parse(task.finished_at as string) - started) / 1000;
        result.mib_per_s = SIZE_MIB / result.seconds;
        result.ran_path = task.plan?.path ?? null;
        result.bytes =
          task.plan?.path === 'native'
            ? 0
            : ((task.bytes_total as number | null) ?? task.plan?.bytes ?? null);
      } catch (err) {
        result.error = err instanceof Error ? err.message : String(err);
      }
      // The next pair of this source must read from it, not from this copy: it goes again.
      if (!upload) await dropCopy(id as string, target, source.who);
      return result;
    }

    /** Deletes the copy of image `id` in `cloud` (delete_remote), until GIMinG shows it no more. */
    async function dropCopy(id: string, cloud: string, who: 'demo' | 'admin'): Promise<void> {
      const res = await api('DELETE', `${url}/v1/images/${id}/locations/${cloud}?delete_remote=true`, {
        token: t[who],
      });
      if (res.status !== 204 && res.status !== 202)
        throw new Error(`deleting ${id} in ${cloud}: ${res.text}`);
      await waitFor(
        `the copy of ${id} in ${cloud} to be deleted`,
        async () => {
          const shown = await api('GET', `${url}/v1/images/${id}`, { token: t[who] });
          const tasks = await api('GET', `${url}/v1/tasks?image_id=${id}`, { token: t[who] });
          const gone = !(shown.body.locations as any[]).some((l) => l.cloud === cloud);
          const ended = (tasks.body.tasks as any[]).every((k) =>
            ['succeeded', 'failed', 'cancelled'].includes(k.status),
          );
          return gone && ended ? true : undefined;
        },
        120000,
        250,
      );
    }

    const table = render(results);
    process.stdout.write(`\n${table}\n`);
    const out = {
      size_mib: SIZE_MIB,
      size_bytes: size,
      standins: { ec2_bytes_per_second: 256 * MiB, ec2_min_task_ms: 1000, gce_insert_ms: 1000 },
      extra_config: EXTRA_CONFIG || null,
      pairs: results,
      finished_at: new Date().toISOString(),
    };
    writeFileSync(join(DIR, 'last-pairs.json'), `${JSON.stringify(out, null, 2)}\n`);
    say(`results in ${join(DIR, 'last-pairs.json')}`);
    ok = results.every((r) => !r.error);
  } finally {
    if (release) await release();
    if (tokens) {
      const t = tokens;
      say(`deleting everything made (${made.length} images)`);
      for (const who of ['demo', 'admin'] as const) {
        const ids = made.filter(([, w]) => w === who).map(([id]) => id);
        await deleteEverywhere(daemons.apiUrl, t[who], ids, 180000);
        // A cloud's error can keep a copy (a Glance answering 500 to a delete it carried out): once more.
        const kept: string[] = [];
        for (const id of ids) {
          const res = await api('GET', `${daemons.apiUrl}/v1/images/${id}`, { token: t[who] });
          if (res.status !== 404) kept.push(id);
        }
        if (kept.length > 0) {
          say(`deleting again what was kept (${kept.join(', ')})`);
          await deleteEverywhere(daemons.apiUrl, t[who], kept, 120000);
        }
      }
      const left: string[] = [];
      for (const [id, who] of made) {
        const res = await api('GET', `${daemons.apiUrl}/v1/images/${id}`, { token: t[who] }).catch(
          () => undefined,
        );
        if (res?.status !== 404) left.push(`GIMinG image ${id}`);
      }
      for (const [glance, id] of glanceMade) {
        if (await glance.get(id).catch(() => undefined)) {
          left.push(`Glance image ${id}`);
          await glance.delete(id).catch(() => undefined);
        }
      }
      for (const zone of ['RegionOne', 'RegionTwo']) {
        const glance = new Glance(bed.regions[zone]!.glance_url, t.demo);
        for (const i of (await glance.list().catch(() => [])) as any[]) {
          if (typeof i.name === 'string' && i.name.startsWith(RUN_NAME)) {
            left.push(`Glance ${zone} image ${i.id} (${i.name})`);
            await glance.delete(i.id).catch(() => undefined);
          }
        }
      }
      const [east, west, g1, g2] = await Promise.all([
        ec2.state(EAST),
        ec2.state(WEST),
        gce.state(),
        gce.state(gce.projects.project.id),
      ]);
      left.push(...[...east.images, ...west.images].map((i) => `AMI ${i.id}`));
      left.push(...[...g1.images, ...g2.images].map((i) => `GCE image ${i.image.name}`));
      left.push(...[...g1.objects, ...g2.objects].map((o) => `GCS object ${o.bucket}/${o.name}`));
      if (secretRef) await api('DELETE', secretRef, { token: t.admin }).catch(() => undefined);
      if (left.length > 0) {
        say(`left behind (deleted now where it could be): ${left.join(', ')}`);
        ok = false;
      }
    }
    await daemons.stop(!ok || process.env.GIMMING_BENCH_KEEP_LOGS === '1');
    await Promise.all([ec2.stop(), gce.stop()]);
  }
  if (!ok) throw new Error('a pair failed or something was left behind (see above)');
}

/** The table, then each pair's reason (the plan's, or its refusal). */
function render(results: PairResult[]): string {
  const cols = ['source', 'target', 'path', 'conversion', 'agent bytes', 'seconds', 'MiB/s'];
  const rows = results.map((r) => [
    `${KIND_LABEL[r.source_kind]}${r.source_cloud ? ` (${r.source_cloud})` : ''}`,
    `${r.target_kind} (${r.target_cloud})`,
    r.refused
      ? `refused (${r.refused.code.replace('gimming.plan.', '')})`
      : `${r.path ?? ''}${r.ran_path && r.ran_path !== r.path ? ` -> ran ${r.ran_path}` : ''}` +
        (r.read_from !== r.source_cloud ? ` (from ${r.read_from ?? 'the upload'})` : ''),
    r.conversion ? `${r.conversion.from}->${r.conversion.to}` : '',
    r.bytes === null ? '' : String(r.bytes),
    r.seconds === null ? (r.error ? 'FAILED' : '') : r.seconds.toFixed(2),
    r.mib_per_s === null ? '' : r.mib_per_s.toFixed(1),
  ]);
  const widths = cols.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    `  ${cells.map((c, i) => (i >= 4 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ')}`;
  return [
    `GIMinG pairs benchmark: ${SIZE_MIB} MiB, every source kind x every target kind, one at a time ` +
      '(seconds from the request until the copy task succeeded; MiB/s of the image)',
    '',
    line(cols),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
    'Why (the plan):',
    ...results.map(
      (r, i) =>
        `  ${String(i + 1).padStart(2)}. ${r.source_kind} -> ${r.target_kind}: ${r.reason}` +
        (r.error ? ` FAILED: ${r.error}` : ''),
    ),
  ].join('\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`[bench] FAILED: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
