/**
 * Creating an image from a URL (web-download), through the real daemons and both Glance zones, with the
 * protections: the URL's scheme, host and port, and every address it or a redirect leads to.
 *
 * The source is a plain HTTP server of the test on 127.0.0.2. The daemons allow its port and that one
 * address ([import_filtering] allowed_private_networks = 127.0.0.2/32): every other loopback or private
 * address stays refused, which is what the redirect tests lean on.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DaemonSet } from '../support/daemons';
import { waitForTasks } from '../support/flows';
import { http as request } from '../support/http';
import type { Glance, Token } from '../support/openstack';
import { useStack } from '../support/stack';

const DATA = randomBytes(3 * 1024 * 1024 + 17);
const MD5 = createHash('md5').update(DATA).digest('hex');
const SHA512 = createHash('sha512').update(DATA).digest('hex');

/** Serves /data, redirects, a 404, and a body cut short. */
function sourceServer(): Promise<Server> {
  const server = http.createServer((req, res) => {
    const port = (server.address() as AddressInfo).port;
    switch (req.url) {
      case '/data':
      case '/data?signature=s3cr3t-query':
        res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': DATA.length });
        res.end(DATA);
        return;
      case '/hop':
        res.writeHead(302, { Location: '/data' });
        res.end();
        return;
      case '/to-loopback':
        res.writeHead(302, { Location: `http://127.0.0.1:${port}/data` });
        res.end();
        return;
      case '/loop':
        res.writeHead(302, { Location: '/loop' });
        res.end();
        return;
      case '/short':
        res.writeHead(200, { 'Content-Length': DATA.length });
        res.write(DATA.subarray(0, 1024 * 1024));
        setTimeout(() => res.destroy(), 50);
        return;
      default:
        res.writeHead(404);
        res.end('no such thing');
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.2', () => resolve(server)));
}

describe('import an image from a URL', function () {
  this.timeout(180000);
  let daemons: DaemonSet;
  let api: string;
  let demo: Token;
  let server: Server;
  let base: string;
  let port: number;
  let glanceA: Glance;
  let glanceB: Glance;

  const stack = useStack({
    beforeStart: async () => {
      server = await sourceServer();
      port = (server.address() as AddressInfo).port;
      base = `http://127.0.0.2:${port}`;
    },
    extraConfig: () =>
      `[import_filtering]\nallowed_ports = 80,443,${port}\n` +
      'allowed_private_networks = 127.0.0.2/32\nmax_redirects = 3',
  });

  before(() => {
    ({ daemons, api, demo } = stack);
    [glanceA, glanceB] = [stack.glance('zone-a'), stack.glance('zone-b')];
  });

  after(async function () {
    this.timeout(60000);
    server?.close();
  });

  const create = (url: string, targets = ['zone-a', 'zone-b']) =>
    request('POST', `${api}/v1/images`, {
      token: demo.id,
      json: {
        name: 'imported',
        disk_format: 'raw',
        container_format: 'bare',
        source: { url },
        targets,
      },
    });

  const image = async (id: string) =>
    (await request('GET', `${api}/v1/images/${id}`, { token: demo.id })).body;
  const staged = () => [
    ...readdirSync(daemons.stagingDir('zone-a')),
    ...readdirSync(daemons.stagingDir('zone-b')),
  ];

  it('downloads once, then copies to every target; the URL is kept nowhere', async () => {
    const res = await create(`${base}/data?signature=s3cr3t-query`);
    assert.equal(res.status, 202, res.text);
    assert.equal(res.body.status, 'importing');
    const tasks = await waitForTasks(api, demo.id, res.body.id);
    assert.deepEqual(tasks.map((t) => [t.type, t.status]).sort(), [
      ['copy', 'succeeded'],
      ['copy', 'succeeded'],
      ['import', 'succeeded'],
    ]);
    const done = await image(res.body.id);
    assert.equal(done.status, 'active');
    assert.equal(done.size, DATA.length);
    assert.equal(done.checksum, MD5);
    assert.equal(done.os_hash_value, SHA512);
    for (const [cloud, glance] of [
      ['zone-a', glanceA],
      ['zone-b', glanceB],
    ] as const) {
      const l = done.locations.find((x: any) => x.cloud === cloud);
      const copy = await glance.get(l.image_id);
      assert.equal(copy.status, 'active');
      assert.equal(copy.checksum, MD5, `${cloud} holds the bytes`);
      assert.equal(copy.os_hash_value, SHA512);
    }
    assert.deepEqual(staged(), [], 'staging emptied once the copies are done');
    const leaks = daemons.names.filter((name) => daemons.logText(name).includes('s3cr3t-query'));
    assert.deepEqual(leaks, [], 'the query of the URL is in no log');
  });

  it('follows a redirect that stays within the rules', async () => {
    const res = await create(`${base}/hop`, ['zone-b']);
    assert.equal(res.status, 202, res.text);
    const tasks = await waitForTasks(api, demo.id, res.body.id);
    assert.ok(
      tasks.every((t) => t.status === 'succeeded'),
      JSON.stringify(tasks.map((t) => t.error)),
    );
    assert.equal((await image(res.body.id)).checksum, MD5);
  });

  it('refuses up front a URL the rules do not allow', async () => {
    const cases: Array<[string, string]> = [
      [`http://127.0.0.1:${port}/data`, 'loopback'],
      ['http://127.0.0.2:8080/data', 'port 8080'],
      ['http://10.1.2.3/data', '10.1.2.3'],
      ['http://[::1]/data', '::1'],
      ['http://[::ffff:127.0.0.1]/data', '127.0.0.1'],
      ['http://169.254.169.254/latest/meta-data/', 'linkLocal'],
      ['file:///etc/passwd', 'file'],
      ['ftp://example.com/x.img', 'ftp'],
      [`http://user:pass@127.0.0.2:${port}/data`, 'credentials'],
      ['not a url', 'valid'],
    ];
    for (const [url, why] of cases) {
      const res = await create(url);
      assert.equal(res.status, 400, `${url}: ${res.text}`);
      assert.ok(['gimming.import.url_refused', 'gimming.request.invalid'].includes(res.body.error.code), url);
      assert.ok(res.body.error.message.includes(why), `${url}: ${res.body.error.message}`);
      assert.ok(!res.text.includes('pass@'), 'credentials are not echoed');
    }
    const listed = await request('GET', `${api}/v1/images?name=imported&status=queued`, { token: demo.id });
    assert.equal(listed.body.images.length, 0, 'nothing was created');
  });

  /** Imports that the agent must stop: the task fails with `code`, the image waits for data again. */
  for (const [what, path, code] of [
    ['a redirect into loopback', '/to-loopback', 'gimming.import.url_refused'],
    ['a host name that resolves to loopback', 'localhost', 'gimming.import.url_refused'],
    ['a redirect loop', '/loop', 'gimming.import.too_many_redirects'],
    ['a source that answers 404', '/missing', 'gimming.import.source_error'],
    ['a source that stops half-way', '/short', ''],
  ] as const) {
    it(`stops ${what}, leaving nothing behind`, async () => {
      const url = path === 'localhost' ? `http://localhost:${port}/data` : `${base}${path}`;
      const res = await create(url);
      assert.equal(res.status, 202, res.text);
      const tasks = await waitForTasks(api, demo.id, res.body.id);
      assert.equal(tasks.length, 1, 'no copy started');
      const [task] = tasks;
      assert.equal(task.type, 'import');
      assert.equal(task.status, 'failed');
      if (code) assert.equal(task.error.code, code, task.error.message);
      else assert.ok(task.error.code.startsWith('gimming.'), JSON.stringify(task.error));
      const after = await image(res.body.id);
      assert.equal(after.status, 'queued', 'the image waits for data again');
      assert.equal(after.size, null);
      assert.deepEqual(staged(), [], 'nothing staged');
      assert.deepEqual(await glanceA.list({ gimming_image_id: res.body.id }), []);
      assert.deepEqual(await glanceB.list({ gimming_image_id: res.body.id }), []);
    });
  }
});
