/**
 * The secrets webhooks are signed with. The conductor must sign every delivery, so it keeps each secret
 * (a hash would not do); it keeps it encrypted with AES-256-GCM under a key derived (HKDF-SHA256) from one
 * of `[webhooks] encryption_keys`, bound to the webhook's ID and project (additional data), so a sealed
 * secret copied to another row opens to nothing. A database dump alone thus holds no usable secret.
 *
 * Sealed form: `v1.<key id>.<base64url(iv | ciphertext | tag)>`, the key id being 8 hex digits of a hash
 * of the derived key (it names the key without revealing it), so a rotation finds the right key.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { GimmingError } from '../common/errors';

const VERSION = 'v1';
const INFO = 'gimming-webhook-secret-v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const MIN_KEY_CHARS = 32;

/** The header a delivery's signature travels in: `sha256=<hex HMAC-SHA256 of the body>`. */
export const SIGNATURE_HEADER = 'X-Gimming-Signature';

/** A new webhook's secret: 32 random bytes, as URL-safe base64 (what the user is shown once). */
export function newWebhookSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** The signature header's value for a body. */
export function signBody(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

interface Key {
  id: string;
  key: Buffer;
}

function binding(webhookId: string, owner: string, keyId: string): Buffer {
  return Buffer.from(`${INFO}\n${keyId}\n${owner}\n${webhookId}`, 'utf8');
}

export class WebhookSecrets {
  private readonly keys: Key[];

  /** `keys`: `[webhooks] encryption_keys`; a key too short stops the conductor at start-up. */
  constructor(keys: readonly string[]) {
    this.keys = keys.map((text, i) => {
      if (text.length < MIN_KEY_CHARS) {
        throw new Error(
          `[webhooks] encryption_keys: key ${i + 1} has fewer than ${MIN_KEY_CHARS} characters`,
        );
      }
      const key = Buffer.from(hkdfSync('sha256', Buffer.from(text, 'utf8'), Buffer.alloc(0), INFO, 32));
      return { id: createHash('sha256').update(key).digest('hex').slice(0, 8), key };
    });
  }

  /** Whether secrets can be sealed (a key is configured). */
  get enabled(): boolean {
    return this.keys.length > 0;
  }

  seal(secret: string, webhookId: string, owner: string): string {
    const key = this.keys[0];
    if (!key) {
      throw new GimmingError(
        'gimming.webhook.not_configured',
        503,
        'Webhooks are not enabled in this deployment: the operator has set no [webhooks] encryption_keys.',
      );
    }
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key.key, iv);
    cipher.setAAD(binding(webhookId, owner, key.id));
    const sealed = Buffer.concat([iv, cipher.update(secret, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${VERSION}.${key.id}.${sealed.toString('base64url')}`;
  }

  /** The secret, or an error that says only which key is missing (never the secret nor the key). */
  open(sealed: string, webhookId: string, owner: string): string {
    const [version, keyId, data] = sealed.split('.');
    const key = this.keys.find((k) => k.id === keyId);
    if (version !== VERSION || !key || !data) {
      throw new Error(
        `the webhook secret is sealed with key ${keyId ?? '?'}, which [webhooks] encryption_keys lacks`,
      );
    }
    const raw = Buffer.from(data, 'base64url');
    const iv = raw.subarray(0, IV_BYTES);
    const tag = raw.subarray(raw.length - TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', key.key, iv);
    decipher.setAAD(binding(webhookId, owner, key.id));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([
        decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new Error('the webhook secret does not open (not sealed for this webhook)');
    }
  }
}
