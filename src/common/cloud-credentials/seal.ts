/**
 * Per-request cloud credentials, sealed where they enter GIMinG (the API) and opened only where they are
 * used (the agent that talks to the cloud). In between they cross RabbitMQ and the conductor's memory as
 * an opaque blob, so a message left in a queue, a broker's disk or a trace of the broker holds nothing a
 * reader could use.
 *
 * The key is derived (HKDF-SHA256) from each of the deployment's `[agent] rpc_secrets`, which the API,
 * the conductor and the agents already share; the first secret seals, any one opens (rotation as for the
 * gRPC signatures). The blob is
 *
 *     v1.<key id>.<base64url(iv | AES-256-GCM ciphertext | tag)>
 *
 * where the key id (8 hex digits of a hash of the derived key) names the key without revealing it. A blob
 * carries its own expiry: a copy of a message replayed later opens to nothing.
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { GimmingError } from '../errors';

const VERSION = 'v1';
const INFO = 'gimming-cloud-credentials-v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

interface SealKey {
  id: string;
  key: Buffer;
}

function deriveKey(secret: string): SealKey {
  const key = Buffer.from(hkdfSync('sha256', secret, 'gimming', INFO, 32));
  return { id: createHash('sha256').update(key).digest('hex').slice(0, 8), key };
}

export class CredentialSeal {
  private readonly keys: SealKey[];

  /** `secrets`: the deployment's `[agent] rpc_secrets`; without any, nothing can be sealed. */
  constructor(secrets: readonly string[]) {
    this.keys = secrets.map(deriveKey);
  }

  get available(): boolean {
    return this.keys.length > 0;
  }

  seal(value: unknown, lifetimeS: number, now: number = Date.now()): string {
    const first = this.keys[0];
    if (!first) {
      throw new GimmingError(
        'gimming.cloud.credentials_unsupported',
        400,
        'This deployment cannot take cloud credentials with a request ([agent] rpc_secrets is not set); ' +
          'store them in the key manager and register the cloud with credentials_ref instead.',
      );
    }
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', first.key, iv);
    const plain = Buffer.from(JSON.stringify({ exp: now + lifetimeS * 1000, value }), 'utf8');
    const body = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return `${VERSION}.${first.id}.${body.toString('base64url')}`;
  }

  /** The sealed value, or undefined when the blob is malformed, sealed with another key, or expired. */
  open(blob: string, now: number = Date.now()): unknown {
    const [version, keyId, data] = blob.split('.');
    if (version !== VERSION || !keyId || !data) return undefined;
    const key = this.keys.find((k) => k.id === keyId);
    if (!key) return undefined;
    const raw = Buffer.from(data, 'base64url');
    if (raw.length < IV_BYTES + TAG_BYTES) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', key.key, raw.subarray(0, IV_BYTES));
      decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
      const plain = Buffer.concat([
        decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)),
        decipher.final(),
      ]);
      const parsed = JSON.parse(plain.toString('utf8')) as { exp?: unknown; value?: unknown };
      if (typeof parsed.exp !== 'number' || parsed.exp < now) return undefined;
      return parsed.value;
    } catch {
      return undefined;
    }
  }
}
