/**
 * `npm run bench:aws`: uploads one image (2 GiB by default) through GIMinG ONCE into two clouds at the same
 * time, Glance zone-a and the EC2 cloud ec2-east (served by zone-b's agent with the aws driver, against the
 * AWS stand-in: the test bed's, or a private one), and reports how fast the upload and each copy went and
 * every daemon's peak memory against the target (each under 150 MiB: the data streams, it is never held
 * whole; an S3 multipart upload holds about [aws] part_size_mb x upload_concurrency).
 *
 * The data comes from a generator as it is sent (no file, nothing held whole), its md5 computed on the
 * way; the Glance copy is checked against it, the EC2 copy by its snapshot's size. Then the image is
 * deleted everywhere through GIMinG, and the bench checks that nothing is left in Glance or the stand-in
 * (no AMI, snapshot, S3 object or multipart upload). Exits non-zero when something broke or a daemon's
 * peak RSS is over the target. Run through tools/bench/aws.sh; environment: tools/bench/README.md.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AwsStandin, type StandinState } from '../../tests/support/aws-standin';
import { DaemonSet } from '../../tests/support/daemons';
import { registerClouds } from '../../tests/support/flows';
import { http as api, waitFor } from '../../tests/support/http';
import { Glance, issueToken } from '../../tests/support/openstack';
import { testbed } from '../../tests/support/testbed';
import { cpuSeconds, peakRssMiB } from './lib/proc';

const MiB = 1024 * 1024;
const DIR = process.env.GIMMING_BENCH_DIR ?? '/var/tmp/gimming-bench';
const SIZE_MIB = Number(process.env.GIMMING_BENCH_SIZE_MIB ?? 2048);
const STANDIN = process.env.GIMMING_BENCH_AWS_STANDIN ?? 'testbed';
const EXTRA_CONFIG = (process.env.GIMMING_BENCH_EXTRA_CONFIG ?? '').replaceAll('\\n', '\n');
const TARGET_RSS_MIB = 150;
const REGION = 'us-east-1';
const EC2_CLOUD = 'ec2-east';
const TARGETS = ['zone-a', EC2_CLOUD] as const;
const DAEMONS = ['api', 'conductor', 'agent-zone-a', 'agent-zone-b'];
const AGENTS = ['agent-zone-a', 'agent-zone-b'];
/** The API's port; the agents of zone-a and zone-b take the next two (helpers on one host: a range each). */
const PORT_BASE = Number(process.env.GIMMING_BENCH_PORT_BASE ?? 29795);
/** The zone whose agent takes the upload (zone-a or zone-b); unset: the conductor's own pick. */
const STAGE = process.env.GIMMING_BENCH_STAGE ?? '';
if (STAGE && !['zone-a', 'zone-b'].includes(STAGE))
  throw new Error(`GIMMING_BENCH_STAGE: zone-a or zone-b, not ${STAGE}`);

const say = (text: string) => process.stderr.write(`[bench] ${text}\n`);

/** The stand-in the EC2 cloud lives in, and the operator's keys and bucket there. */
interface Ec2Side {
  ec2Url: string;
  s3Url: string;
  stsUrl: string;
  controlUrl: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** A private stand-in's process (its memory is reported, not judged: it is not GIMinG). */
  pid?: number;
  stop(): Promise<void>;
}

async function ec2Side(): Promise<Ec2Side> {
  if (STANDIN === 'private') {
    // As fast as the test bed's (256 MiB/s of import), so both runs measure GIMinG rather than the stand-in.
    const standin = new AwsStandin({ bytesPerSecond: 256 * MiB, minDurationMs: 1000, tickMs: 100 });
    await standin.start();
    const keys = standin.creds('operator');
    return {
      ec2Url: standin.ec2Url,
      s3Url: standin.s3Url,
      stsUrl: standin.ec2Url,
      controlUrl: `${standin.ec2Url}/_standin`,
      bucket: standin.bucket('operator', REGION),
      accessKeyId: keys.accessKeyId,
      secretAccessKey: keys.secretAccessKey,
      ...(standin.pid !== undefined ? { pid: standin.pid } : {}),
      stop: () => standin.stop(),
    };
  }
  if (STANDIN !== 'testbed') throw new Error(`GIMMING_BENCH_AWS_STANDIN: testbed or private, not ${STANDIN}`);
  const aws = testbed().aws_standin;
  if (!aws) throw new Error('the test bed runs no AWS stand-in (testbed.json has no aws_standin)');
  const operator = aws.accounts.operator;
  const bucket = operator.buckets[REGION];
  if (!bucket) throw new Error(`the test bed's stand-in has no operator bucket in ${REGION}`);
  return {
    ec2Url: aws.ec2_url,
    s3Url: aws.s3_url,
    stsUrl: aws.sts_url,
    controlUrl: aws.control_url,
    bucket,
    accessKeyId: operator.access_key_id,
    secretAccessKey: operator.secret_access_key,
    stop: () => Promise.resolve(),
  };
}

/**
 * zone-b's agent: the openstack and aws drivers, EC2, S3 and STS at the stand-in, the operator's keys
 * through the host's credential chain (its environment), no shared files or instance metadata.
 */
function awsAgentEnv(side: Ec2Side): Record<string, string> {
  return {
    OS_AGENT__ENABLED_DRIVERS: 'openstack,aws',
    OS_AWS__EC2_ENDPOINT: side.ec2Url,
    OS_AWS__S3_ENDPOINT: side.s3Url,
    OS_AWS__STS_ENDPOINT: side.stsUrl,
    OS_AWS__TASK_POLL_INTERVAL: '500',
    AWS_ACCESS_KEY_ID: side.accessKeyId,
    AWS_SECRET_ACCESS_KEY: side.secretAccessKey,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/nonexistent',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
  };
}

async function standinState(side: Ec2Side): Promise<StandinState> {
  const res = await fetch(`${side.controlUrl}/state?region=${REGION}`);
  if (res.status !== 200) throw new Error(`stand-in state: ${res.status} ${await res.text()}`);
  return (await res.json()) as StandinState;
}

/**
 * The image's data, made as it is read: 1 MiB random blocks, each numbered in its first bytes (no two
 * alike), hashed (md5, as Glance reports it) on the way.
 */
function imageData(sizeMiB: number): { stream: Readable; md5: () => string } {
  const hash = createHash('md5');
  const block = randomBytes(MiB);
  function* blocks(): Generator<Buffer> {
    for (let i = 0; i < sizeMiB; i++) {
      const chunk = Buffer.from(block);
      chunk.writeUInt32BE(i, 0);
      hash.update(chunk);
      yield chunk;
    }
  }
  let digest: string | undefined;
  return { stream: Readable.from(blocks()), md5: () => (digest ??= hash.digest('hex')) };
}

/** PUTs the stream as the image's data (Content-Length given), answering the status. */
async function upload(url: string, token: string, data: Readable, length: number): Promise<number> {
  const req = http.request(url, {
    method: 'PUT',
    headers: {
      'X-Auth-Token': token,
      'Content-Type': 'application/octet-stream',
      'Content-Length': length,
    },
  });
  const answered = new Promise<number>((resolve, reject) => {
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
  });
  await pipeline(data, req);
  return answered;
}

/** A daemon's peak RSS over its life (VmHWM), read while it still runs: one that exited fails the run. */
function peakRss(daemons: DaemonSet, name: string): number {
  const child = daemons.process(name);
  if (!child || child.exitCode !== null || child.signalCode !== null) {
    throw new Error(`${name} is not running any more (exit ${String(child?.exitCode ?? child?.signalCode)})`);
  }
  return peakRssMiB(child.pid);
}

function cpuOf(daemons: DaemonSet): Record<string, number> {
  return Object.fromEntries(DAEMONS.map((n) => [n, cpuSeconds(daemons.process(n)!.pid!)]));
}

/** What is left of the image in the stand-in: its AMIs, their snapshots, new S3 objects and uploads. */
function leftInStandin(
  state: StandinState,
  before: StandinState,
  imageId: string,
  snapshotIds: string[],
): string[] {
  const objectKey = (o: { bucket: string; key: string }) => `${o.bucket}/${o.key}`;
  const oldObjects = new Set(before.objects.map(objectKey));
  const oldUploads = new Set(before.multipartUploads.map((u) => u.uploadId));
  return [
    ...state.images.filter((i) => i.tags.gimming_image_id === imageId).map((i) => `AMI ${i.id}`),
    ...state.snapshots.filter((s) => snapshotIds.includes(s.id)).map((s) => `snapshot ${s.id}`),
    ...state.objects.filter((o) => !oldObjects.has(objectKey(o))).map((o) => `object ${objectKey(o)}`),
    ...state.multipartUploads
      .filter((u) => !oldUploads.has(u.uploadId))
      .map((u) => `multipart upload ${u.bucket}/${u.key}`),
  ];
}

const seconds = (iso: string, since: number) => (Date.parse(iso) - since) / 1000;

async function main(): Promise<void> {
  mkdirSync(DIR, { recursive: true });
  const bed = testbed();
  const side = await ec2Side();
  const daemons = new DaemonSet(bed, {
    apiPort: PORT_BASE,
    agentPorts: { 'zone-a': PORT_BASE + 1, 'zone-b': PORT_BASE + 2 },
    extraConfig: `staging_max_bytes = ${(SIZE_MIB + 1024) * MiB}\n${EXTRA_CONFIG}\n[quota]\nstaged_bytes = -1`,
    agentEnv: { 'zone-b': awsAgentEnv(side) },
  });
  let ok = false;
  let imageId: string | undefined;
  let overTarget: string[] | undefined;
  const { admin, demo, before } = await (async () => {
    try {
      await daemons.start();
      const [a, d] = await Promise.all([issueToken(bed, bed.users.admin), issueToken(bed, bed.users.demo)]);
      return { admin: a, demo: d, before: await standinState(side) };
    } catch (err) {
      await daemons.stop(true);
      await side.stop();
      throw err;
    }
  })();
  const glanceA = new Glance(bed.regions.RegionOne!.glance_url, demo.id);
  const snapshotIds: string[] = [];
  try {
    await registerClouds(daemons.apiUrl, admin.id);
    const registered = await api('POST', `${daemons.apiUrl}/v1/clouds`, {
      token: admin.id,
      json: { name: EC2_CLOUD, type: 'aws', region_name: REGION, zone: 'zone-b', bucket: side.bucket },
    });
    if (registered.status !== 201) throw new Error(`registering ${EC2_CLOUD}: ${registered.text}`);
    // zone-b's agent reports what EC2 can do once it has heartbeaten with the aws driver.
    await waitFor(
      `${EC2_CLOUD} to show its capabilities`,
      async () =>
        (await api('GET', `${daemons.apiUrl}/v1/clouds/${EC2_CLOUD}`, { token: admin.id })).body
          ?.capabilities ?? undefined,
      60000,
    );
    const created = await api('POST', `${daemons.apiUrl}/v1/images`, {
      token: demo.id,
      json: {
        name: 'gimming-bench-aws',
        disk_format: 'raw',
        container_format: 'bare',
        targets: [...TARGETS],
      },
    });
    if (created.status !== 201) throw new Error(`create: ${created.text}`);
    const id = created.body.id as string;
    imageId = id;
    if (STAGE) {
      // The upload goes to the agent of the image's first location's zone; the locations of one request
      // share their created_at, so which comes first is the database's choice unless one is made older.
      const conn = await daemons.dbConnection(daemons.dbName);
      try {
        await conn.query(
          'UPDATE locations l JOIN clouds c ON c.id = l.cloud_id ' +
            'SET l.created_at = l.created_at - INTERVAL 1 SECOND WHERE l.image_id = ? AND c.name = ?',
          [id, STAGE === 'zone-b' ? EC2_CLOUD : 'zone-a'],
        );
      } finally {
        await conn.end();
      }
    }

    say(`uploading ${SIZE_MIB} MiB to ${TARGETS.join(' and ')}`);
    const data = imageData(SIZE_MIB);
    const cpuBefore = cpuOf(daemons);
    // The peak so far is the daemons' start-up and idle (the aws agent has its SDK loaded by now).
    const rssIdle = Object.fromEntries(DAEMONS.map((n) => [n, peakRss(daemons, n)]));
    const started = Date.now();
    const status = await upload(
      `${daemons.apiUrl}/v1/images/${id}/file`,
      demo.id,
      data.stream,
      SIZE_MIB * MiB,
    );
    if (status !== 204) throw new Error(`upload answered ${status}`);
    const uploaded = (Date.now() - started) / 1000;
    const tasks = await waitFor(
      'both copies to end',
      async () => {
        const res = await api('GET', `${daemons.apiUrl}/v1/tasks?image_id=${id}`, { token: demo.id });
        const all = res.body.tasks as any[];
        return all.length >= TARGETS.length &&
          all.every((t) => ['succeeded', 'failed', 'cancelled'].includes(t.status))
          ? all
          : undefined;
      },
      1800000,
      500,
    );
    const total = (Date.now() - started) / 1000;
    const cpuAfter = cpuOf(daemons);
    const cpu = Object.fromEntries(DAEMONS.map((n) => [n, cpuAfter[n]! - cpuBefore[n]!]));
    const rss = Object.fromEntries(DAEMONS.map((n) => [n, peakRss(daemons, n)]));
    const failed = tasks.filter((t) => t.status !== 'succeeded');
    if (failed.length > 0) {
      throw new Error(
        `copies failed: ${JSON.stringify(failed.map((t) => ({ cloud: t.cloud, error: t.error })))}`,
      );
    }

    // The copies, as a user sees them.
    const image = (await api('GET', `${daemons.apiUrl}/v1/images/${id}`, { token: demo.id })).body;
    const where = (cloud: string) => (image.locations as any[]).find((l) => l.cloud === cloud);
    const glanceCopy = await glanceA.get(where('zone-a')?.image_id);
    if (glanceCopy?.checksum !== data.md5() || glanceCopy?.size !== SIZE_MIB * MiB) {
      throw new Error(`the zone-a copy differs: md5 ${glanceCopy?.checksum}, size ${glanceCopy?.size}`);
    }
    const ec2Copy = where(EC2_CLOUD);
    if (ec2Copy?.status !== 'active') throw new Error(`the ${EC2_CLOUD} copy: ${JSON.stringify(ec2Copy)}`);
    const state = await standinState(side);
    const ami = state.images.find((i) => i.id === ec2Copy.image_id);
    if (!ami || ami.tags.gimming_image_id !== id) throw new Error(`no AMI ${ec2Copy.image_id} tagged ${id}`);
    const amiRecord = ami as unknown as { blockDeviceMappings: { snapshotId?: string }[] };
    snapshotIds.push(...amiRecord.blockDeviceMappings.flatMap((m) => (m.snapshotId ? [m.snapshotId] : [])));
    const snapshots = (state.snapshots as unknown as { id: string; sizeBytes: number }[]).filter((s) =>
      snapshotIds.includes(s.id),
    );
    if (snapshots.length !== 1 || snapshots[0]!.sizeBytes !== SIZE_MIB * MiB) {
      throw new Error(`the AMI's snapshot is not the image's data: ${JSON.stringify(snapshots)}`);
    }

    // Which agent staged the upload (and copied from its own file); the other pulled it over gRPC.
    const stagingAgent = AGENTS.find((n) => daemons.logText(n).includes('"message":"upload staged"'));
    if (STAGE && stagingAgent !== `agent-${STAGE}`)
      throw new Error(`GIMMING_BENCH_STAGE=${STAGE}, but ${stagingAgent ?? 'no agent'} staged the upload`);
    const roles: Record<string, string> = {
      'agent-zone-a': 'Glance',
      'agent-zone-b': 'Glance + aws',
    };
    for (const n of AGENTS) {
      if (stagingAgent) roles[n] += n === stagingAgent ? ', staged' : ', pulled';
    }
    const perTarget = Object.fromEntries(
      TARGETS.map((cloud) => {
        const task = tasks.find((t) => t.cloud === cloud);
        const s = seconds(task.finished_at as string, started);
        return [cloud, { seconds: s, mib_per_s: SIZE_MIB / s, agent: task.agent as string | null }];
      }),
    );
    overTarget = DAEMONS.filter((n) => rss[n]! >= TARGET_RSS_MIB);
    const standinRss = side.pid !== undefined ? peakRssMiB(side.pid) : undefined;

    const row = (label: string, s: number, note = '') =>
      `  ${label.padEnd(40)} ${s.toFixed(2).padStart(8)} ${(SIZE_MIB / s).toFixed(1).padStart(8)}  ${note}`;
    const lines = [
      `GIMinG upload benchmark, EC2: ${SIZE_MIB} MiB uploaded once into zone-a (Glance RegionOne) and ` +
        `${EC2_CLOUD} (aws, ${REGION}, ${STANDIN === 'private' ? 'a private' : "the test bed's"} stand-in)`,
      '',
      `  ${'step (from the first byte sent)'.padEnd(40)} ${'seconds'.padStart(8)} ${'MiB/s'.padStart(8)}`,
      row('upload (PUT, into staging)', uploaded),
      row('zone-a copy active (Glance)', perTarget['zone-a']!.seconds, `same md5 (${data.md5()})`),
      row(
        `${EC2_CLOUD} copy active (S3 + import + AMI)`,
        perTarget[EC2_CLOUD]!.seconds,
        `${ec2Copy.image_id}, snapshot of ${SIZE_MIB} MiB`,
      ),
      row('both copies active (end to end)', total),
      '',
      `  ${'daemon (MiB)'.padEnd(40)} ${'idle'.padStart(8)} ${'peak RSS'.padStart(8)} ${'CPU s'.padStart(8)}  ` +
        `peak < ${TARGET_RSS_MIB} MiB`,
      ...DAEMONS.map(
        (n) =>
          `  ${`${n}${roles[n] ? ` (${roles[n]})` : ''}`.padEnd(40)} ${rssIdle[n]!.toFixed(1).padStart(8)} ` +
          `${rss[n]!.toFixed(1).padStart(8)} ` +
          `${cpu[n]!.toFixed(1).padStart(8)}  ${rss[n]! < TARGET_RSS_MIB ? 'PASS' : 'FAIL'}`,
      ),
      ...(standinRss !== undefined
        ? [
            `  ${'(aws stand-in, not GIMinG)'.padEnd(40)} ${''.padStart(8)} ${standinRss.toFixed(1).padStart(8)}`,
          ]
        : []),
    ];
    process.stdout.write(`\n${lines.join('\n')}\n`);
    const result = {
      size_mib: SIZE_MIB,
      standin: STANDIN,
      targets: [...TARGETS],
      upload_s: uploaded,
      upload_mib_per_s: SIZE_MIB / uploaded,
      total_s: total,
      total_mib_per_s: SIZE_MIB / total,
      per_target: perTarget,
      rss_mib: rss,
      rss_idle_mib: rssIdle,
      rss_target_mib: TARGET_RSS_MIB,
      rss_over_target: overTarget,
      cpu_s: cpu,
      staging_agent: stagingAgent ?? null,
      standin_rss_mib: standinRss ?? null,
      extra_config: EXTRA_CONFIG || null,
      finished_at: new Date().toISOString(),
    };
    writeFileSync(join(DIR, 'last-aws.json'), `${JSON.stringify(result, null, 2)}\n`);
    say(`results in ${join(DIR, 'last-aws.json')}`);
    ok = true;
  } finally {
    try {
      if (imageId !== undefined)
        await deleteEverywhere(daemons, demo.id, glanceA, side, before, imageId, snapshotIds);
    } catch (err) {
      ok = false;
      say(`cleanup: ${err instanceof Error ? err.message : String(err)}`);
    }
    await daemons.stop(!ok || process.env.GIMMING_BENCH_KEEP_LOGS === '1');
    await side.stop();
  }
  if (!ok) throw new Error('the image was not deleted everywhere');
  if (overTarget && overTarget.length > 0) {
    throw new Error(`peak RSS over ${TARGET_RSS_MIB} MiB: ${overTarget.join(', ')}`);
  }
}

/**
 * Deletes the image and its copies through GIMinG, then checks that nothing of it is left: no copy in
 * zone-a's Glance, no AMI, snapshot, S3 object or multipart upload in the stand-in.
 */
async function deleteEverywhere(
  daemons: DaemonSet,
  token: string,
  glanceA: Glance,
  side: Ec2Side,
  before: StandinState,
  imageId: string,
  snapshotIds: string[],
): Promise<void> {
  const image = await api('GET', `${daemons.apiUrl}/v1/images/${imageId}`, { token });
  const glanceIds = ((image.body?.locations ?? []) as any[])
    .filter((l) => l.cloud === 'zone-a' && l.image_id)
    .map((l) => l.image_id as string);
  say(`deleting the image everywhere (${imageId})`);
  const deleting = await api('DELETE', `${daemons.apiUrl}/v1/images/${imageId}?delete_remote=true`, {
    token,
  });
  if (deleting.status !== 202 && deleting.status !== 404) throw new Error(`delete: ${deleting.text}`);
  await waitFor(
    'the image to be deleted everywhere',
    async () =>
      (await api('GET', `${daemons.apiUrl}/v1/images/${imageId}`, { token })).status === 404
        ? true
        : undefined,
    300000,
    500,
  );
  const leftInGlance: string[] = [];
  for (const glanceId of glanceIds) {
    if (await glanceA.get(glanceId)) {
      leftInGlance.push(`zone-a image ${glanceId}`);
      await glanceA.delete(glanceId);
    }
  }
  const left = [...leftInGlance, ...leftInStandin(await standinState(side), before, imageId, snapshotIds)];
  if (left.length > 0) throw new Error(`left behind: ${left.join(', ')}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`[bench] FAILED: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
