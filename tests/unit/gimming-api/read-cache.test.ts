/**
 * [api] image_cache_time (src/gimming-api/read-cache.ts), with Keystone and the conductor stubbed: an image
 * list or show is given again from the API's cache only to the same token asking the same thing, within
 * the time, and never after a write this process served; off, every read asks the conductor.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../support/config';
import { GimmingError } from '../../../src/common/errors';
import { createApp } from '../../../src/gimming-api/app';
import { Healthcheck } from '../../../src/gimming-api/healthcheck';
import type { KeystoneValidator } from '../../../src/common/keystone/validator';
import type { ConductorAPI } from '../../../src/gimming-conductor/rpcapi';
import type { ImageChangeListener, ImageChangeSink } from '../../../src/common/image-changes';

/** A listener to the conductors' image changes driven by the test: `sink` is the cache it feeds. */
function fakeChanges(): { listener: ImageChangeListener; sink: () => ImageChangeSink } {
  let sink: ImageChangeSink | undefined;
  const listener = { listen: (s: ImageChangeSink) => (sink = s) } as unknown as ImageChangeListener;
  return { listener, sink: () => sink as ImageChangeSink };
}

const TOKENS = ['token-of-alice', 'token-of-bob'];
const IMAGE = '6c7d3f64-2b8e-4f5e-9a51-0c2f0e8e6a11';

interface Answer {
  status: number;
  body: any;
  type: string | undefined;
}

describe('gimming-api image read cache', () => {
  const servers: Server[] = [];
  let dir: string;
  const calls: string[] = [];
  /** How long getImage takes to answer (ms): a read under way while a write is served. */
  let showDelayMs = 0;
  /** The copies the answers show (a copy in a cloud: its metadata is read live). */
  let locations: unknown[] = [];

  const conductor = new Proxy(
    {},
    {
      get: (_target, method) => async () => {
        calls.push(String(method));
        const n = calls.length;
        if (method === 'getImage') {
          await new Promise((r) => setTimeout(r, showDelayMs));
          return { id: IMAGE, name: `answer-${n}`, owner: 'project', status: 'active', locations };
        }
        if (method === 'listImages') {
          return {
            items: [{ id: IMAGE, name: `answer-${n}`, owner: 'project', status: 'active', locations }],
            next_marker: null,
          };
        }
        return {};
      },
    },
  ) as unknown as ConductorAPI;
  const keystone = {
    wwwAuthenticateUri: 'http://keystone.invalid/v3',
    validate: async (token: string) => {
      if (!TOKENS.includes(token)) throw new GimmingError('gimming.auth.invalid_token', 401, 'Not a token.');
      return {
        user_id: token,
        project_id: 'project',
        roles: token === TOKENS[1] ? ['admin', 'member', 'reader'] : ['member', 'reader'],
        expires_at: new Date(Date.now() + 3600_000).toISOString(),
        service_catalog: [],
      };
    },
  } as unknown as KeystoneValidator;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'gimming-read-cache-'));
  });

  after(async () => {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    calls.length = 0;
    showDelayMs = 0;
    locations = [];
  });

  /** An API with `api` as its [api] group (and `more` after it); its base URL. */
  async function api(options: string, more = '', imageChanges?: ImageChangeListener): Promise<string> {
    const configFile = join(dir, `gimming-${servers.length}.conf`);
    writeFileSync(configFile, `[api]\n${options}\n${more}\n`);
    const app = createApp({
      config: loadConfig([configFile], {}),
      conductor,
      keystone,
      healthcheck: new Healthcheck([], false),
      ...(imageChanges ? { imageChanges } : {}),
    });
    const server = http.createServer(app.callback());
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  function send(base: string, method: string, path: string, token = TOKENS[0]): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        `${base}${path}`,
        { method, headers: { 'X-Auth-Token': token as string } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (text += d));
          res.on('end', () =>
            resolve({
              status: res.statusCode as number,
              body: text ? JSON.parse(text) : undefined,
              type: res.headers['content-type'],
            }),
          );
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  it('is off at 0: every list and show asks the conductor', async () => {
    const base = await api('image_cache_time = 0');
    for (let i = 0; i < 2; i++) {
      assert.equal((await send(base, 'GET', `/v1/images/${IMAGE}`)).status, 200);
      assert.equal((await send(base, 'GET', '/v1/images')).status, 200);
    }
    assert.deepEqual(calls, ['getImage', 'listImages', 'getImage', 'listImages']);
  });

  it('answers the same token asking the same thing again from the cache, anything else from the conductor', async () => {
    const base = await api('image_cache_time = 30');
    const first = await send(base, 'GET', `/v1/images/${IMAGE}`);
    assert.equal(first.status, 200);
    assert.equal(first.body.name, 'answer-1');
    const again = await send(base, 'GET', `/v1/images/${IMAGE}`);
    assert.deepEqual(again.body, first.body, 'the cached answer, byte for byte the same JSON');
    assert.equal(again.type, first.type);
    assert.match(String(again.type), /^application\/json/);
    assert.deepEqual(calls, ['getImage']);

    assert.equal(
      (await send(base, 'GET', `/v1/images/${IMAGE}`, TOKENS[1])).body.name,
      'answer-2',
      'another token',
    );
    assert.equal((await send(base, 'GET', '/v1/images')).body.images[0].name, 'answer-3');
    assert.equal(
      (await send(base, 'GET', '/v1/images?limit=5')).body.images[0].name,
      'answer-4',
      'another query',
    );
    assert.equal((await send(base, 'GET', '/v1/images')).body.images[0].name, 'answer-3', 'cached');
    const older = await new Promise<Answer>((resolve, reject) => {
      const req = http.request(
        `${base}/v1/images`,
        { headers: { 'X-Auth-Token': TOKENS[0] as string, 'OpenStack-API-Version': 'image-manager 1.1' } },
        (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () =>
            resolve({ status: res.statusCode as number, body: JSON.parse(text), type: undefined }),
          );
        },
      );
      req.on('error', reject);
      req.end();
    });
    assert.equal(older.body.images[0].name, 'answer-5', 'another microversion');
    assert.deepEqual(calls, ['getImage', 'getImage', 'listImages', 'listImages', 'listImages']);
  });

  it('empties on every write this process serves, and keeps nothing read while one ran', async () => {
    const base = await api('image_cache_time = 30');
    await send(base, 'GET', `/v1/images/${IMAGE}`);
    await send(base, 'GET', `/v1/images/${IMAGE}`);
    assert.deepEqual(calls, ['getImage']);
    assert.equal((await send(base, 'DELETE', `/v1/images/${IMAGE}`)).status < 500, true);
    assert.equal(
      (await send(base, 'GET', `/v1/images/${IMAGE}`)).body.name,
      'answer-3',
      'read again after the write',
    );

    // A show under way while a write is served: its answer (maybe from before the write) is not kept.
    calls.length = 0;
    showDelayMs = 200;
    const reading = send(base, 'GET', `/v1/images?name=other`);
    const slow = send(base, 'GET', `/v1/images/${IMAGE}?slow=1`);
    await new Promise((r) => setTimeout(r, 50));
    await send(base, 'DELETE', `/v1/images/${IMAGE}`);
    await Promise.all([reading, slow]);
    showDelayMs = 0;
    await send(base, 'GET', `/v1/images/${IMAGE}?slow=1`);
    assert.deepEqual(calls, ['listImages', 'getImage', 'deleteImage', 'getImage']);
  });

  it('asks the conductor again once the time is up', async () => {
    const base = await api('image_cache_time = 1');
    await send(base, 'GET', `/v1/images/${IMAGE}`);
    await send(base, 'GET', `/v1/images/${IMAGE}`);
    assert.deepEqual(calls, ['getImage']);
    await new Promise((r) => setTimeout(r, 1100));
    await send(base, 'GET', `/v1/images/${IMAGE}`);
    assert.deepEqual(calls, ['getImage', 'getImage']);
  });

  it('leaves errors out of the cache and policy before it', async () => {
    const base = await api('image_cache_time = 30');
    assert.equal((await send(base, 'GET', `/v1/images/${IMAGE}`, 'not-a-token')).status, 401);
    assert.equal((await send(base, 'GET', '/v1/images/not-an-id')).status, 404);
    assert.deepEqual(calls, []);
  });

  it('is on by default, and keeps nothing until it hears the conductors’ changes', async () => {
    const changes = fakeChanges();
    const base = await api('', '', changes.listener);
    await send(base, 'GET', `/v1/images/${IMAGE}`);
    await send(base, 'GET', `/v1/images/${IMAGE}`);
    assert.deepEqual(calls, ['getImage', 'getImage'], 'not hearing changes: every read asks');
    changes.sink().online();
    await send(base, 'GET', `/v1/images/${IMAGE}`);
    await send(base, 'GET', `/v1/images/${IMAGE}`);
    assert.deepEqual(calls, ['getImage', 'getImage', 'getImage'], 'hearing them: the default 5 s cache');
  });

  it('drops the answers a change of an image could have made stale, in this process, at once', async () => {
    const changes = fakeChanges();
    const base = await api('image_cache_time = 300', '', changes.listener);
    changes.sink().online();
    const read = async () => {
      await send(base, 'GET', `/v1/images/${IMAGE}`);
      await send(base, 'GET', '/v1/images');
      await send(base, 'GET', '/v1/images?all_projects=1', TOKENS[1]);
    };
    await read();
    await read();
    assert.equal(calls.length, 3, calls.join());

    calls.length = 0;
    changes.sink().changed({ images: [{ id: 'other-image', owner: 'other-project' }], all: false });
    await read();
    assert.deepEqual(calls, ['listImages'], 'another project’s image: only the all-projects list goes');

    calls.length = 0;
    changes.sink().changed({ images: [{ id: 'new-image', owner: 'project' }], all: false });
    await read();
    assert.deepEqual(calls, ['listImages', 'listImages'], 'a new image of the project: its lists go');

    calls.length = 0;
    changes.sink().changed({ images: [{ id: IMAGE, owner: null }], all: false });
    await read();
    assert.deepEqual(calls, ['getImage', 'listImages', 'listImages'], 'the image itself, owner unknown');

    calls.length = 0;
    changes.sink().changed({ images: [], all: true });
    await read();
    assert.equal(calls.length, 3, 'everything');
  });

  it('keeps no answer whose read was under way when a change it could show arrived', async () => {
    const changes = fakeChanges();
    const base = await api('image_cache_time = 300', '', changes.listener);
    changes.sink().online();
    showDelayMs = 200;
    const slow = send(base, 'GET', `/v1/images/${IMAGE}`);
    const other = send(base, 'GET', `/v1/images/${IMAGE}?other=1`);
    await new Promise((r) => setTimeout(r, 50));
    changes.sink().changed({ images: [{ id: 'unrelated', owner: 'elsewhere' }], all: false });
    changes.sink().changed({ images: [{ id: IMAGE, owner: 'project' }], all: false });
    await Promise.all([slow, other]);
    showDelayMs = 0;
    calls.length = 0;
    await send(base, 'GET', `/v1/images/${IMAGE}`);
    await send(base, 'GET', `/v1/images/${IMAGE}?other=1`);
    assert.deepEqual(calls, ['getImage', 'getImage'], 'both read again: neither was kept');
  });

  it('empties and keeps nothing while it cannot hear the changes, until it hears them again', async () => {
    const changes = fakeChanges();
    const base = await api('image_cache_time = 300', '', changes.listener);
    changes.sink().online();
    await send(base, 'GET', `/v1/images/${IMAGE}`);
    changes.sink().offline();
    await send(base, 'GET', `/v1/images/${IMAGE}`);
    await send(base, 'GET', `/v1/images/${IMAGE}`);
    assert.deepEqual(calls, ['getImage', 'getImage', 'getImage'], 'offline: neither answered nor kept');
    changes.sink().online();
    await send(base, 'GET', `/v1/images/${IMAGE}`);
    await send(base, 'GET', `/v1/images/${IMAGE}`);
    assert.equal(calls.length, 4, 'online again: kept');
  });

  it('keeps an answer with copies in clouds half of remote_cache_time at most, not at all at 0', async () => {
    locations = [{ cloud: 'zone-a', cloud_id: 'c1', image_id: 'remote-1', status: 'active' }];
    const uncached = await api('image_cache_time = 300', '[conductor]\nremote_cache_time = 0');
    await send(uncached, 'GET', `/v1/images/${IMAGE}`);
    await send(uncached, 'GET', `/v1/images/${IMAGE}`);
    await send(uncached, 'GET', '/v1/images');
    await send(uncached, 'GET', '/v1/images');
    assert.equal(calls.length, 4, 'a cloud change must show as soon as without this cache');
    await send(uncached, 'GET', '/v1/images?spec_only=true');
    await send(uncached, 'GET', '/v1/images?spec_only=true');
    assert.equal(calls.length, 5, 'the spec alone reads no cloud: kept');

    calls.length = 0;
    const halved = await api('image_cache_time = 300', '[conductor]\nremote_cache_time = 2');
    await send(halved, 'GET', `/v1/images/${IMAGE}`);
    await send(halved, 'GET', `/v1/images/${IMAGE}`);
    assert.deepEqual(calls, ['getImage']);
    await new Promise((r) => setTimeout(r, 1100));
    await send(halved, 'GET', `/v1/images/${IMAGE}`);
    assert.deepEqual(calls, ['getImage', 'getImage'], 'lapsed after 1 s, half of remote_cache_time');
  });
});
