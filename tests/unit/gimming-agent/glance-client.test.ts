/**
 * What the Glance driver follows, against a hostile Glance on loopback (tests/support/fake-cloud.ts):
 * `next` links that would move the host, that repeat, that go on past the caller's deadline, and error
 * bodies of 16 MiB built to make a regular expression backtrack. A second server on 127.0.0.2 plays the
 * internal host a link tries to reach: it must see nothing.
 */
import assert from 'node:assert/strict';
import { GimmingError } from '../../../src/common/errors';
import { GlanceClient } from '../../../src/gimming-agent/drivers/glance/client';
import { FakeCloud, fakeImage, json } from '../../support/fake-cloud';

const code = (expected: string) => (err: unknown) => {
  assert.ok(err instanceof GimmingError, String(err));
  assert.equal(err.code, expected, err.message);
  return true;
};

describe('the Glance driver against a hostile Glance', () => {
  let glance: FakeCloud;
  let internal: FakeCloud;

  before(async () => {
    glance = await new FakeCloud('127.0.0.1').start();
    internal = await new FakeCloud('127.0.0.2').start();
    internal.glance = (_req, res) => json(res, 200, { images: [fakeImage('leaked')] });
  });
  after(async () => {
    await glance.stop();
    await internal.stop();
  });
  beforeEach(() => {
    glance.seen.length = 0;
    internal.seen.length = 0;
  });

  const client = (endpoint = glance.url) =>
    new GlanceClient({ endpoint, token: 'tok', requestId: 'req-1', timeoutMs: 5000, cloudName: 'hostile' });

  it('follows next links of its endpoint, under a path prefix too', async () => {
    glance.glance = (req, res) => {
      const page = new URL(req.url ?? '/', 'http://x').searchParams.get('marker') ?? '0';
      const n = Number(page);
      json(res, 200, {
        images: [fakeImage(`img-${n}`)],
        ...(n < 2 ? { next: `/v2/images?limit=1&marker=${n + 1}` } : {}),
      });
    };
    const images = await client().listImages({}, 10);
    assert.deepEqual(
      images.map((i) => i.id),
      ['img-0', 'img-1', 'img-2'],
    );
    glance.seen.length = 0;
    await client(`${glance.url}/image`).listImages({}, 10);
    assert.ok(
      glance.seen.every((s) => s.url.startsWith('/image/v2/images')),
      JSON.stringify(glance.seen),
    );
  });

  for (const link of [
    (p: number) => `@127.0.0.2:${p}/v2/images`,
    (p: number) => `:${p}@127.0.0.2:${p}/v2/images`,
    (p: number) => `http://127.0.0.2:${p}/v2/images`,
    (p: number) => `.nip.io:${p}/v2/images`,
    () => `/../v2/images`,
  ]) {
    it(`refuses the next link ${link(1234)} and sends nothing there`, async () => {
      glance.glance = (_req, res) => json(res, 200, { images: [fakeImage('a')], next: link(internal.port) });
      await assert.rejects(
        client(`${glance.url}/image`).listImages({}, 10),
        code('gimming.cloud.link_refused'),
      );
      assert.equal(glance.seen.length, 1);
      assert.deepEqual(internal.seen, [], 'the internal host got no request');
    });
  }

  it('stops at an empty page, and at a link it already followed', async () => {
    glance.glance = (_req, res) => json(res, 200, { images: [], next: '/v2/images?marker=again' });
    assert.deepEqual(await client().listImages({}, 1000), []);
    assert.equal(glance.seen.length, 1);
    glance.seen.length = 0;
    glance.glance = (_req, res) =>
      json(res, 200, { images: [fakeImage('same')], next: '/v2/images?marker=m' });
    const images = await client().listImages({}, 1000);
    assert.equal(images.length, 2, 'the first page and the one of the link, once');
    assert.equal(glance.seen.length, 2);
  });

  it("stops at the caller's deadline", async () => {
    let n = 0;
    glance.glance = (_req, res) => {
      n += 1;
      setTimeout(() => json(res, 200, { images: [fakeImage(`i${n}`)], next: `/v2/images?marker=${n}` }), 150);
    };
    const started = Date.now();
    const deadline = started + 700;
    await assert.rejects(client().listImages({}, 1000, deadline), code('gimming.cloud.timeout'));
    const took = Date.now() - started;
    assert.ok(took < 1000, `gave up after ${took} ms`);
    await new Promise((r) => setTimeout(r, 400));
    assert.ok(
      glance.seen.every((s) => s.at <= deadline),
      'no page was asked for after the deadline',
    );
  });

  it('reads a 16 MiB hostile error body in well under a second', async () => {
    for (const body of ['<'.repeat(16 * 1024 * 1024), `<${'a'.repeat(16 * 1024 * 1024 - 1)}`]) {
      glance.glance = (_req, res) => {
        res.writeHead(400, { 'Content-Type': 'text/html', 'Content-Length': body.length });
        res.end(body);
      };
      const started = Date.now();
      await assert.rejects(client().getImage('x'), code('gimming.cloud.bad_request'));
      const took = Date.now() - started;
      assert.ok(took < 1000, `took ${took} ms`);
    }
  });
});
