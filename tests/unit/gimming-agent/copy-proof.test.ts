/**
 * Copies into a cloud that reports no hashes (tests/support/dir-driver.ts, a real driver on a temporary
 * directory), through the agent's real gRPC service: the agent hashes the bytes in flight and proves the
 * copy with its own md5 and sha512; a copy whose bytes differ from the expected identity is refused and
 * the half-made image removed. A cloud that reports hashes (Glance) gets no extra hashing.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import * as grpc from '@grpc/grpc-js';
import { CredentialOpener } from '../../../src/common/cloud-credentials/seal';
import { loadAgentService } from '../../../src/common/grpc/loader';
import { CloudSessions } from '../../../src/gimming-agent/cloud-sessions';
import { driver as openstack } from '../../../src/gimming-agent/drivers/glance';
import { DriverRegistry } from '../../../src/gimming-agent/drivers/registry';
import { agentHandlers } from '../../../src/gimming-agent/service';
import { StagingStore } from '../../../src/gimming-agent/staging/store';
import { InFlightDigests } from '../../../src/gimming-agent/transfer/proof';
import { dirDriver } from '../../support/dir-driver';
import { loadConfig } from '../../support/config';

describe('proving a copy into a cloud that reports no hashes', () => {
  let tmp: string;
  let cloudDir: string;
  let server: grpc.Server;
  let client: grpc.Client & Record<string, (...args: unknown[]) => grpc.ClientReadableStream<unknown>>;
  let address: string;
  let staging: StagingStore;
  const data = randomBytes(3 * 1024 * 1024 + 17);
  const md5 = createHash('md5').update(data).digest('hex');
  const sha512 = createHash('sha512').update(data).digest('hex');
  const stagedId = randomUUID();

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'gimming-proof-'));
    cloudDir = join(tmp, 'cloud');
    const conf = join(tmp, 'gimming.conf');
    writeFileSync(conf, '[agent]\nchunk_size = 65536\n');
    const config = loadConfig([conf], {});
    const sessions = new CloudSessions(
      CredentialOpener.fromFiles([]),
      { interface: 'public', regionName: '' },
      1000,
    );
    const { mkdirSync } = await import('node:fs');
    mkdirSync(cloudDir);
    const drivers = new DriverRegistry(
      ['dir'],
      { config, sessions },
      new Map([['dir', dirDriver(cloudDir)]]),
    );
    staging = new StagingStore(join(tmp, 'staging'), 1 << 30, 1 << 30);
    await staging.write(stagedId, Readable.from([data]));
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

  function copy(expect: Record<string, unknown>): Promise<Array<Record<string, any>>> {
    const events: Array<Record<string, any>> = [];
    const md = new grpc.Metadata();
    md.set('x-openstack-request-id', 'req-proof');
    const call = client.CopyImage!(
      {
        task_id: 't1',
        source_agent_address: address,
        source_is_staging: true,
        source_image_id: stagedId,
        target: { id: 'c1', name: 'dircloud', type: 'dir' },
        image: {
          name: 'img',
          disk_format: 'raw',
          container_format: 'bare',
          visibility: 'private',
          tags: ['x'],
        },
        expect,
      },
      md,
    );
    return new Promise((resolve, reject) => {
      call.on('data', (event: Record<string, any>) => events.push(event));
      call.on('error', reject);
      call.on('end', () => resolve(events));
    });
  }

  it('computes md5 and sha512 while writing and proves the copy with them', async () => {
    const events = await copy({
      size: data.length,
      digests: [
        { algo: 'md5', value: md5 },
        { algo: 'sha512', value: sha512 },
      ],
    });
    const created = events.find((e) => e.created)?.created.image_id as string;
    const done = events.find((e) => e.done)?.done;
    assert.ok(created && done, 'the copy reported created and done');
    assert.equal(done.image.id, created);
    assert.deepEqual(
      Object.fromEntries(done.image.digests.map((d: { algo: string; value: string }) => [d.algo, d.value])),
      { md5, sha512 },
    );
    assert.equal(done.proof.kind, 'agent');
    assert.deepEqual(
      done.proof.compared.map((d: { algo: string }) => d.algo),
      ['md5', 'sha512'],
    );
    // The cloud itself recorded no hashes: the proof is the agent's.
    const record = JSON.parse(readFileSync(join(cloudDir, `${created}.json`), 'utf8'));
    assert.deepEqual(record.digests, {});
    assert.equal(record.status, 'active');
    assert.ok(readFileSync(join(cloudDir, `${created}.data`)).equals(data), 'the cloud holds the bytes');
  });

  it('refuses a copy whose bytes are not the expected ones, and removes the half-made image', async () => {
    const before = readdirSync(cloudDir).length;
    const wrong = createHash('sha512').update('something else').digest('hex');
    await assert.rejects(
      copy({
        size: data.length,
        digests: [
          { algo: 'md5', value: md5 },
          { algo: 'sha512', value: wrong },
        ],
      }),
      (err: Error) => /does not match the source: sha512 [0-9a-f]+ != [0-9a-f]+/.test(err.message),
    );
    assert.equal(readdirSync(cloudDir).length, before, 'no image left behind');
  });

  it('hashes nothing for a cloud that reports its own hashes (the Glance path)', () => {
    assert.equal(InFlightDigests.forTarget(openstack.capabilities, { md5, sha512 }), null);
    assert.ok(InFlightDigests.forTarget(dirDriver(cloudDir).capabilities, { md5, sha512 }));
  });
});
