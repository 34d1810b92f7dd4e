/**
 * Microversion negotiation of the SDK (and so of the CLI, which is built on it), against the real API app
 * (its version document, microversion middleware and browse controller) with the conductor and Keystone
 * stood in: the highest version both know is sent, a version the user asks for is sent or refused before
 * any call with both ranges named, and browsing a cloud follows `next` at 1.1 and is one page at 1.0.
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
import { MAX_API_VERSION } from '../../../src/gimming-api/api-versions';
import {
  CLIENT_MAX_API_VERSION,
  chooseApiVersion,
  serverVersions,
} from '../../../src/gimmingclient/api-version';
import { GimmingClient } from '../../../src/gimmingclient/client';
import { GimmingClientError } from '../../../src/gimmingclient/errors';
import { Session } from '../../../src/gimmingclient/session';

const TOKEN = 'a-member-token';
const IMAGES = Array.from({ length: 5 }, (_, i) => ({
  id: `ami-${i}`,
  created_at: '2026-01-01T00:00:00Z',
  tracked_by: null,
  name: `image-${i}`,
}));

function listen(handler: http.RequestListener): Promise<{ server: Server; base: string }> {
  const server = http.createServer(handler);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }),
    ),
  );
}

describe('SDK microversion negotiation', () => {
  let api: { server: Server; base: string };
  let keystone: { server: Server; base: string };
  let dir: string;
  /** The OpenStack-API-Version of each request to the API, and the limit each browse asked the conductor. */
  const sent: Array<string | undefined> = [];
  const asked: number[] = [];
  const pageAsks: Array<{ limit: number; marker?: string }> = [];
  let conductorPaging: 'old-conductor' | 'old-agent' | 'paged' = 'old-conductor';
  /** What each sync asked the conductor. */
  const synced: unknown[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gimming-mv-'));
    writeFileSync(join(dir, 'gimming.conf'), '[api]\ndefault_limit = 2\n');
    const conductor = {
      listCloudImages: async (_ctx: unknown, args: { limit: number }) => {
        asked.push(args.limit);
        return IMAGES.slice(0, args.limit);
      },
      // RPC 1.19 as `conductorPaging` says: a conductor older than it (undefined: the API pages by count,
      // the window), one whose agent is older (paged false: the same), or pages made by the agent.
      listCloudImagesPage: async (_ctx: unknown, args: { limit: number; marker?: string }) => {
        pageAsks.push(args);
        if (conductorPaging === 'old-conductor') return undefined;
        if (conductorPaging === 'old-agent')
          return { images: IMAGES.slice(0, 1), next_marker: null, paged: false };
        const start = args.marker === undefined ? 0 : Number(args.marker.slice('~p1.'.length));
        const end = start + args.limit;
        return {
          images: IMAGES.slice(start, end),
          next_marker: end < IMAGES.length ? `~p1.${end}` : null,
          paged: true,
        };
      },
      syncImage: async (_ctx: unknown, args: { image_id: string }) => {
        synced.push(args);
        return { id: args.image_id };
      },
    } as unknown as ConductorAPI;
    const validator = {
      wwwAuthenticateUri: 'http://keystone.invalid/v3',
      validate: async (token: string) => {
        if (token !== TOKEN) throw new GimmingError('gimming.auth.invalid_token', 401, 'Not a token.');
        return {
          user_id: 'user',
          project_id: 'project',
          roles: ['member', 'reader'],
          expires_at: new Date(Date.now() + 3600_000).toISOString(),
          service_catalog: [],
        };
      },
    } as unknown as KeystoneValidator;
    const app = createApp({
      config: loadConfig([join(dir, 'gimming.conf')], {}),
      conductor,
      keystone: validator,
      healthcheck: new Healthcheck([], false),
    });
    const callback = app.callback();
    api = await listen((req, res) => {
      if (req.url?.startsWith('/v1/clouds')) sent.push(req.headers['openstack-api-version'] as string);
      void callback(req, res);
    });
    keystone = await listen((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(201, { 'Content-Type': 'application/json', 'X-Subject-Token': TOKEN });
        const expires = new Date(Date.now() + 3600_000).toISOString();
        res.end(JSON.stringify({ token: { expires_at: expires, catalog: [], project: { id: 'project' } } }));
      });
    });
  });

  after(async () => {
    await new Promise((r) => api.server.close(r));
    await new Promise((r) => keystone.server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    sent.length = 0;
    asked.length = 0;
    pageAsks.length = 0;
    conductorPaging = 'old-conductor';
  });

  function client(apiVersion?: string): GimmingClient {
    return new GimmingClient(
      new Session(
        {
          endpoint_override: api.base,
          auth: { auth_url: `${keystone.base}/v3`, username: 'u', password: 'p', project_name: 'p' },
        },
        apiVersion === undefined ? {} : { apiVersion },
      ),
    );
  }

  it("sends a sync's incremental_from (SDK incrementalFrom), refused by a server below 1.5", async () => {
    const id = '0b0e2b4e-3a70-4c57-9d0c-6a1d3f0f4e21';
    const base = '5F3C9E1A-7B2D-4E6F-8A9B-0C1D2E3F4A5B';
    synced.length = 0;
    await client().images.sync(id, ['zone-b'], { incrementalFrom: base });
    assert.deepEqual(synced, [
      { image_id: id, targets: ['zone-b'], on_conflict: 'refuse', incremental_from: base.toLowerCase() },
    ]);
    await assert.rejects(
      client('1.4').images.sync(id, ['zone-b'], { incrementalFrom: base }),
      /incremental_from needs API microversion 1\.5/,
    );
    assert.equal(synced.length, 1, 'nothing sent to the conductor below 1.5');
  });

  it('sends the highest version both know, and follows the browse pages at it', async () => {
    const c = client();
    assert.equal(await c.session.apiVersion(), MAX_API_VERSION);
    const images = await c.clouds.images('zone-a', { pageSize: 2 });
    assert.deepEqual(
      images.map((i) => i.id),
      IMAGES.map((i) => i.id),
    );
    assert.deepEqual(sent, Array(3).fill(`image-manager ${CLIENT_MAX_API_VERSION}`));
    // The limit stops the walk, the last page asked for only what is left.
    assert.deepEqual(
      (await c.clouds.images('zone-a', { pageSize: 2, limit: 3 })).map((i) => i.id),
      ['ami-0', 'ami-1', 'ami-2'],
    );
    // Without a page size, the server's default_limit (2) is the page.
    assert.equal((await c.clouds.images('zone-a')).length, 5);
  });

  it('sends the version asked for: at 1.0, one page and no next', async () => {
    const c = client('1.0');
    assert.equal(await c.session.apiVersion(), '1.0');
    assert.deepEqual(
      (await c.clouds.images('zone-a', { pageSize: 2 })).map((i) => i.id),
      ['ami-0', 'ami-1'],
    );
    assert.deepEqual(sent, ['image-manager 1.0']);
    assert.equal(await client('latest').session.apiVersion(), MAX_API_VERSION);
  });

  it('refuses, before any call, a version the server or the client does not know', async () => {
    for (const [version, message] of [
      [
        '1.1000',
        new RegExp(
          `not known to this client, which knows 1\\.0 to ${CLIENT_MAX_API_VERSION.replace('.', '\\.')}`,
        ),
      ],
      ['0.9', /not known to this client/],
      ['one', /is not a version/],
    ] as const) {
      await assert.rejects(client(version).clouds.images('zone-a'), (err: GimmingClientError) => {
        assert.equal(err.code, 'client.api_version');
        assert.match(err.message, message);
        return true;
      });
    }
    assert.deepEqual(sent, [], 'no call was made');
    // A server whose range excludes what was asked.
    assert.throws(
      () => chooseApiVersion({ min: '1.0', max: '1.0' }, '1.1'),
      /1\.1 is not served by the server, which serves 1\.0 to 1\.0/,
    );
  });

  it('negotiates each side of a range the other does not reach', () => {
    assert.equal(chooseApiVersion({ min: '1.0', max: '1.0' }), '1.0', 'an older server');
    assert.equal(chooseApiVersion({ min: '1.0', max: '1.9' }), CLIENT_MAX_API_VERSION, 'a newer server');
    assert.equal(chooseApiVersion({ min: '1.0', max: '1.9' }, 'latest'), CLIENT_MAX_API_VERSION);
    assert.throws(() => chooseApiVersion({ min: '1.9', max: '1.10' }), /none in common; upgrade the client/);
    assert.throws(
      () => chooseApiVersion({ min: '1.0', max: '1.9' }, undefined, { min: '2.0', max: '2.1' }),
      /upgrade the server/,
    );
    // A server before microversions: no header, and 1.0 is what it serves.
    assert.equal(chooseApiVersion(null), null);
    assert.equal(chooseApiVersion(null, '1.0'), null);
    assert.throws(() => chooseApiVersion(null, '1.1'), /serves no microversions/);
    assert.equal(serverVersions({ version: { id: 'v1.0', status: 'CURRENT' } }), null);
    assert.deepEqual(serverVersions({ version: { min_version: '1.0', version: '1.1' } }), {
      min: '1.0',
      max: '1.1',
    });
  });

  it('the API pages a browse at 1.1 only: marker, next, bad marker; 1.0 as before', async () => {
    const token = { 'X-Auth-Token': TOKEN };
    const at = (v: string) => ({ ...token, 'OpenStack-API-Version': `image-manager ${v}` });
    const first = await fetch(`${api.base}/v1/clouds/zone-a/images?limit=2`, { headers: at('1.1') });
    const body = (await first.json()) as { images: Array<{ id: string }>; next?: string };
    assert.deepEqual(
      body.images.map((i) => i.id),
      ['ami-0', 'ami-1'],
    );
    assert.equal(body.next, '/v1/clouds/zone-a/images?limit=2&marker=ami-1');
    assert.deepEqual(asked, [3], 'the first page asks the cloud for one more than the page');
    const last = (await (
      await fetch(`${api.base}/v1/clouds/zone-a/images?limit=2&marker=ami-3`, { headers: at('1.1') })
    ).json()) as { images: Array<{ id: string }>; next?: string };
    assert.deepEqual(
      last.images.map((i) => i.id),
      ['ami-4'],
    );
    assert.equal(last.next, undefined, 'no next link on the last page');
    const bad = await fetch(`${api.base}/v1/clouds/zone-a/images?marker=ami-gone`, { headers: at('1.1') });
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { error: { code: string } }).error.code, 'gimming.list.bad_marker');
    const old = (await (
      await fetch(`${api.base}/v1/clouds/zone-a/images?limit=2`, { headers: token })
    ).json()) as { images: unknown[]; next?: string };
    assert.equal(old.images.length, 2);
    assert.equal(old.next, undefined, '1.0 has no next link');
  });

  it('pages a browse by the markers the agents make (RPC 1.19): next exactly while more, the marker passed on', async () => {
    conductorPaging = 'paged';
    const headers = { 'X-Auth-Token': TOKEN, 'OpenStack-API-Version': 'image-manager 1.1' };
    const ids: string[] = [];
    let path: string | undefined = '/v1/clouds/zone-a/images?limit=2';
    const nexts: Array<string | undefined> = [];
    while (path !== undefined) {
      const body = (await (await fetch(`${api.base}${path}`, { headers })).json()) as {
        images: Array<{ id: string }>;
        next?: string;
      };
      ids.push(...body.images.map((i) => i.id));
      nexts.push(body.next);
      path = body.next;
    }
    assert.deepEqual(ids, ['ami-0', 'ami-1', 'ami-2', 'ami-3', 'ami-4']);
    assert.deepEqual(nexts, [
      '/v1/clouds/zone-a/images?limit=2&marker=%7Ep1.2',
      '/v1/clouds/zone-a/images?limit=2&marker=%7Ep1.4',
      undefined,
    ]);
    assert.deepEqual(pageAsks, [
      { cloud: 'zone-a', limit: 2 },
      { cloud: 'zone-a', limit: 2, marker: '~p1.2' },
      { cloud: 'zone-a', limit: 2, marker: '~p1.4' },
    ]);
    assert.deepEqual(asked, [], 'no window');
    const long = await fetch(`${api.base}/v1/clouds/zone-a/images?marker=${'x'.repeat(2049)}`, { headers });
    assert.equal(long.status, 400);
  });

  it('falls back to the window when the cloud agent is older than paging (paged false)', async () => {
    conductorPaging = 'old-agent';
    const headers = { 'X-Auth-Token': TOKEN, 'OpenStack-API-Version': 'image-manager 1.1' };
    const body = (await (
      await fetch(`${api.base}/v1/clouds/zone-a/images?limit=2&marker=ami-1`, { headers })
    ).json()) as { images: Array<{ id: string }>; next?: string };
    assert.deepEqual(
      body.images.map((i) => i.id),
      ['ami-2', 'ami-3'],
    );
    assert.equal(body.next, '/v1/clouds/zone-a/images?limit=2&marker=ami-3');
    assert.equal(pageAsks.length, 1);
    assert.deepEqual(asked, [1000], 'the window, as before 1.19');
  });
});
