/**
 * `npm run bench:sync`: how fast GIMinG copies one image from zone-a's Glance to zone-b's, next to the two
 * other ways of doing it on the same machine in the same run:
 *
 *   gimming  POST /v1/images {source: zone-a, targets: [zone-b]} until the task succeeded (daemons as
 *            separate processes, fresh for every repeat);
 *   client   what a user does without GIMinG: `openstack image save` from RegionOne to a file, then
 *            `openstack image create --file` in RegionTwo;
 *   curl     the streaming ceiling: `curl GET zone A | curl PUT zone B` into an image made with the API.
 *
 * Every repeat runs the three one after the other (so noise on a shared machine falls on all of them), after
 * a `sync` so that no writeback of the previous copy lands in the next measurement. The report holds the
 * medians, the ratios of the medians, the CPU seconds the agents and Glances spent, and the agents' and the
 * API's peak RSS (VmHWM), checked against the targets; it goes to stdout and, as JSON, to /var/tmp/gimming-bench/last.json. Missing a target is a
 * result (exit 0); anything that breaks (a failed copy, a copy whose hashes differ) exits non-zero.
 *
 * Run through tools/bench/sync.sh, which builds and brings the test bed up first. See tools/bench/README.md.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import http from 'node:http';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { DaemonSet } from '../../tests/support/daemons';
import { childrenCpuTimes, cpuTimes, peakRssMiB } from './lib/proc';
import { type WanContext, startWan, wanAgentOptions, wanFromEnv } from './lib/wan/bench';
import { http as api } from '../../tests/support/http';
import { Glance, type Token, issueToken } from '../../tests/support/openstack';
import { TESTBED_DIR, type Testbed, testbed } from '../../tests/support/testbed';

const MiB = 1024 * 1024;
const BENCH_DIR = process.env.GIMMING_BENCH_DIR ?? '/var/tmp/gimming-bench';
const SIZE_MIB = positiveInt('GIMMING_BENCH_SIZE_MIB', 1024);
const REPEAT = positiveInt('GIMMING_BENCH_REPEAT', 1);
const SIZE = SIZE_MIB * MiB;
/**
/**
 * Names of everything the bench makes in the clouds start with this, the cached source too, and ports
 * from PORT_BASE on: benches run side by side on one test bed each take their own
 * (GIMMING_BENCH_NAME_PREFIX, or GIMMING_BENCH_PREFIX), or one sweeps the other's.
 */
const PREFIX = process.env.GIMMING_BENCH_NAME_PREFIX || process.env.GIMMING_BENCH_PREFIX || 'gimming-bench-';
const SOURCE_NAME = `${PREFIX}source`;
/** The API listens on GIMMING_BENCH_PORT_BASE, the agents of zone-a and zone-b on the next two ports. */
const PORT_BASE = positiveInt('GIMMING_BENCH_PORT_BASE', 29595);
const API_PORT = PORT_BASE;
const AGENT_PORTS = { 'zone-a': PORT_BASE + 1, 'zone-b': PORT_BASE + 2 };
const POLL_MS = 500;
const OPENSTACK = '/usr/bin/openstack';

/** GIMMING_BENCH_WAN: zone-b's Glance and agent behind an emulated WAN link (lib/wan). */
const WAN = wanFromEnv();

const PATHS = ['gimming', 'client', 'curl'] as const;
type PathName = (typeof PATHS)[number];
/** GIMMING_BENCH_ONLY=gimming,curl runs a subset (for quick experiments); the default is all three. */
const ONLY = selectedPaths();
/** Extra lines appended to the daemons' gimming.conf (after its [agent] section), for experiments. */
const EXTRA_CONFIG = (process.env.GIMMING_BENCH_EXTRA_CONFIG ?? '').replace(/\\n/g, '\n');

/**
 * GIMMING_BENCH_DIRECT_READ=1: zone-b's agent reads zone-a's Glance itself ([agent] direct_read_zones =
 * zone-a, one agent on the byte path); by default the bytes cross both agents and the gRPC stream between.
 */
const DIRECT_READ = process.env.GIMMING_BENCH_DIRECT_READ === '1';

// Over an emulated WAN link (issue 16) the goal is 80% of the curl pipe over the same link.
const TARGETS = { clientRatio: 2.5, curlFraction: WAN ? 0.8 : 0.85, agentRssMiB: 150 };

interface GlanceImage {
  id: string;
  name?: string | null;
  status: string;
  size?: number | null;
  checksum?: string | null;
  os_hash_algo?: string | null;
  os_hash_value?: string | null;
  gimming_image_id?: string;
}

interface Run {
  seconds: number;
  /** CPU seconds each process of interest spent during the timed part. */
  cpu_s: Record<string, number>;
  /** Of which in the kernel (socket copies, loopback TCP): what no change in the agents' code saves. */
  sys_s?: Record<string, number>;
}

interface GimmingRun extends Run {
  /** What the target agent logged for its data phase alone (pull + upload), if it did. */
  data_seconds?: number;
  rss_mib: Record<string, number>;
}

interface Results {
  gimming: GimmingRun[];
  client: Run[];
  curl: Run[];
}

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, not ${raw}`);
  return n;
}

function selectedPaths(): Set<PathName> {
  const raw = process.env.GIMMING_BENCH_ONLY;
  // The openstack client finds zone-b by the catalog, on this side of the link: not a path over the WAN.
  if (!raw) return new Set(WAN ? PATHS.filter((p) => p !== 'client') : PATHS);
  if (WAN && raw.split(',').some((s) => s.trim() === 'client')) {
    throw new Error('GIMMING_BENCH_WAN: the client path does not cross the link; leave it out');
  }
  const names = raw.split(',').map((s) => s.trim());
  for (const n of names) {
    if (!(PATHS as readonly string[]).includes(n)) throw new Error(`GIMMING_BENCH_ONLY: unknown path ${n}`);
  }
  return new Set(names as PathName[]);
}

function say(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

const now = (): number => performance.now() / 1000;

const formatCpu = (cpu: Record<string, number>, sys?: Record<string, number>): string =>
  Object.entries(cpu)
    .map(([k, v]) => `${k} ${v.toFixed(2)}${sys?.[k] === undefined ? '' : ` (sys ${sys[k].toFixed(2)})`}`)
    .join(', ');

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Undo actions for what the bench made, run in reverse order at the end or on SIGINT/SIGTERM. */
const cleanups: Array<{ what: string; run: () => Promise<unknown> }> = [];

function onCleanup(what: string, run: () => Promise<unknown>): () => Promise<void> {
  const entry = { what, run };
  cleanups.push(entry);
  // Running it early (the normal case) also takes it off the list.
  return async () => {
    const i = cleanups.indexOf(entry);
    if (i >= 0) cleanups.splice(i, 1);
    await run();
  };
}

async function cleanupAll(): Promise<boolean> {
  let ok = true;
  while (cleanups.length > 0) {
    const { what, run } = cleanups.pop()!;
    try {
      await run();
    } catch (err) {
      ok = false;
      say(`cleanup failed: ${what}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return ok;
}

/** Runs a command; rejects with the tail of its stderr when it fails. */
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} ${args[0] ?? ''} exited with ${signal ?? code}: ${err.trim()}`));
    });
  });
}

/** Flushes dirty pages, so that the writeback of one copy does not slow the next measurement. */
const flushDisks = () => run('sync', []);

// --- Glance ----------------------------------------------------------------------------------------

async function getImage(glance: Glance, id: string): Promise<GlanceImage> {
  const image = (await glance.get(id)) as GlanceImage | undefined;
  if (!image) throw new Error(`image ${id} not found in ${glance.url}`);
  return image;
}

/** A streaming request with a raw body (or none); resolves with the status once the body is drained. */
async function stream(
  method: string,
  url: string,
  token: string,
  body?: { file: string; size: number },
): Promise<{ status: number; bytes: number }> {
  const headers: Record<string, string | number> = { 'X-Auth-Token': token };
  if (body) {
    headers['Content-Type'] = 'application/octet-stream';
    headers['Content-Length'] = body.size;
  }
  const req = http.request(url, { method, headers });
  const responded = new Promise<http.IncomingMessage>((resolve, reject) => {
    req.once('response', resolve);
    req.once('error', reject);
  });
  if (body) await pipeline(createReadStream(body.file, { highWaterMark: MiB }), req);
  else req.end();
  const res = await responded;
  let bytes = 0;
  for await (const part of res) bytes += (part as Buffer).length;
  return { status: res.statusCode ?? 0, bytes };
}

/** Removes the tag GIMinG leaves on the source, so the cached source stays as the bench made it. */
async function untagSource(glanceA: Glance, token: string, id: string): Promise<void> {
  const res = await api('PATCH', `${glanceA.url}/v2/images/${id}`, {
    token,
    headers: { 'Content-Type': 'application/openstack-images-v2.1-json-patch' },
    body: JSON.stringify([{ op: 'remove', path: '/gimming_image_id' }]),
  });
  if (res.status !== 200) throw new Error(`untag source: HTTP ${res.status} ${res.text}`);
}

/** Leftovers of an interrupted earlier run: anything named gimming-bench-* in zone B, a broken source in A. */
async function sweepLeftovers(glanceA: Glance, glanceB: Glance): Promise<void> {
  const stale: Array<[Glance, GlanceImage]> = [
    ...((await glanceB.list()) as GlanceImage[])
      .filter((i) => i.name?.startsWith(PREFIX))
      .map((i): [Glance, GlanceImage] => [glanceB, i]),
    ...((await glanceA.list({ name: SOURCE_NAME })) as GlanceImage[])
      .filter((i) => i.status !== 'active')
      .map((i): [Glance, GlanceImage] => [glanceA, i]),
  ];
  for (const [glance, image] of stale) {
    say(`deleting a leftover of an earlier run: ${image.name ?? ''} ${image.id} (${image.status})`);
    await glance.delete(image.id);
  }
}

/** Step 1: the source image in zone A, made once from a cached random file and reused afterwards. */
async function ensureSource(demo: Token, glanceA: Glance): Promise<GlanceImage> {
  const found = ((await glanceA.list({ name: SOURCE_NAME })) as GlanceImage[]).find(
    (i) => i.status === 'active' && i.size === SIZE,
  );
  if (found) {
    const source = await getImage(glanceA, found.id);
    if (source.gimming_image_id) await untagSource(glanceA, demo.id, source.id);
    say(`source: reusing ${SOURCE_NAME} ${source.id} (${SIZE_MIB} MiB)`);
    return source;
  }
  const file = join(BENCH_DIR, `source-${SIZE_MIB}MiB.bin`);
  if (!existsSync(file) || statSync(file).size !== SIZE) {
    say(`making ${file} (${SIZE_MIB} MiB of random bytes)`);
    const partial = `${file}.partial`;
    const out = createWriteStream(partial);
    for (let left = SIZE; left > 0; left -= Math.min(left, 8 * MiB)) {
      if (!out.write(randomBytes(Math.min(left, 8 * MiB)))) {
        await once(out, 'drain');
      }
    }
    await new Promise<void>((resolve, reject) =>
      out.end((err?: Error | null) => (err ? reject(err) : resolve())),
    );
    renameSync(partial, file);
  }
  const image = (await glanceA.create({ name: SOURCE_NAME })) as GlanceImage;
  say(`uploading ${file} to Glance A as ${image.id}`);
  try {
    const res = await stream('PUT', `${glanceA.url}/v2/images/${image.id}/file`, demo.id, {
      file,
      size: SIZE,
    });
    if (res.status !== 204) throw new Error(`upload of the source: HTTP ${res.status}`);
    const source = await getImage(glanceA, image.id);
    if (source.status !== 'active' || source.size !== SIZE) {
      throw new Error(`the source is ${source.status} with ${String(source.size)} bytes after its upload`);
    }
    return source;
  } catch (err) {
    await glanceA.delete(image.id);
    throw err;
  }
}

// --- the three paths -------------------------------------------------------------------------------

/** The test bed's Glance processes (one process each: workers = 0), or the bench's own behind a WAN link. */
function glancePids(wan?: WanContext): Record<string, number> {
  if (wan) return { 'glance-a': wan.glanceA.pid, 'glance-b': wan.glanceB.pid };
  const pids: Record<string, number> = {};
  for (const name of ['glance-a', 'glance-b']) {
    try {
      const pid = Number(readFileSync(join(TESTBED_DIR, 'run', `${name}.pid`), 'utf8').split(/\s/)[0]);
      if (pid > 0 && existsSync(`/proc/${pid}/stat`)) pids[name] = pid;
    } catch {
      // no pid file: the CPU of that Glance is not reported
    }
  }
  return pids;
}

/** Measures the CPU the given processes use until `stop()` is called: in all, and in the kernel. */
function cpuMeter(
  pids: Record<string, number | undefined>,
): () => { cpu_s: Record<string, number>; sys_s: Record<string, number> } {
  const known = Object.entries(pids).filter((e): e is [string, number] => e[1] !== undefined);
  const before = new Map(known.map(([name, pid]) => [name, cpuTimes(pid)]));
  return () => {
    const spent = known.map(([name, pid]) => {
      const [was, is] = [before.get(name)!, cpuTimes(pid)];
      return [name, is.user - was.user, is.system - was.system] as const;
    });
    return {
      cpu_s: Object.fromEntries(spent.map(([name, user, system]) => [name, user + system])),
      sys_s: Object.fromEntries(spent.map(([name, , system]) => [name, system])),
    };
  };
}

function assertSameBytes(what: string, source: GlanceImage, copy: GlanceImage): void {
  const problems: string[] = [];
  if (copy.status !== 'active') problems.push(`status ${copy.status}`);
  if (copy.size !== source.size) problems.push(`size ${String(copy.size)} != ${String(source.size)}`);
  if (!copy.checksum || copy.checksum !== source.checksum) problems.push(`checksum ${String(copy.checksum)}`);
  if (!copy.os_hash_value || copy.os_hash_value !== source.os_hash_value) problems.push('os_hash_value');
  if (problems.length > 0)
    throw new Error(`${what}: the copy differs from the source: ${problems.join(', ')}`);
}

interface Context {
  bed: Testbed;
  admin: Token;
  demo: Token;
  glanceA: Glance;
  glanceB: Glance;
  source: GlanceImage;
  cloudsYaml: string;
  wan?: WanContext;
}

/** Step 2: the sync through GIMinG, with daemons started for this repeat alone. */
async function benchGimming(c: Context, round: number): Promise<GimmingRun> {
  const daemons = new DaemonSet(c.bed, {
    apiPort: API_PORT,
    agentPorts: AGENT_PORTS,
    ...(DIRECT_READ ? { agentEnv: { 'zone-b': { OS_AGENT__DIRECT_READ_ZONES: 'zone-a' } } } : {}),
    ...(EXTRA_CONFIG ? { extraConfig: EXTRA_CONFIG } : {}),
    ...(c.wan ? wanAgentOptions(c.wan, AGENT_PORTS, EXTRA_CONFIG) : {}),
  });
  let keepLogs = true;
  const stopDaemons = onCleanup('stop the GIMinG daemons', async () => {
    // Keeps the logs (and says where) when the repeat did not finish; deletes them otherwise.
    await daemons.stop(keepLogs);
  });
  if (c.wan) c.wan.issueCertificates(daemons);
  await daemons.start();
  const base = daemons.apiUrl;
  for (const [name, region] of [
    ['zone-a', 'RegionOne'],
    ['zone-b', 'RegionTwo'],
  ] as const) {
    const res = await api('POST', `${base}/v1/clouds`, {
      token: c.admin.id,
      json: { name, type: 'openstack', region_name: region },
    });
    if (res.status !== 201) throw new Error(`register ${name}: HTTP ${res.status} ${res.text}`);
  }
  const untag = onCleanup('untag the source', () => untagSource(c.glanceA, c.demo.id, c.source.id));
  await flushDisks();

  const meter = cpuMeter({
    'agent-zone-a': daemons.process('agent-zone-a')?.pid,
    'agent-zone-b': daemons.process('agent-zone-b')?.pid,
    ...glancePids(c.wan),
  });
  const started = now();
  const postedAt = Date.now();
  const posted = await api<{ id: string }>('POST', `${base}/v1/images`, {
    token: c.demo.id,
    json: { source: { cloud: 'zone-a', image_id: c.source.id }, targets: ['zone-b'] },
  });
  if (posted.status !== 202) throw new Error(`POST /v1/images: HTTP ${posted.status} ${posted.text}`);
  const imageId = posted.body.id;
  const deadline = started + Math.max(600, SIZE / MiB / 5);
  let seconds: number | undefined;
  while (seconds === undefined) {
    const res = await api<{ tasks: Array<{ status: string; error?: unknown; finished_at: string | null }> }>(
      'GET',
      `${base}/v1/tasks?image_id=${imageId}`,
      { token: c.demo.id },
    );
    const task = res.body?.tasks?.[0];
    // The end is the conductor's own record of it (same host, same clock), so the bench can poll gently:
    // polling fast would itself take CPU from the copy on this small machine.
    if (task?.status === 'succeeded') seconds = (Date.parse(task.finished_at ?? '') - postedAt) / 1000;
    else if (task && ['failed', 'cancelled'].includes(task.status)) {
      throw new Error(`the GIMinG task ${task.status}: ${JSON.stringify(task.error)}`);
    } else if (now() > deadline) throw new Error('the GIMinG task did not end in time');
    else await new Promise((r) => setTimeout(r, POLL_MS));
  }

  const { cpu_s, sys_s } = meter();
  const rss_mib: Record<string, number> = {};
  for (const name of ['agent-zone-a', 'agent-zone-b', 'api', 'conductor']) {
    rss_mib[name] = peakRssMiB(daemons.process(name)?.pid);
  }
  const image = await api<{ locations: Array<{ cloud: string; image_id: string | null }> }>(
    'GET',
    `${base}/v1/images/${imageId}`,
    { token: c.demo.id },
  );
  const copyId = image.body.locations.find((l) => l.cloud === 'zone-b')?.image_id;
  if (!copyId) throw new Error(`GIMinG reports no copy in zone-b: ${image.text}`);
  try {
    assertSameBytes('gimming', c.source, await getImage(c.glanceB, copyId));
  } finally {
    await c.glanceB.delete(copyId);
  }
  const copied = daemons.logLines('agent-zone-b').find((l) => l.message === 'image data copied');
  await untag();
  keepLogs = process.env.GIMMING_BENCH_KEEP_LOGS === '1';
  await stopDaemons();
  const result: GimmingRun = { seconds, cpu_s, sys_s, rss_mib };
  if (typeof copied?.seconds === 'number') result.data_seconds = copied.seconds;
  say(
    `#${round} gimming ${seconds.toFixed(2)} s` +
      (result.data_seconds !== undefined ? ` (data phase ${result.data_seconds.toFixed(2)} s)` : '') +
      `; peak RSS MiB: ${Object.entries(rss_mib)
        .map(([k, v]) => `${k} ${v.toFixed(0)}`)
        .join(', ')}; CPU s: ${formatCpu(cpu_s, sys_s)}`,
  );
  return result;
}

/** Step 3: the openstack client, save then create, as a user without GIMinG would. */
async function benchClient(c: Context, round: number): Promise<Run> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    // Debian's python3 and the clouds.yaml only: no pyenv paths, no OS_* that would override --os-cloud.
    if (!k.startsWith('OS_') && k !== 'PYTHONPATH' && k !== 'PYTHONHOME') env[k] = v;
  }
  env.OS_CLIENT_CONFIG_FILE = c.cloudsYaml;
  const file = join(BENCH_DIR, `client-${randomBytes(4).toString('hex')}.bin`);
  const name = `${PREFIX}client-${randomBytes(4).toString('hex')}`;
  const removeFile = onCleanup(`delete ${file}`, async () => rmSync(file, { force: true }));
  const removeImage = onCleanup(`delete ${name} from Glance B`, async () => {
    const made = ((await c.glanceB.list({ name })) as GlanceImage[]).map((i) => i.id);
    for (const id of made) await c.glanceB.delete(id);
  });
  const cli = ['--os-cloud', 'testbed-demo'];
  await flushDisks();

  const meter = cpuMeter(glancePids(c.wan));
  const started = now();
  await run(
    OPENSTACK,
    [...cli, '--os-region-name', 'RegionOne', 'image', 'save', '--file', file, c.source.id],
    env,
  );
  const id = (
    await run(
      OPENSTACK,
      [
        ...cli,
        '--os-region-name',
        'RegionTwo',
        'image',
        'create',
        '--file',
        file,
        '--disk-format',
        'raw',
        '--container-format',
        'bare',
        '-f',
        'value',
        '-c',
        'id',
        name,
      ],
      env,
    )
  ).trim();
  const seconds = now() - started;
  const { cpu_s, sys_s } = meter();

  assertSameBytes('client', c.source, await getImage(c.glanceB, id));
  await removeImage();
  await removeFile();
  say(`#${round} client ${seconds.toFixed(2)} s; CPU s: ${formatCpu(cpu_s, sys_s)}`);
  return { seconds, cpu_s, sys_s };
}

/** Step 4: the streaming ceiling, one curl reading zone A piped into one curl writing zone B. */
async function benchCurl(c: Context, round: number): Promise<Run> {
  const target = (await c.glanceB.create({
    name: `${PREFIX}curl-${randomBytes(4).toString('hex')}`,
  })) as GlanceImage;
  const remove = onCleanup(`delete ${target.id} from Glance B`, () => c.glanceB.delete(target.id));
  const script =
    'set -euo pipefail; ' +
    'curl -sSf -H "X-Auth-Token: $TOKEN" "$SRC_URL" | ' +
    'curl -sSf -T - -H "X-Auth-Token: $TOKEN" -H "Content-Type: application/octet-stream" "$DST_URL"';
  const env = {
    ...process.env,
    TOKEN: c.demo.id,
    SRC_URL: `${c.glanceA.url}/v2/images/${c.source.id}/file`,
    DST_URL: `${c.glanceB.url}/v2/images/${target.id}/file`,
  };
  await flushDisks();

  const meter = cpuMeter(glancePids(c.wan));
  const curls = childrenCpuTimes();
  const started = now();
  // Over a WAN link the pipe runs in zone-a's namespace, so its PUT sends with that namespace's TCP buffers,
  // as zone-a's agent does.
  if (c.wan) await run('ip', [...c.wan.link.prefix('near').slice(1), 'bash', '-c', script], env);
  else await run('bash', ['-c', script], env);
  const seconds = now() - started;
  const { cpu_s, sys_s } = meter();
  // The two curls' own CPU (the shell waited for them, the bench for the shell): what the agents compare to.
  const after = childrenCpuTimes();
  cpu_s.curls = after.user - curls.user + (after.system - curls.system);
  sys_s.curls = after.system - curls.system;

  assertSameBytes('curl', c.source, await getImage(c.glanceB, target.id));
  await remove();
  say(`#${round} curl ${seconds.toFixed(2)} s; CPU s: ${formatCpu(cpu_s, sys_s)}`);
  return { seconds, cpu_s, sys_s };
}

// --- report ----------------------------------------------------------------------------------------

function summarize(results: Results) {
  const stats = (values: number[]) =>
    values.length === 0
      ? undefined
      : {
          median_s: median(values),
          min_s: Math.min(...values),
          max_s: Math.max(...values),
          mib_per_s: SIZE_MIB / median(values),
          runs_s: values,
        };
  const gimming = stats(results.gimming.map((r) => r.seconds));
  const client = stats(results.client.map((r) => r.seconds));
  const curl = stats(results.curl.map((r) => r.seconds));
  /** Median CPU seconds per process over the repeats of one path. */
  const cpu = (runs: Run[]) => {
    const names = [...new Set(runs.flatMap((r) => Object.keys(r.cpu_s)))];
    return Object.fromEntries(names.map((n) => [n, median(runs.map((r) => r.cpu_s[n] ?? NaN))]));
  };
  const rss: Record<string, number> = {};
  for (const r of results.gimming) {
    for (const [k, v] of Object.entries(r.rss_mib)) rss[k] = Math.max(rss[k] ?? 0, v);
  }
  const dataPhase = results.gimming.flatMap((r) => (r.data_seconds === undefined ? [] : [r.data_seconds]));
  const checks: Array<{ target: string; measured: string; pass: boolean }> = [];
  if (gimming && client) {
    const ratio = client.median_s / gimming.median_s;
    checks.push({
      target: `GIMinG >= ${TARGETS.clientRatio}x the client path`,
      measured: `${ratio.toFixed(2)}x`,
      pass: ratio >= TARGETS.clientRatio,
    });
  }
  if (gimming && curl) {
    const fraction = curl.median_s / gimming.median_s;
    checks.push({
      target: `GIMinG >= ${TARGETS.curlFraction * 100}% of the curl pipe`,
      measured: `${(fraction * 100).toFixed(1)}%`,
      pass: fraction >= TARGETS.curlFraction,
    });
  }
  for (const agent of ['agent-zone-a', 'agent-zone-b']) {
    if (rss[agent] === undefined) continue;
    checks.push({
      target: `${agent} peak RSS < ${TARGETS.agentRssMiB} MiB`,
      measured: `${rss[agent].toFixed(1)} MiB`,
      pass: rss[agent] < TARGETS.agentRssMiB,
    });
  }
  return {
    gimming,
    gimming_data_phase: stats(dataPhase),
    client,
    curl,
    cpu_s: { gimming: cpu(results.gimming), client: cpu(results.client), curl: cpu(results.curl) },
    peak_rss_mib: rss,
    checks,
  };
}

function printReport(summary: ReturnType<typeof summarize>): void {
  const lines: string[] = [];
  const spread = REPEAT > 1 ? ' (min-max)' : '';
  lines.push('');
  lines.push(
    `GIMinG sync benchmark: ${SIZE_MIB} MiB zone-a -> zone-b, ${REPEAT} repeat(s), medians` +
      (DIRECT_READ ? ' (direct read: one agent)' : ''),
  );
  if (WAN) lines.push(`zone-b behind an emulated WAN link: ${WAN.description}`);
  lines.push(`${'path'.padEnd(44)}${`seconds${spread}`.padEnd(24)}MiB/s`);
  const row = (label: string, s: ReturnType<typeof summarize>['gimming']) => {
    if (!s) return;
    const secs = `${s.median_s.toFixed(2)}${REPEAT > 1 ? ` (${s.min_s.toFixed(2)}-${s.max_s.toFixed(2)})` : ''}`;
    lines.push(`${label.padEnd(44)}${secs.padEnd(24)}${s.mib_per_s.toFixed(1)}`);
  };
  row('GIMinG (POST -> task succeeded)', summary.gimming);
  row('  of which the agent data phase', summary.gimming_data_phase);
  row('client (openstack image save + create)', summary.client);
  row('curl GET | curl PUT', summary.curl);
  lines.push('');
  for (const [path, cpu] of Object.entries(summary.cpu_s)) {
    if (Object.keys(cpu).length > 0) lines.push(`CPU seconds during ${path} (median): ${formatCpu(cpu)}`);
  }
  const rss = Object.entries(summary.peak_rss_mib);
  if (rss.length > 0) {
    lines.push(
      `peak RSS (VmHWM, max over repeats): ${rss.map(([k, v]) => `${k} ${v.toFixed(1)} MiB`).join(', ')}`,
    );
  }
  lines.push('');
  lines.push(`${'target'.padEnd(44)}${'measured'.padEnd(24)}result`);
  for (const c of summary.checks) {
    lines.push(`${c.target.padEnd(44)}${c.measured.padEnd(24)}${c.pass ? 'PASS' : 'FAIL'}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

// --- main ------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  mkdirSync(BENCH_DIR, { recursive: true });
  const bed = testbed();
  const description = JSON.parse(readFileSync(join(TESTBED_DIR, 'testbed.json'), 'utf8')) as {
    clouds_yaml?: string;
  };
  const [admin, demo] = await Promise.all([
    issueToken(bed, bed.users.admin),
    issueToken(bed, bed.users.demo),
  ]);
  const wan = WAN ? await startWan(WAN, BENCH_DIR, PORT_BASE, onCleanup) : undefined;
  const glanceA = new Glance(wan?.glanceA.url ?? bed.regions.RegionOne!.glance_url, demo.id);
  const glanceB = new Glance(wan?.glanceB.url ?? bed.regions.RegionTwo!.glance_url, demo.id);
  await sweepLeftovers(glanceA, glanceB);
  const source = await ensureSource(demo, glanceA);
  const c: Context = {
    bed,
    admin,
    demo,
    glanceA,
    glanceB,
    source,
    cloudsYaml: description.clouds_yaml ?? join(TESTBED_DIR, 'clouds.yaml'),
    ...(wan ? { wan } : {}),
  };
  // Read the source once, so that every path finds it in the page cache alike.
  await stream('GET', `${glanceA.url}/v2/images/${source.id}/file`, demo.id);

  const results: Results = { gimming: [], client: [], curl: [] };
  for (let round = 1; round <= REPEAT; round++) {
    if (ONLY.has('gimming')) results.gimming.push(await benchGimming(c, round));
    if (ONLY.has('client')) results.client.push(await benchClient(c, round));
    if (ONLY.has('curl')) results.curl.push(await benchCurl(c, round));
  }

  const summary = summarize(results);
  printReport(summary);
  const out = join(BENCH_DIR, 'last.json');
  const report = {
    finished_at: new Date().toISOString(),
    size_mib: SIZE_MIB,
    repeat: REPEAT,
    paths: [...ONLY],
    extra_config: EXTRA_CONFIG || undefined,
    wan: wan?.report(),
    direct_read: DIRECT_READ,
    machine: { cpus: cpus().length, loadavg_1m_at_end: loadavg()[0] },
    source: { id: source.id, checksum: source.checksum, os_hash_value: source.os_hash_value },
    targets: TARGETS,
    ...summary,
    runs: results,
  };
  writeFileSync(`${out}.partial`, `${JSON.stringify(report, null, 2)}\n`);
  renameSync(`${out}.partial`, out);
  process.stdout.write(`\nresults written to ${out}\n`);
}

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    say(`${signal}: cleaning up`);
    void cleanupAll().finally(() => process.exit(130));
  });
}

main()
  .then(async () => {
    if (!(await cleanupAll())) process.exitCode = 1;
  })
  .catch(async (err: unknown) => {
    say(`FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    await cleanupAll();
    process.exitCode = 1;
  })
  .finally(() => {
    // mysql2 or keep-alive sockets must not keep the process alive.
    setTimeout(() => process.exit(), 100).unref();
  });
