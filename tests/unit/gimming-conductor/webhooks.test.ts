/**
 * Webhooks' pure parts: the event type patterns, the signature a receiver checks, and the secrets kept
 * encrypted (bound to their webhook, openable after a key rotation, refused without a key).
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { GimmingError } from '../../../src/common/errors';
import { matchesAny } from '../../../src/gimming-conductor/webhook-events';
import { WebhookSecrets, newWebhookSecret, signBody } from '../../../src/gimming-conductor/webhook-secrets';

const KEY_A = 'a'.repeat(40);
const KEY_B = 'b'.repeat(40);

describe('webhook event patterns', () => {
  const cases: Array<[string, string[], boolean]> = [
    ['gimming.image.sync.end', ['image.*'], true],
    ['gimming.image.sync.end', ['gimming.image.*'], true],
    ['gimming.image.sync.end', ['*.end'], true],
    ['gimming.location.delete.end', ['*.end'], true],
    ['gimming.image.sync.start', ['*.end'], false],
    ['gimming.image.lifecycle.deprecate', ['image.lifecycle.*'], true],
    ['gimming.image.create', ['image.lifecycle.*'], false],
    ['gimming.image.drift', ['*'], true],
    ['gimming.image.drift', ['image.sync.end', 'image.drift'], true],
    // A dot is a dot, not any character.
    ['gimming.imageXsync.end', ['image.sync.end'], false],
    ['gimming.location.delete.end', ['image.*'], false],
  ];
  for (const [type, patterns, expected] of cases) {
    it(`${type} ${expected ? 'matches' : 'does not match'} ${patterns.join(', ')}`, () => {
      assert.equal(matchesAny(type, patterns), expected);
    });
  }
});

describe('webhook signatures and secrets', () => {
  it('signs the body with HMAC-SHA256, as a receiver checks it', () => {
    const body = '{"event_type":"gimming.webhook.ping"}';
    const expected = createHmac('sha256', 'the-secret').update(body).digest('hex');
    assert.equal(signBody('the-secret', body), `sha256=${expected}`);
    assert.equal(signBody('the-secret', Buffer.from(body)), `sha256=${expected}`);
  });

  it('makes a secret of 32 random bytes', () => {
    const a = newWebhookSecret();
    assert.match(a, /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(a, newWebhookSecret());
  });

  it('keeps a secret encrypted and bound to its webhook and project', () => {
    const secrets = new WebhookSecrets([KEY_A]);
    const sealed = secrets.seal('s3cret-value', 'hook-1', 'project-1');
    assert.match(sealed, /^v1\.[0-9a-f]{8}\./);
    assert.ok(!sealed.includes('s3cret-value'));
    assert.equal(secrets.open(sealed, 'hook-1', 'project-1'), 's3cret-value');
    assert.throws(() => secrets.open(sealed, 'hook-2', 'project-1'), /does not open/);
    assert.throws(() => secrets.open(sealed, 'hook-1', 'project-2'), /does not open/);
  });

  it('opens what an older key sealed after a rotation, and says which key is missing', () => {
    const sealed = new WebhookSecrets([KEY_A]).seal('v', 'h', 'p');
    assert.equal(new WebhookSecrets([KEY_B, KEY_A]).open(sealed, 'h', 'p'), 'v');
    assert.throws(
      () => new WebhookSecrets([KEY_B]).open(sealed, 'h', 'p'),
      (err: Error) => /encryption_keys lacks/.test(err.message) && !err.message.includes(KEY_A),
    );
  });

  it('refuses to create webhooks without a key (503), and a key too short at start-up', () => {
    assert.throws(
      () => new WebhookSecrets([]).seal('v', 'h', 'p'),
      (err: unknown) =>
        err instanceof GimmingError && err.status === 503 && err.code === 'gimming.webhook.not_configured',
    );
    assert.throws(() => new WebhookSecrets(['short']), /fewer than 32/);
  });
});
