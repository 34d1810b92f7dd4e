/**
 * `npm run bench:upload`: uploads one image (2 GiB by default) through GIMinG to two clouds (zone-a and
 * zone-b) and reports how long the upload and the copies took and the peak memory of the API and the
 * agents, against the target (each under 150 MiB: the data streams, it is never held whole).
 *
 * The data is a random file made once and cached in /var/tmp/gimming-bench/ with its md5 beside it; both
 * copies are checked against it, then deleted. Run through tools/bench/upload.sh.
 */
import { createHash, randomFillSync } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DaemonSet } from '../../tests/support/daemons';
import { registerClouds, waitForTasks } from '../../tests/support/flows';
import { http as api } from '../../tests/support/http';
import { Glance, issueToken } from '../../tests/support/openstack';
import { testbed } from '../../tests/support/testbed';
import { peakRssMiB } from './lib/proc';

const MiB = 1024 * 1024;
const DIR = process.env.GIMMING_BENCH_DIR ?? '/var/tmp/gimming-bench';
const SIZE_MIB = Number(process.env.GIMMING_BENCH_SIZE_MIB ?? 2048);
const TARGET_RSS_MIB = 150;
/** Issue 16: both copies active within this many times the upload itself. */
const TARGET_RATIO = 1.2;

const AGENTS = ['agent-zone-a', 'agent-zone-b'];

const say = (text: string) => process.stderr.write(`[bench] ${text}\n`);

/**
 * A daemon's peak RSS over its whole life (VmHWM), read while it still runs: a daemon that exited (a
 * crash, or a restart in between) would report nothing, or another process's figure, so it fails the run.
 */
function peakRss(daemons: DaemonSet, name: string): number {
  const child = daemons.process(name);
  if (!child || child.exitCode !== null || child.signalCode !== null) {
    throw new Error(`${name} is not running any more (exit ${String(child?.exitCode ?? child?.signalCode)})`);
  }
  return peakRssMiB(child.pid);
}

/** A random file of the size asked for, made once, with its md5. */
async function sourceFile(): Promise<{ path: string; md5: string }> {
  mkdirSync(DIR, { recursive: true });
  const path = join(DIR, `upload-${SIZE_MIB}MiB.bin`);
  const sidecar = `${path}.md5`;
  if (existsSync(path) && existsSync(sidecar) && statSync(path).size === SIZE_MIB * MiB) {
    return { path, md5: readFileSync(sidecar, 'utf8').trim() };
  }
  say(`making a ${SIZE_MIB} MiB random file`);
  const md5 = createHash('md5');
  const chunks = Readable.from(
    (function* () {
      for (let i = 0; i < SIZE_MIB; i++) {
        const data = randomFillSync(Buffer.allocUnsafe(MiB));
        md5.update(data);
        yield data;
      }
    })(),
  );
  await pipeline(chunks, createWriteStream(path));
  const digest = md5.digest('hex');
  writeFileSync(sidecar, `${digest}\n`);
  return { path, md5: digest };
}

function upload(url: string, token: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
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

/** The API's port; the agents take the next two (GIMMING_BENCH_PORT, to keep parallel runs apart). */
const PORT = Number(process.env.GIMMING_BENCH_PORT ?? 29695);

async function main(): Promise<void> {
  const bed = testbed();
  const source = await sourceFile();
  const daemons = new DaemonSet(bed, {
    apiPort: PORT,
    agentPorts: { 'zone-a': PORT + 1, 'zone-b': PORT + 2 },
    extraConfig: `staging_max_bytes = ${(SIZE_MIB + 1024) * MiB}\n[quota]\nstaged_bytes = -1`,
  });
  let ok = false;
  await daemons.start();
  try {
    const [admin, demo] = await Promise.all([
      issueToken(bed, bed.users.admin),
      issueToken(bed, bed.users.demo),
    ]);
    await registerClouds(daemons.apiUrl, admin.id);
    const created = await api('POST', `${daemons.apiUrl}/v1/images`, {
      token: demo.id,
      json: {
        name: 'gimming-bench-upload',
        disk_format: 'raw',
        container_format: 'bare',
        targets: ['zone-a', 'zone-b'],
      },
    });
    if (created.status !== 201) throw new Error(`create: ${created.text}`);
    const id = created.body.id as string;
    const started = Date.now();
    const status = await upload(`${daemons.apiUrl}/v1/images/${id}/file`, demo.id, source.path);
    if (status !== 204) throw new Error(`upload answered ${status}`);
    const uploaded = (Date.now() - started) / 1000;
    const tasks = await waitForTasks(daemons.apiUrl, demo.id, id, 600000);
    const total = (Date.now() - started) / 1000;
    const rss = Object.fromEntries(
      ['api', 'agent-zone-a', 'agent-zone-b', 'conductor'].map((n) => [n, peakRss(daemons, n)]),
    );
    // Which agent staged the upload (and copied from its own file); the other pulled it over gRPC.
    const stagingAgent = AGENTS.find((n) => daemons.logText(n).includes('"message":"upload staged"'));
    const role = (n: string) =>
      !AGENTS.includes(n) || stagingAgent === undefined ? '' : n === stagingAgent ? ' (staged)' : ' (pulled)';
    const image = (await api('GET', `${daemons.apiUrl}/v1/images/${id}`, { token: demo.id })).body;
    const glances = {
      'zone-a': new Glance(bed.regions.RegionOne!.glance_url, demo.id),
      'zone-b': new Glance(bed.regions.RegionTwo!.glance_url, demo.id),
    };
    const checks: string[] = [];
    for (const location of image.locations as Array<{ cloud: 'zone-a' | 'zone-b'; image_id: string }>) {
      const copy = await glances[location.cloud].get(location.image_id);
      checks.push(`${location.cloud} ${copy?.checksum === source.md5 ? 'same md5' : 'DIFFERENT md5'}`);
      await glances[location.cloud].delete(location.image_id);
    }
    const failed = tasks.filter((t) => t.status !== 'succeeded');
    if (failed.length > 0 || checks.some((c) => c.includes('DIFFERENT'))) {
      throw new Error(`copies failed: ${JSON.stringify(failed.map((t) => t.error))} ${checks.join(', ')}`);
    }
    const lines = [
      `GIMinG upload benchmark: ${SIZE_MIB} MiB uploaded once to zone-a and zone-b`,
      `upload (PUT, into staging)    ${uploaded.toFixed(2)} s   ${(SIZE_MIB / uploaded).toFixed(1)} MiB/s`,
      `until both copies are active  ${total.toFixed(2)} s   (${checks.join(', ')})`,
      `both copies / upload          ${(total / uploaded).toFixed(2)}x   (goal <= ${TARGET_RATIO}x) ${total / uploaded <= TARGET_RATIO ? 'PASS' : 'FAIL'}`,
      `peak RSS MiB: ${Object.entries(rss)
        .map(([k, v]) => `${k} ${v.toFixed(1)}`)
        .join(', ')}`,
      ...['api', ...AGENTS].map(
        (n) =>
          `${`${n}${role(n)} peak RSS < ${TARGET_RSS_MIB} MiB`.padEnd(44)} ${(rss[n] as number).toFixed(1)} MiB  ${(rss[n] as number) < TARGET_RSS_MIB ? 'PASS' : 'FAIL'}`,
      ),
    ];
    process.stdout.write(`\n${lines.join('\n')}\n`);
    writeFileSync(
      join(DIR, 'last-upload.json'),
      `${JSON.stringify({ size_mib: SIZE_MIB, upload_s: uploaded, total_s: total, ratio: total / uploaded, rss_mib: rss, staging_agent: stagingAgent ?? null }, null, 2)}\n`,
    );
    ok = true;
  } finally {
    await daemons.stop(!ok || process.env.GIMMING_BENCH_KEEP_LOGS === '1');
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`[bench] FAILED: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
