/**
 * [agent] direct_read_zones: a copy from a cloud of a zone the target agent reaches is read from that
 * cloud by the target agent itself (tests/support/dir-driver.ts as both clouds, through the agent's real
 * gRPC service), with no call to the source agent (whose address here answers nothing); a copy from any
 * other zone still pulls from the source agent; a read that ends short of its announced length fails the
 * copy and removes the half-made image.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { CredentialOpener } from '../../../src/common/cloud-credentials/seal';
import { loadAgentService } from '../../../src/common/grpc/loader';
import { CloudSessions } from '../../../src/gimming-agent/cloud-sessions';
import type { CloudDriver } from '../../../src/gimming-agent/drivers/driver';
import { DriverRegistry } from '../../../src/gimming-agent/drivers/registry';
import { agentHandlers } from '../../../src/gimming-agent/service';
import { StagingStore } from '../../../src/gimming-agent/staging/store';
import { readsDirectly } from '../../../src/gimming-agent/transfer/direct-read';
import { dirDriver } from '../../support/dir-driver';
import { loadConfig } from '../../support/config';

/** The dir driver, announcing `extra` more bytes than its reads deliver. */
function shortReads(dir: string, extra: number): CloudDriver {
  const base = dirDriver(dir, 'short');
  return {
    ...base,
    start(dctx) {
      const inner = base.start(dctx);
      return {
        ...inner,
        async open(ctx, cloud) {
          const session = await inner.open(ctx, cloud);
          const openRead = session.openRead.bind(session);
          session.openRead = async (id, opts) => {
            const read = await openRead(id, opts);
            return { ...read, announcedLength: (read.announcedLength ?? 0) + extra };
          };
          return session;
        },
      };
    },
  };
}

describe('a copy read from the source cloud by the target agent ([agent] direct_read_zones)', () => {
  let tmp: string;
  let sourceDir: string;
  let targetDir: string;
  let server: grpc.Server;
  let client: grpc.Client & Record<string, (...args: unknown[]) => grpc.ClientReadableStream<unknown>>;
  const data = randomBytes(2 * 1024 * 1024 + 5);
  const md5 = createHash('md5').update(data).digest('hex');
  const sha512 = createHash('sha512').update(data).digest('hex');
  const sourceId = randomUUID();
  /** Nothing listens there: a copy that calls the source agent fails. */
  const noAgent = '127.0.0.1:1';

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'gimming-direct-'));
    sourceDir = join(tmp, 'source');
    targetDir = join(tmp, 'target');
    mkdirSync(sourceDir);
    mkdirSync(targetDir);
    writeFileSync(join(sourceDir, `${sourceId}.data`), data);
    writeFileSync(
      join(sourceDir, `${sourceId}.json`),
      JSON.stringify({
        id: sourceId,
        name: 'src',
        status: 'active',
        size: data.length,
        digests: {},
        disk_format: 'raw',
        container_format: 'bare',
        visibility: 'private',
        owner: '',
        min_disk: 0,
        min_ram: 0,
        properties: {},
        tags: [],
        protected: false,
        created_at: new Date().toISOString(),
        updated_at: new Date().toISOString(),
      }),
    );
    const conf = join(tmp, 'gimming.conf');
    writeFileSync(conf, '[agent]\nchunk_size = 65536\ndirect_read_zones = zone-a\n');
    const config = loadConfig([conf], {});
    const sessions = new CloudSessions(
      CredentialOpener.fromFiles([]),
      { interface: 'public', regionName: '' },
      1000,
    );
    const drivers = new DriverRegistry(
      ['src', 'dir', 'short'],
      { config, sessions },
      new Map([
        ['src', dirDriver(sourceDir, 'src')],
        ['dir', dirDriver(targetDir)],
        ['short', shortReads(sourceDir, 5)],
      ]),
    );
    const staging = new StagingStore(join(tmp, 'staging'), 1 << 30, 1 << 30);
    const identity = { host: 'h', zone: 'zone-b', address: '' };
    server = new grpc.Server();
    server.addService(loadAgentService().definition, agentHandlers(config, identity, staging, drivers));
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    identity.address = `127.0.0.1:${port}`;
    const Client = loadAgentService().client;
    client = new Client(identity.address, grpc.credentials.createInsecure()) as typeof client;
  });

  after(() => {
    client?.close();
    server?.forceShutdown();
    rmSync(tmp, { recursive: true, force: true });
  });

  function copy(sourceZone: string, sourceType = 'src'): Promise<Array<Record<string, any>>> {
    const events: Array<Record<string, any>> = [];
    const md = new grpc.Metadata();
    md.set('x-openstack-request-id', 'req-direct');
    const call = client.CopyImage!(
      {
        task_id: 't1',
        source: { id: 'c0', name: 'zone-a', type: sourceType },
        source_zone: sourceZone,
        source_agent_address: noAgent,
        source_image_id: sourceId,
        target: { id: 'c1', name: 'zone-b', type: 'dir' },
        image: { name: 'img', disk_format: 'raw', container_format: 'bare', visibility: 'private' },
        expect: {
          size: data.length,
          digests: [
            { algo: 'md5', value: md5 },
            { algo: 'sha512', value: sha512 },
          ],
        },
        stream_through_agents: true,
      },
      md,
    );
    return new Promise((resolve, reject) => {
      call.on('data', (event: Record<string, any>) => events.push(event));
      call.on('error', reject);
      call.on('end', () => resolve(events));
    });
  }

  it('reads a source of a listed zone itself and proves the copy as any other', async () => {
    const events = await copy('zone-a');
    const done = events.find((e) => e.done)?.done;
    assert.ok(done, 'the copy is done');
    assert.equal(done.proof.kind, 'agent');
    const copied = readFileSync(join(targetDir, `${done.image.id as string}.data`));
    assert.ok(copied.equals(data), 'the target holds the source bytes');
  });

  it('pulls from the source agent for a zone it does not reach', async () => {
    // The same copy as above, from a zone not listed: it goes to the source agent, which is not there.
    await assert.rejects(copy('zone-c'));
  });

  it('fails a read shorter than announced and leaves no image behind', async () => {
    const before = readdirSync(targetDir).length;
    await assert.rejects(copy('zone-a', 'short'), (err: Error) =>
      /sent 2097157 of the 2097162 bytes/.test(err.message),
    );
    assert.equal(readdirSync(targetDir).length, before, 'no image left behind');
  });

  it('leaves shared reads, staged sources and unknown zones to the source agent', () => {
    const base = {
      source: { type: 'src' },
      source_zone: 'zone-a',
      source_is_staging: false,
      read_share: null,
    } as never as Parameters<typeof readsDirectly>[0];
    const drivers = { driver: (t: string) => (t === 'src' ? {} : undefined) } as never;
    const opts = (zones: string[]) => ({ drivers, directReadZones: zones }) as never;
    assert.equal(readsDirectly(base, opts(['zone-a'])), true);
    assert.equal(readsDirectly(base, opts(['*'])), true);
    assert.equal(readsDirectly(base, opts([])), false);
    assert.equal(readsDirectly(base, opts(['zone-c'])), false);
    assert.equal(readsDirectly({ ...base, source_zone: '' }, opts(['*'])), false);
    assert.equal(readsDirectly({ ...base, source_is_staging: true }, opts(['*'])), false);
    assert.equal(readsDirectly({ ...base, read_share: { key: 'k', readers: 2 } }, opts(['*'])), false);
    assert.equal(readsDirectly({ ...base, source: { type: 'aws' } } as never, opts(['*'])), false);
  });
});
