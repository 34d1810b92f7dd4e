/**
 * The text a cloud or a user sends is trimmed and stripped in linear time: each of these inputs is 16 MiB
 * (the largest body an agent reads) shaped to make a backtracking regular expression rescan it from
 * every position, which took minutes before.
 */
import assert from 'node:assert/strict';
import { RequestContext } from '../../../src/common/context';
import { secretHref } from '../../../src/common/cloud-credentials/key-manager';
import { trimTrailingSlashes, withoutVersionSuffix } from '../../../src/common/trim';
import { glanceMessage } from '../../../src/gimming-agent/drivers/glance/errors';
import { glanceEndpointIn } from '../../../src/gimming-agent/drivers/glance/endpoint';

const MiB16 = 16 * 1024 * 1024;
/** Slashes that do not end the string: the worst case of `/\/+$/`. */
const slashes = `http://cloud.example${'/'.repeat(MiB16)}x`;

function timed<T>(what: string, fn: () => T): T {
  const started = process.hrtime.bigint();
  const result = fn();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  assert.ok(ms < 500, `${what} took ${ms.toFixed(0)} ms`);
  return result;
}

describe('linear trims of hostile 16 MiB input', () => {
  it('trims trailing slashes and a version suffix as a regular expression would, and fast', () => {
    assert.equal(trimTrailingSlashes('http://a/b///'), 'http://a/b');
    assert.equal(trimTrailingSlashes('///'), '');
    assert.equal(withoutVersionSuffix('http://k:5000/v3/', 'v3'), 'http://k:5000');
    assert.equal(withoutVersionSuffix('http://k:5000/v30', 'v3'), 'http://k:5000/v30');
    assert.equal(
      timed('trimTrailingSlashes', () => trimTrailingSlashes(slashes)),
      slashes,
    );
    assert.equal(
      timed('withoutVersionSuffix', () => withoutVersionSuffix(slashes, 'v3')),
      slashes,
    );
    const trailing = `http://cloud.example/v1${'/'.repeat(MiB16)}`;
    assert.equal(
      timed('trailing run', () => withoutVersionSuffix(trailing, 'v1')),
      'http://cloud.example',
    );
  });

  it('takes the image endpoint of a hostile catalog', () => {
    const catalog = [{ type: 'image', endpoints: [{ interface: 'public', region: 'R', url: slashes }] }];
    assert.equal(
      timed('glanceEndpointIn', () => glanceEndpointIn(catalog, 'R', 'public')),
      slashes,
    );
    const versioned = [
      { type: 'image', endpoints: [{ interface: 'public', region: 'R', url: 'http://g/v2.1//' }] },
    ];
    assert.equal(glanceEndpointIn(versioned, 'R', 'public'), 'http://g');
  });

  it('checks a credentials_ref against a hostile key-manager catalog', () => {
    const ctx = new RequestContext({
      request_id: 'req-x',
      roles: [],
      service_catalog: [
        { type: 'key-manager', endpoints: [{ interface: 'public', region: 'R', url: slashes }] },
      ],
    });
    const ref = `${slashes}/v1/secrets/0a7c7f8e-8a4b-4f3e-9a0e-1d2c3b4a5f60`;
    const href = timed('secretHref', () => secretHref(ctx, ref, { interface: 'public', regionName: 'R' }));
    assert.ok(href.endsWith('/v1/secrets/0a7c7f8e-8a4b-4f3e-9a0e-1d2c3b4a5f60'));
  });

  it('finds the message of a hostile Glance error body', () => {
    assert.equal(glanceMessage('<html><body><h1>400 Bad Request</h1>bad  size</body></html>'), 'bad size');
    assert.equal(glanceMessage('{"error": {"message": "no such image"}}'), 'no such image');
    for (const [name, body] of [
      ['unclosed tags', '<'.repeat(MiB16)],
      ['one long tag', `<${'a'.repeat(MiB16)}`],
      ['spaces', `${' '.repeat(MiB16)}x`],
      ['JSON-looking', `{"error": {"message": "${'<'.repeat(MiB16)}`],
    ] as const) {
      const message = timed(name, () => glanceMessage(body));
      assert.ok(message.length <= 303, name);
    }
  });
});
