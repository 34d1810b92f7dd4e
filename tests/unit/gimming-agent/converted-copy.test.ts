/**
 * Copies converted on the way, through the agent's real gRPC service, real qemu-img and a real driver
 * (tests/support/dir-driver.ts) that takes raw images only: a staged qcow2 ends as a raw copy holding
 * exactly what `qemu-img convert` makes of it, its proof naming the source's identity and the converted
 * bytes' hashes; an image whose disk is too large for the scratch space is refused before any byte is
 * written; a cancel during the conversion leaves no scratch file and no target image.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import * as grpc from '@grpc/grpc-js';
import { CredentialOpener } from '../../../src/common/cloud-credentials/seal';
import { conversionOf } from '../../../src/common/converted-copy';
import { loadAgentService } from '../../../src/common/grpc/loader';
import { CloudSessions } from '../../../src/gimming-agent/cloud-sessions';
import { DriverRegistry } from '../../../src/gimming-agent/drivers/registry';
import { agentHandlers } from '../../../src/gimming-agent/service';
import { StagingStore } from '../../../src/gimming-agent/staging/store';
import { dirDriver } from '../../support/dir-driver';
import { loadConfig } from '../../support/config';

const QEMU_IMG = '/usr/bin/qemu-img';
type Event = Record<string, any>;

const hex = (algo: string, data: Buffer) => createHash(algo).update(data).digest('hex');

describe('copies converted with qemu-img into a cloud that takes raw only', function () {
  this.timeout(120_000);
  let tmp: string;
  let cloudDir: string;
  let server: grpc.Server;
  let client: grpc.Client & Record<string, (...args: unknown[]) => grpc.ClientReadableStream<Event>>;
  let address: string;
  let staging: StagingStore;
  const staged: string[] = [];
  const STAGING_MAX = 512 * 1024 * 1024;

  /** A qcow2 image (`virtual` bytes of disk, `data` written at its start), staged; its identity. */
  async function stageQcow2(data: Buffer, virtual = data.length) {
    for (const id of staged.splice(0)) await staging.delete(id);
    const raw = join(tmp, `${randomUUID()}.raw`);
    const qcow2 = `${raw}.qcow2`;
    writeFileSync(raw, data);
    if (virtual > data.length) execFileSync(QEMU_IMG, ['resize', '-f', 'raw', raw, String(virtual)]);
    execFileSync(QEMU_IMG, ['convert', '-f', 'raw', '-O', 'qcow2', raw, qcow2]);
    const bytes = readFileSync(qcow2);
    const id = randomUUID();
    await staging.write(id, Readable.from([bytes]));
    staged.push(id);
    const expectedRaw = join(tmp, `${id}.expected.raw`);
    if (virtual === data.length) {
      execFileSync(QEMU_IMG, ['convert', '-f', 'qcow2', '-O', 'raw', qcow2, expectedRaw]);
    }
    rmSync(raw);
    return {
      id,
      qcow2: bytes,
      converted: virtual === data.length ? readFileSync(expectedRaw) : Buffer.alloc(0),
      expect: {
        size: bytes.length,
        digests: [
          { algo: 'md5', value: hex('md5', bytes) },
          { algo: 'sha512', value: hex('sha512', bytes) },
        ],
      },
    };
  }

  function start(sourceId: string, expect: unknown, extra: Record<string, unknown> = {}) {
    const md = new grpc.Metadata();
    md.set('x-openstack-request-id', 'req-convert');
    return client.CopyImage!(
      {
        task_id: 't-convert',
        source_agent_address: address,
        source_is_staging: true,
        source_image_id: sourceId,
        target: { id: 'c1', name: 'rawcloud', type: 'dir' },
        image: { name: 'img', disk_format: 'qcow2', container_format: 'bare', visibility: 'private' },
        expect,
        ...extra,
      },
      md,
    );
  }

  function events(call: grpc.ClientReadableStream<Event>): Promise<Event[]> {
    const seen: Event[] = [];
    return new Promise((resolve, reject) => {
      call.on('data', (e: Event) => seen.push(e));
      call.on('error', reject);
      call.on('end', () => resolve(seen));
    });
  }

  const scratchFiles = () =>
    existsSync(staging.scratchDir) ? readdirSync(staging.scratchDir, { recursive: true }) : [];

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'gimming-convert-'));
    cloudDir = join(tmp, 'cloud');
    mkdirSync(cloudDir);
    const conf = join(tmp, 'gimming.conf');
    writeFileSync(
      conf,
      `[agent]\nchunk_size = 65536\nimage_conversion = true\nqemu_img_path = ${QEMU_IMG}\n`,
    );
    const config = loadConfig([conf], {});
    const sessions = new CloudSessions(
      CredentialOpener.fromFiles([]),
      { interface: 'public', regionName: '' },
      1000,
    );
    const drivers = new DriverRegistry(
      ['dir'],
      { config, sessions },
      new Map([['dir', dirDriver(cloudDir, 'dir', { formats: ['raw'] })]]),
    );
    staging = new StagingStore(join(tmp, 'staging'), STAGING_MAX, STAGING_MAX);
    const identity = { host: 'h', zone: 'z', address: '' };
    server = new grpc.Server();
    server.addService(loadAgentService().definition, agentHandlers(config, identity, staging, drivers));
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    address = `127.0.0.1:${port}`;
    identity.address = address;
    const Client = loadAgentService().client;
    client = new Client(address, grpc.credentials.createInsecure()) as typeof client;
  });

  after(() => {
    client?.close();
    server?.forceShutdown();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('GetInfo tells the conductor which formats this agent converts', async () => {
    const info = await new Promise<Event>((resolve, reject) =>
      (client as unknown as Record<string, (...a: unknown[]) => void>).GetInfo!(
        {},
        new grpc.Metadata(),
        (err: Error | null, res: Event) => (err ? reject(err) : resolve(res)),
      ),
    );
    assert.deepEqual(info.drivers[0].capabilities.disk_formats, ['raw']);
    assert.ok(info.drivers[0].capabilities.convertible_formats.includes('qcow2'));
  });

  it('converts a qcow2 the cloud refuses to raw: the bytes qemu-img makes, both identities proven', async () => {
    const data = Buffer.concat([randomBytes(3 * 1024 * 1024 + 512), Buffer.alloc(1024 * 1024, 7)]);
    const source = await stageQcow2(data);
    const used = staging.usedBytes;
    const seen = await events(start(source.id, source.expect));
    const created = seen.find((e) => e.created)?.created.image_id as string;
    const done = seen.find((e) => e.done)?.done;
    assert.ok(created && done, 'the copy reported created and done');
    assert.equal(done.image.disk_format, 'raw');
    const held = readFileSync(join(cloudDir, `${created}.data`));
    assert.ok(held.equals(source.converted), 'the cloud holds what qemu-img convert makes of the source');
    assert.ok(held.equals(data), 'which is the disk the qcow2 was made from');
    // The proof: the converted bytes' hashes compared, and the source's identity verified.
    assert.equal(done.proof.kind, 'agent');
    assert.equal(done.proof.converted_from, 'qcow2');
    const compared = Object.fromEntries(done.proof.compared.map((d: Event) => [d.algo, d.value]));
    assert.deepEqual(compared, { md5: hex('md5', held), sha512: hex('sha512', held) });
    assert.equal(done.proof.source.size, source.qcow2.length);
    const sourceDigests = Object.fromEntries(done.proof.source.digests.map((d: Event) => [d.algo, d.value]));
    assert.equal(sourceDigests.sha512, hex('sha512', source.qcow2));
    // The copy records its conversion in its cloud, for later checks (drift).
    const record = JSON.parse(readFileSync(join(cloudDir, `${created}.json`), 'utf8'));
    assert.deepEqual(conversionOf(record.properties), {
      from: 'qcow2',
      source: {
        size: source.qcow2.length,
        digests: { md5: hex('md5', source.qcow2), sha512: hex('sha512', source.qcow2) },
      },
      converted: { size: held.length, digests: { md5: hex('md5', held), sha512: hex('sha512', held) } },
    });
    assert.deepEqual(scratchFiles(), [], 'no scratch file is left');
    assert.equal(staging.usedBytes, used, 'the scratch room is freed');
  });

  it('converts as the conductor planned it (convert_from)', async () => {
    const data = randomBytes(1024 * 1024);
    const source = await stageQcow2(data);
    const call = start(source.id, source.expect, {
      convert_from: 'qcow2',
      image: { name: 'img', disk_format: 'raw', container_format: 'bare', visibility: 'private' },
    });
    const done = (await events(call)).find((e) => e.done)?.done;
    assert.equal(done.proof.converted_from, 'qcow2');
    assert.ok(readFileSync(join(cloudDir, `${done.image.id}.data`)).equals(data));
  });

  it('refuses an image whose disk does not fit the scratch space before any byte is written', async () => {
    // 1 MiB of data, a disk of 1 GiB: raw, it needs twice the whole staging area.
    const source = await stageQcow2(randomBytes(1024 * 1024), 1024 * 1024 * 1024);
    const before = readdirSync(cloudDir).length;
    const used = staging.usedBytes;
    await assert.rejects(events(start(source.id, source.expect)), (err: Error) => {
      assert.match(err.message, /needs \d+ bytes of scratch space, more than the \d+ bytes left/);
      assert.match(err.message, /a disk of 1073741824 bytes/);
      assert.match(err.message, /staging_max_bytes = 536870912/);
      return true;
    });
    assert.equal(readdirSync(cloudDir).length, before, 'no target image was made');
    assert.deepEqual(scratchFiles(), [], 'no scratch file is left');
    assert.equal(staging.usedBytes, used);
  });

  it('refuses a format no conversion serves (an iso) before any work', async () => {
    const source = await stageQcow2(randomBytes(64 * 1024));
    const before = readdirSync(cloudDir).length;
    const call = start(source.id, source.expect, {
      image: { name: 'img', disk_format: 'iso', container_format: 'bare', visibility: 'private' },
    });
    await assert.rejects(events(call), /takes no iso images \(raw\), and no conversion serves it/);
    assert.equal(readdirSync(cloudDir).length, before);
    assert.deepEqual(scratchFiles(), []);
  });

  it('learns no identity from converted bytes (learn_identity): refused before any byte moves', async () => {
    const source = await stageQcow2(randomBytes(64 * 1024));
    const before = readdirSync(cloudDir).length;
    const call = start(source.id, { size: 0, digests: [] }, { learn_identity: true });
    await assert.rejects(events(call), (err: Error & { code?: number }) => {
      assert.match(
        err.message,
        /identity is not known yet and is learned from a copy of the source's own qcow2/,
      );
      return true;
    });
    assert.equal(readdirSync(cloudDir).length, before, 'no target image was made');
    assert.deepEqual(scratchFiles(), []);
  });

  it('refuses a source whose bytes are not the image before converting them', async () => {
    const source = await stageQcow2(randomBytes(512 * 1024));
    const wrong = { ...source.expect, digests: [{ algo: 'sha512', value: hex('sha512', Buffer.from('x')) }] };
    await assert.rejects(events(start(source.id, wrong)), /do not match the image: sha512/);
    assert.deepEqual(scratchFiles(), []);
  });

  it('a cancel during the conversion leaves no scratch file and no target image', async () => {
    const source = await stageQcow2(randomBytes(96 * 1024 * 1024));
    const before = readdirSync(cloudDir).length;
    const used = staging.usedBytes;
    const call = start(source.id, source.expect);
    let settled = false;
    const ended = events(call).finally(() => (settled = true));
    ended.catch(() => undefined);
    // Cancelled as soon as the conversion has files in its scratch space.
    while (!settled && scratchFiles().filter((f) => String(f).includes('.')).length === 0) {
      await new Promise((r) => setTimeout(r, 2));
    }
    call.cancel();
    await assert.rejects(ended, /cancel/i);
    // The agent cleans up after the call ended: wait for it, briefly.
    for (let i = 0; i < 200 && (scratchFiles().length > 0 || staging.usedBytes !== used); i++) {
      await new Promise((r) => setTimeout(r, 25));
    }
    assert.deepEqual(scratchFiles(), [], 'no scratch file is left');
    assert.equal(staging.usedBytes, used, 'the scratch room is freed');
    assert.equal(readdirSync(cloudDir).length, before, 'no target image is left');
  });
});
