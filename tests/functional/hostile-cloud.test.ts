/**
 * A project's own cloud that plays against the agent, through the real daemons: the project registers a
 * cloud whose Keystone and Glance are a fake server of the test on 127.0.0.1 (tests/support/fake-cloud.ts,
 * allowed by [project_clouds] allowed_private_networks = 127.0.0.1/32), then browses it. The cloud
 * answers `next` links to an internal host (a second fake on 127.0.0.2, which must see nothing), links
 * that never end, 16 MiB bodies and catalogs built to make a regular expression backtrack, and pages that
 * go on past the caller's deadline. The API also refuses, up front, import URLs and auth_urls in the
 * IPv4-compatible IPv6 form of loopback, and hosts of the import deny list written with a trailing dot.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { FakeCloud, fakeImage, imageCatalog, json, tokenAnswer } from '../support/fake-cloud';
import { http } from '../support/http';
import type { Token } from '../support/openstack';
import { useStack } from '../support/stack';

const MiB16 = 16 * 1024 * 1024;

describe('a hostile project cloud', function () {
  this.timeout(180000);
  let api: string;
  let demo: Token;
  let cloud: FakeCloud;
  let internal: FakeCloud;
  const name = `hostile-${randomBytes(3).toString('hex')}`;

  const stack = useStack({
    zones: ['zone-b'],
    registerClouds: false,
    extraConfig:
      // The API waits for the conductor past the agent call's own deadline (60 s).
      '[DEFAULT]\nrpc_response_timeout = 90\n' +
      '[project_clouds]\nallowed_private_networks = 127.0.0.1/32\n' +
      '[import_filtering]\ndisallowed_hosts = blocked.example\n',
  });

  before(async function () {
    ({ api, demo } = stack);
    cloud = await new FakeCloud('127.0.0.1').start();
    internal = await new FakeCloud('127.0.0.2').start();
    internal.glance = (_req, res) => json(res, 200, { images: [fakeImage('internal')] });
    const res = await http('POST', `${api}/v1/clouds`, {
      token: demo.id,
      json: {
        name,
        type: 'openstack',
        region_name: 'RegionTwo',
        zone: 'zone-b',
        scope: 'project',
        auth_url: `${cloud.url}/v3`,
      },
    });
    assert.equal(res.status, 201, res.text);
  });

  after(async function () {
    this.timeout(60000);
    await cloud?.stop();
    await internal?.stop();
  });

  beforeEach(() => {
    cloud.seen.length = 0;
    internal.seen.length = 0;
    cloud.catalog = (base) => imageCatalog(base);
    cloud.tokenBody = undefined;
  });

  /** Browses the cloud; a `password` other than the default makes a new session (token and catalog). */
  const browse = (password = 'p') =>
    http('GET', `${api}/v1/clouds/${name}/images`, {
      token: demo.id,
      headers: {
        'X-Cloud-Credentials': Buffer.from(JSON.stringify({ [name]: { username: 'u', password } })).toString(
          'base64',
        ),
      },
    });
  const pages = () => cloud.seen.filter((s) => s.url.startsWith('/v2/images'));

  it('lists the images of its pages', async () => {
    cloud.glance = (req, res) => {
      const marker = new URL(req.url ?? '/', 'http://x').searchParams.get('marker');
      json(res, 200, {
        images: [fakeImage(marker ? 'second' : 'first')],
        ...(marker ? {} : { next: '/v2/images?marker=first' }),
      });
    };
    const res = await browse();
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(
      res.body.images.map((i: any) => i.id),
      ['first', 'second'],
    );
  });

  it('refuses a next link to another host, which gets nothing', async () => {
    cloud.glance = (_req, res) =>
      json(res, 200, { images: [fakeImage('a')], next: `@127.0.0.2:${internal.port}/v2/images` });
    const res = await browse();
    assert.equal(res.status, 502, res.text);
    assert.equal(res.body.error.code, 'gimming.cloud.link_refused');
    assert.deepEqual(internal.seen, [], 'nothing was sent to the internal host');
  });

  it('ends a listing at an empty page, and at a link it already followed', async () => {
    cloud.glance = (_req, res) => json(res, 200, { images: [], next: '/v2/images?marker=more' });
    const empty = await browse();
    assert.equal(empty.status, 200, empty.text);
    assert.deepEqual(empty.body.images, []);
    assert.equal(pages().length, 1);
    cloud.seen.length = 0;
    cloud.glance = (_req, res) =>
      json(res, 200, { images: [fakeImage('same')], next: '/v2/images?marker=m' });
    const repeated = await browse();
    assert.equal(repeated.status, 200, repeated.text);
    assert.equal(pages().length, 2, 'the first page and its link, once');
  });

  it('answers a 16 MiB error body built to backtrack in seconds, not days', async () => {
    for (const body of ['<'.repeat(MiB16), `<${'a'.repeat(MiB16 - 1)}`]) {
      cloud.glance = (_req, res) => {
        res.writeHead(400, { 'Content-Type': 'text/html', 'Content-Length': body.length });
        res.end(body);
      };
      const started = Date.now();
      const res = await browse();
      const took = Date.now() - started;
      assert.equal(res.status, 400, res.text);
      assert.equal(res.body.error.code, 'gimming.cloud.bad_request');
      assert.ok(res.text.length < 2000, 'the message is short');
      assert.ok(took < 3000, `answered in ${took} ms`);
    }
  });

  it('answers a 16 MiB catalog built to backtrack in seconds, not days', async () => {
    // The image endpoint's URL: millions of slashes that do not end it, the worst case of /\/+$/.
    cloud.tokenBody = (base) =>
      JSON.stringify(tokenAnswer(imageCatalog(`${base}${'/'.repeat(MiB16 - 4096)}x`)));
    cloud.glance = (_req, res) => json(res, 200, { images: [] });
    const started = Date.now();
    const res = await browse('hostile-catalog');
    const took = Date.now() - started;
    assert.ok(res.status >= 400, res.text);
    assert.ok(took < 3000, `answered in ${took} ms`);
    cloud.tokenBody = undefined;
    cloud.glance = (_req, r) => json(r, 200, { images: [fakeImage('after')] });
    const after = await browse('after-the-catalog');
    assert.equal(after.status, 200, `the agent still answers: ${after.text}`);
  });

  it('refuses an auth_url in the IPv4-compatible form of loopback', async () => {
    for (const authUrl of ['http://[::127.0.0.1]:5000/v3', 'http://[::7f00:1]/v3']) {
      const res = await http('POST', `${api}/v1/clouds`, {
        token: demo.id,
        json: {
          name: `x-${randomBytes(3).toString('hex')}`,
          type: 'openstack',
          region_name: 'RegionTwo',
          zone: 'zone-b',
          scope: 'project',
          auth_url: authUrl,
        },
      });
      assert.equal(res.status, 400, `${authUrl}: ${res.text}`);
      assert.equal(res.body.error.code, 'gimming.cloud.endpoint_refused');
    }
  });

  it('refuses imports from IPv4-compatible addresses and denied hosts with a trailing dot', async () => {
    for (const url of [
      'http://[::127.0.0.1]/',
      'http://[::169.254.169.254]/latest/meta-data/',
      'http://blocked.example./image.qcow2',
      'http://BLOCKED.example/image.qcow2',
    ]) {
      const res = await http('POST', `${api}/v1/images`, {
        token: demo.id,
        json: {
          name: 'imported',
          disk_format: 'raw',
          container_format: 'bare',
          source: { url },
          targets: [name],
        },
      });
      assert.equal(res.status, 400, `${url}: ${res.text}`);
      assert.equal(res.body.error.code, 'gimming.import.url_refused', url);
    }
  });

  it("stops paging at the caller's deadline", async function () {
    this.timeout(150000);
    let n = 0;
    cloud.glance = (_req, res) => {
      n += 1;
      const page = n;
      setTimeout(
        () => json(res, 200, { images: [fakeImage(`p${page}`)], next: `/v2/images?marker=${page}` }),
        1000,
      );
    };
    const res = await browse();
    const answered = Date.now();
    assert.ok(res.status >= 500, res.text);
    await new Promise((r) => setTimeout(r, 4000));
    const late = pages().filter((s) => s.at > answered + 1000);
    assert.deepEqual(late, [], 'no page was asked for after the deadline');
    assert.ok(pages().length > 10, 'it paged until then');
  });
});
