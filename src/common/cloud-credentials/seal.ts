/**
 * Per-request cloud credentials, sealed where they enter GIMinG (the API) and opened only where they are
 * used (the agent that talks to the cloud). In between they cross RabbitMQ and the conductor's memory as
 * an opaque blob, so a message left in a queue, a broker's disk or a trace of the broker holds nothing a
 * reader could use.
 *
 * Sealing is public-key: the API holds only the agents' public key ([cloud_credentials] public_key_file),
 * the agents the private key ([cloud_credentials] private_key_files, several during a rotation). Neither
 * the API nor the conductor can open what the API sealed. Each cloud's credentials are sealed apart, for
 * that cloud's ID and the caller's project, which the AES-GCM tag authenticates (additional data): a blob
 * taken from a message and attached to another project's work, or to another cloud, opens to nothing. A
 * blob also carries its expiry, so a copy replayed later opens to nothing either.
 *
 * A blob is `v2.<key id>.<base64url(len | ephemeral public key | iv | ciphertext | tag)>`: an ephemeral
 * key pair of the recipient key's type (X25519, or an EC curve such as P-256) agrees a secret with the
 * recipient's public key, HKDF-SHA256 makes the AES-256-GCM key of it. The key id (8 hex digits of a
 * hash of the recipient's public key) names the key pair without revealing anything.
 *
 * What the request context carries is a JSON object of cloud ID to blob (see `SealedCredentials`).
 */
import {
  type KeyObject,
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  randomBytes,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import { GimmingError } from '../errors';

const VERSION = 'v2';
const INFO = 'gimming-cloud-credentials-v2';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_TYPES = ['x25519', 'x448', 'ec'];

/** Whom a blob is for: the project whose work carries it, and the cloud it authenticates to. */
export interface SealBinding {
  projectId: string;
  cloudId: string;
}

function spki(key: KeyObject): Buffer {
  return key.export({ format: 'der', type: 'spki' });
}

function keyId(publicKey: KeyObject): string {
  return createHash('sha256').update(spki(publicKey)).digest('hex').slice(0, 8);
}

function aad(binding: SealBinding, keyIdText: string): Buffer {
  return Buffer.from(`${INFO}\n${keyIdText}\n${binding.projectId}\n${binding.cloudId}`, 'utf8');
}

function aesKey(shared: Buffer, ephemeral: Buffer, recipient: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', shared, Buffer.concat([ephemeral, recipient]), INFO, 32));
}

function checkType(key: KeyObject, file: string): KeyObject {
  if (!KEY_TYPES.includes(key.asymmetricKeyType ?? '')) {
    throw new Error(`${file}: an X25519, X448 or EC key is needed, not ${key.asymmetricKeyType ?? 'this'}`);
  }
  return key;
}

function readKeyFile(file: string, what: 'public' | 'private'): KeyObject {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`${file}: cannot read the ${what} key (${(err as Error).message})`, { cause: err });
  }
  try {
    return checkType(what === 'public' ? createPublicKey(pem) : createPrivateKey(pem), file);
  } catch (err) {
    throw new Error(`${file}: not a PEM ${what} key (${(err as Error).message})`, { cause: err });
  }
}

/** Seals (the API): holds the agents' public key only. */
export class CredentialSealer {
  private readonly id: string;
  private readonly der: Buffer;

  constructor(private readonly publicKey: KeyObject | undefined) {
    this.id = publicKey ? keyId(publicKey) : '';
    this.der = publicKey ? spki(publicKey) : Buffer.alloc(0);
  }

  /** From [cloud_credentials] public_key_file; none: nothing can be sealed. */
  static fromFile(file: string | null): CredentialSealer {
    return new CredentialSealer(file ? readKeyFile(file, 'public') : undefined);
  }

  get available(): boolean {
    return this.publicKey !== undefined;
  }

  seal(value: unknown, binding: SealBinding, lifetimeS: number, now: number = Date.now()): string {
    const recipient = this.publicKey;
    if (!recipient) {
      throw new GimmingError(
        'gimming.cloud.credentials_unsupported',
        400,
        'This deployment cannot take cloud credentials with a request ([cloud_credentials] ' +
          'public_key_file is not set); store them in the key manager and register the cloud with ' +
          'credentials_ref instead.',
      );
    }
    const details = recipient.asymmetricKeyDetails;
    const ephemeral =
      recipient.asymmetricKeyType === 'ec'
        ? generateKeyPairSync('ec', { namedCurve: details?.namedCurve as string })
        : generateKeyPairSync(recipient.asymmetricKeyType as 'x25519');
    const ephemeralDer = spki(ephemeral.publicKey);
    const shared = diffieHellman({ privateKey: ephemeral.privateKey, publicKey: recipient });
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', aesKey(shared, ephemeralDer, this.der), iv);
    cipher.setAAD(aad(binding, this.id));
    const plain = Buffer.from(JSON.stringify({ exp: now + lifetimeS * 1000, value }), 'utf8');
    const length = Buffer.alloc(2);
    length.writeUInt16BE(ephemeralDer.length);
    const body = Buffer.concat([
      length,
      ephemeralDer,
      iv,
      cipher.update(plain),
      cipher.final(),
      cipher.getAuthTag(),
    ]);
    return `${VERSION}.${this.id}.${body.toString('base64url')}`;
  }
}

interface RecipientKey {
  id: string;
  privateKey: KeyObject;
  der: Buffer;
}

export interface Opened {
  value: unknown;
  /** Milliseconds since the epoch. */
  expiresAt: number;
}

/** Opens (the agents): holds the private keys, the first the current one, the others during a rotation. */
export class CredentialOpener {
  private readonly keys: RecipientKey[];

  constructor(privateKeys: readonly KeyObject[]) {
    this.keys = privateKeys.map((privateKey) => {
      const publicKey = createPublicKey(privateKey);
      return { id: keyId(publicKey), privateKey, der: spki(publicKey) };
    });
  }

  /** From [cloud_credentials] private_key_files. */
  static fromFiles(files: readonly string[]): CredentialOpener {
    return new CredentialOpener(files.map((file) => readKeyFile(file, 'private')));
  }

  /**
   * The sealed value, or undefined when the blob is malformed, sealed for another project or cloud, with
   * a key this agent does not hold, or expired.
   */
  open(blob: string, binding: SealBinding, now: number = Date.now()): Opened | undefined {
    const [version, id, data, extra] = blob.split('.');
    if (version !== VERSION || !id || !data || extra !== undefined) return undefined;
    const key = this.keys.find((k) => k.id === id);
    if (!key) return undefined;
    const raw = Buffer.from(data, 'base64url');
    if (raw.length < 2) return undefined;
    const length = raw.readUInt16BE(0);
    if (raw.length < 2 + length + IV_BYTES + TAG_BYTES) return undefined;
    try {
      const ephemeralDer = raw.subarray(2, 2 + length);
      const ephemeral = createPublicKey({ key: ephemeralDer, format: 'der', type: 'spki' });
      const shared = diffieHellman({ privateKey: key.privateKey, publicKey: ephemeral });
      const ivAt = 2 + length;
      const decipher = createDecipheriv(
        'aes-256-gcm',
        aesKey(shared, Buffer.from(ephemeralDer), key.der),
        raw.subarray(ivAt, ivAt + IV_BYTES),
      );
      decipher.setAAD(aad(binding, id));
      decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
      const plain = Buffer.concat([
        decipher.update(raw.subarray(ivAt + IV_BYTES, raw.length - TAG_BYTES)),
        decipher.final(),
      ]);
      const parsed = JSON.parse(plain.toString('utf8')) as { exp?: unknown; value?: unknown };
      if (typeof parsed.exp !== 'number' || parsed.exp < now) return undefined;
      return { value: parsed.value, expiresAt: parsed.exp };
    } catch {
      return undefined;
    }
  }
}

/**
 * What a request context carries: the blob of each cloud, by cloud ID. The IDs are no secret, so the
 * conductor can tell which clouds have credentials without opening anything.
 */
export class SealedCredentials {
  private constructor(private readonly byCloud: Readonly<Record<string, string>>) {}

  static of(byCloud: Record<string, string>): string {
    return JSON.stringify(byCloud);
  }

  /** Reads the context's field; anything else than an object of strings is no credentials at all. */
  static parse(text: string | undefined): SealedCredentials {
    if (!text) return new SealedCredentials({});
    try {
      const parsed = JSON.parse(text) as unknown;
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        return new SealedCredentials({});
      }
      const entries = Object.entries(parsed).filter(([, v]) => typeof v === 'string') as [string, string][];
      return new SealedCredentials(Object.fromEntries(entries));
    } catch {
      return new SealedCredentials({});
    }
  }

  /** The blob for this cloud ID (never looked up by name). */
  forCloud(cloudId: string): string | undefined {
    return Object.hasOwn(this.byCloud, cloudId) ? this.byCloud[cloudId] : undefined;
  }
}
