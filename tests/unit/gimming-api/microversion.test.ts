/**
 * The microversion middleware through a real Koa app with the errors middleware in front: missing header
 * = minimum, `latest` = maximum, malformed = 400, out of range = 406, OpenStack-style JSON errors, and the
 * echo of the version served with Vary on every answer.
 */
import assert from 'node:assert/strict';
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { API_VERSION_HISTORY, MAX_API_VERSION, MIN_API_VERSION } from '../../../src/gimming-api/api-versions';
import { errorsAndAccessLog } from '../../../src/gimming-api/middleware/errors';
import { atLeast, microversion, negotiate } from '../../../src/gimming-api/middleware/microversion';
import { requestId } from '../../../src/gimming-api/middleware/request-id';

async function get(base: string, header?: string) {
  const res = await fetch(
    `${base}/v1/x`,
    header === undefined ? {} : { headers: { 'OpenStack-API-Version': header } },
  );
  return { status: res.status, headers: res.headers, body: (await res.json()) as any };
}

describe('REST microversions', () => {
  let server: Server;
  let base: string;
  before(async () => {
    const app = new Koa();
    app.silent = true;
    app.use(requestId());
    app.use(errorsAndAccessLog());
    app.use(microversion());
    app.use((ctx) => {
      ctx.body = { served: ctx.state.apiVersion.toString(), at_1_0: atLeast(ctx, '1.0') };
    });
    server = http.createServer(app.callback());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  it('serves the minimum version without a header, and echoes it with Vary', async () => {
    const a = await get(base);
    assert.equal(a.status, 200);
    assert.equal(a.body.served, MIN_API_VERSION);
    assert.equal(a.headers.get('openstack-api-version'), `image-manager ${MIN_API_VERSION}`);
    assert.match(a.headers.get('vary') ?? '', /OpenStack-API-Version/);
  });

  it('serves latest as the maximum, and another service type is ignored', async () => {
    assert.equal((await get(base, 'image-manager latest')).body.served, MAX_API_VERSION);
    assert.equal((await get(base, 'compute 2.90')).body.served, MIN_API_VERSION);
    assert.equal((await get(base, 'compute 2.1, image-manager 1.0')).body.served, '1.0');
  });

  it('refuses a version outside the range with 406 and an OpenStack-style body', async () => {
    for (const v of ['1.9999', '2.0', '0.9']) {
      const a = await get(base, `image-manager ${v}`);
      assert.equal(a.status, 406, v);
      assert.equal(a.body.error.code, 'gimming.request.version_not_supported');
      assert.equal(a.body.error.status, 406);
      assert.deepEqual(a.body.error.details, { min_version: MIN_API_VERSION, max_version: MAX_API_VERSION });
      assert.match(a.headers.get('vary') ?? '', /OpenStack-API-Version/);
    }
  });

  it('refuses a malformed version with 400', async () => {
    for (const v of [
      'image-manager 1',
      'image-manager one',
      'image-manager 1.01',
      'image-manager 1.0, image-manager 1.0',
    ]) {
      const a = await get(base, v);
      assert.equal(a.status, 400, v);
      assert.equal(a.body.error.code, 'gimming.request.invalid_version');
    }
  });

  it('negotiate() compares numerically, not as text', () => {
    assert.equal(negotiate(undefined).toString(), MIN_API_VERSION);
    assert.throws(() => negotiate('image-manager 1.10'), /not supported/);
  });

  it('has every minor version once, in order, up to 1.8: a new one is a decision this test names', () => {
    assert.deepEqual(
      API_VERSION_HISTORY.map((v) => v.minor),
      [0, 1, 2, 3, 4, 5, 6, 7, 8],
    );
    assert.equal(MAX_API_VERSION, '1.8');
    assert.match(
      API_VERSION_HISTORY[8]!.change,
      /native_copy_limit.*native_copy_unavailable.*incremental_conversion/,
    );
  });
});
