/**
 * Glance's own copy between two regions (glance-download), as the agent's Glance driver makes it: what
 * the zone's agents say of it (the import methods read per endpoint, [glance] native_import), when a
 * session takes it (the rule: both clouds in the caller's Keystone, two regions, the method advertised),
 * and the copy against a Glance on loopback: the import asked for as Glance takes it, its status read
 * until active, Glance's reason for a failure word for word, and the half-made image deleted.
 */
import assert from 'node:assert/strict';
import { GimmingError } from '../../../src/common/errors';
import type { GimmingConfig } from '../../../src/common/config/schema';
import type { CloudRef__Output } from '../../../src/common/grpc/generated/gimming/agent/v2/CloudRef';
import { GlanceClient } from '../../../src/gimming-agent/drivers/glance/client';
import {
  copyByGlanceDownload,
  glanceDownloadBody,
  newestTask,
} from '../../../src/gimming-agent/drivers/glance/glance-download';
import { ImportMethodCache } from '../../../src/gimming-agent/drivers/glance/import-methods';
import { GlanceSession, type NativeImport } from '../../../src/gimming-agent/drivers/glance/session';
import { driver as glanceDriver } from '../../../src/gimming-agent/drivers/glance';
import type { ImageSpec } from '../../../src/gimming-agent/drivers/driver';
import { FakeCloud, json } from '../../support/fake-cloud';

const spec: ImageSpec = {
  name: 'copy',
  disk_format: 'raw',
  container_format: 'bare',
  visibility: 'private',
  min_disk: 0,
  min_ram: 0,
  properties: { gimming_image_id: 'img-1' },
  tags: [],
};

const source = (over: Partial<CloudRef__Output> = {}): CloudRef__Output => ({
  id: 'c-a',
  name: 'zone-a',
  type: 'openstack',
  region_name: 'RegionOne',
  auth_url: '',
  credentials_ref: '',
  options: {},
  ...over,
});

describe('glance-download: what a zone says', () => {
  it('says nothing before an endpoint was read, then what every endpoint read advertises', async () => {
    const cache = new ImportMethodCache();
    assert.equal(cache.everywhere('glance-download'), false);
    await cache.get('http://a', async () => ['glance-direct', 'glance-download']);
    assert.equal(cache.everywhere('glance-download'), true);
    await cache.get('http://b', async () => ['glance-direct', 'copy-image']);
    assert.equal(cache.everywhere('glance-download'), false);
  });

  it('keeps no failed read, and keeps what was known when a later read fails', async () => {
    let now = 0;
    const cache = new ImportMethodCache(1000, () => now);
    await assert.rejects(cache.get('http://a', () => Promise.reject(new Error('down'))));
    assert.equal(cache.everywhere('glance-download'), false);
    await cache.get('http://a', async () => ['glance-download']);
    now = 5000;
    await assert.rejects(cache.get('http://a', () => Promise.reject(new Error('down'))));
    assert.equal(cache.everywhere('glance-download'), true);
    let reads = 0;
    await cache.get('http://a', async () => (reads++, ['glance-download']));
    assert.equal(reads, 1, 'a failed refresh is read again at once');
  });

  it('[glance] native_import = never: the heartbeats name no native copy', () => {
    const config = (mode: string) =>
      ({ glance: { native_import: mode }, agent: {} }) as unknown as GimmingConfig;
    assert.deepEqual(glanceDriver.nativeCopyNow?.(config('never')), []);
  });
});

describe('glance-download: when a session copies natively', () => {
  const withMethods = (methods: string[], over: Partial<NativeImport> = {}) => {
    const client = {
      endpoint: 'http://glance-b',
      getImportMethods: async () => methods,
    } as unknown as GlanceClient;
    return new GlanceSession(client, 'zone-b', undefined, {
      imports: new ImportMethodCache(),
      mode: 'auto',
      serviceInterface: 'public',
      target: { region: 'RegionTwo', ownKeystone: false },
      ...over,
    });
  };

  it('copies from another region of the same Keystone where its Glance advertises glance-download', async () => {
    assert.equal(await withMethods(['glance-download']).nativeCopyFrom(source()), true);
  });

  it('streams instead where any part of the rule fails', async () => {
    const cases: Array<[string, GlanceSession, CloudRef__Output]> = [
      ['the method is not advertised', withMethods(['copy-image']), source()],
      ['native_import = never', withMethods(['glance-download'], { mode: 'never' }), source()],
      ['the same region', withMethods(['glance-download']), source({ region_name: 'RegionTwo' })],
      ['another kind of cloud', withMethods(['glance-download']), source({ type: 'aws' })],
      [
        'a source with a Keystone of its own',
        withMethods(['glance-download']),
        source({ auth_url: 'https://k' }),
      ],
      [
        'a target with a Keystone of its own',
        withMethods(['glance-download'], { target: { region: 'RegionTwo', ownKeystone: true } }),
        source(),
      ],
    ];
    for (const [why, session, from] of cases) assert.equal(await session.nativeCopyFrom(from), false, why);
  });

  it('streams when its Glance cannot say what it imports', async () => {
    const client = {
      endpoint: 'http://glance-b',
      getImportMethods: () => Promise.reject(new Error('unreachable')),
    } as unknown as GlanceClient;
    const session = new GlanceSession(client, 'zone-b', undefined, {
      imports: new ImportMethodCache(),
      mode: 'auto',
      serviceInterface: 'public',
      target: { region: 'RegionTwo', ownKeystone: false },
    });
    assert.equal(await session.nativeCopyFrom(source()), false);
  });
});

describe('glance-download: the copy against a Glance on loopback', () => {
  let glance: FakeCloud;
  /** The target image's status as the fake Glance shows it, in order, one per look. */
  let statuses: string[];
  let tasks: unknown[];
  let imported: unknown;
  let deleted: string[];

  before(async () => {
    glance = await new FakeCloud('127.0.0.1').start();
  });
  after(() => glance.stop());
  beforeEach(() => {
    deleted = [];
    imported = undefined;
    tasks = [];
    glance.glance = (req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const url = req.url ?? '';
        if (req.method === 'POST' && url === '/v2/images') {
          json(res, 201, {
            id: '11111111-2222-3333-4444-555555555555',
            status: 'queued',
            ...JSON.parse(body),
          });
        } else if (req.method === 'POST' && url.endsWith('/import')) {
          imported = JSON.parse(body);
          res.writeHead(202).end();
        } else if (req.method === 'GET' && url.endsWith('/tasks')) {
          json(res, 200, { tasks });
        } else if (req.method === 'GET') {
          const status = statuses.length > 1 ? (statuses.shift() as string) : (statuses[0] ?? 'queued');
          json(res, 200, {
            id: '11111111-2222-3333-4444-555555555555',
            status,
            size: status === 'active' ? 4 : null,
            checksum: status === 'active' ? 'md5' : null,
          });
        } else if (req.method === 'DELETE') {
          deleted.push(url);
          res.writeHead(204).end();
        } else json(res, 404, {});
      });
    };
  });
  const client = () =>
    new GlanceClient({
      endpoint: glance.url,
      token: 'tok',
      requestId: 'req-1',
      timeoutMs: 5000,
      cloudName: 'zone-b',
    });
  const from = {
    region: 'RegionOne',
    imageId: 'aaaaaaaa-2222-3333-4444-555555555555',
    serviceInterface: 'public',
  };

  it('asks for the import as Glance takes it and waits until the image is active', async () => {
    statuses = ['importing', 'importing', 'active'];
    const stages: string[] = [];
    const image = await copyByGlanceDownload(
      client(),
      'zone-b',
      from,
      spec,
      {
        progress: (p) => stages.push(`${p.stage}:${p.detail ?? ''}`),
      },
      5,
    );
    assert.equal(image.status, 'active');
    assert.deepEqual(imported, glanceDownloadBody(from));
    assert.deepEqual(imported, {
      method: {
        name: 'glance-download',
        glance_image_id: from.imageId,
        glance_region: 'RegionOne',
        glance_service_interface: 'public',
      },
    });
    assert.ok(stages.includes('import:importing'), stages.join());
    assert.deepEqual(deleted, []);
  });

  it("fails with Glance's own reason, word for word, and deletes the half-made image", async () => {
    statuses = ['importing', 'queued'];
    tasks = [
      { id: 't1', status: 'success', message: '', created_at: '2026-01-01T00:00:00Z' },
      {
        id: 't2',
        status: 'failure',
        message: 'Source image status should be active instead of killed',
        created_at: '2026-01-02T00:00:00Z',
      },
    ];
    await assert.rejects(copyByGlanceDownload(client(), 'zone-b', from, spec, {}, 5), (err: unknown) => {
      assert.ok(err instanceof GimmingError);
      assert.equal(err.code, 'gimming.cloud.import_failed');
      assert.match(err.message, /: Source image status should be active instead of killed$/);
      return true;
    });
    assert.deepEqual(deleted, ['/v2/images/11111111-2222-3333-4444-555555555555']);
  });

  it('a cancel deletes the half-made image', async () => {
    statuses = ['importing'];
    const aborter = new AbortController();
    setTimeout(() => aborter.abort(), 30);
    await assert.rejects(
      copyByGlanceDownload(client(), 'zone-b', from, spec, { signal: aborter.signal }, 5),
      (err: unknown) => err instanceof GimmingError && err.code === 'gimming.task.cancelled',
    );
    assert.deepEqual(deleted, ['/v2/images/11111111-2222-3333-4444-555555555555']);
  });

  it('takes the newest import task', () => {
    assert.equal(
      newestTask([
        { id: 'old', status: 'failure', created_at: '2026-01-01T00:00:00Z' },
        { id: 'new', status: 'processing', created_at: '2026-02-01T00:00:00Z' },
      ])?.id,
      'new',
    );
  });
});
