/**
 * The credentials of a project's gcp cloud: a Google service-account key, the JSON file IAM hands out
 * (`type: service_account`, its project, client_email, private_key and token_uri). It lives in the cloud's
 * key-manager secret (whose payload is that JSON object, as downloaded) or comes with a request
 * (`X-Cloud-Credentials`), as an aws cloud's key does, and is never stored by GIMinG. A shared gcp cloud
 * has none: its agents use the application default credentials of their own hosts.
 *
 * No message here ever quotes a value: the private key is the secret, and a message naming a field that
 * holds part of it would leak it into logs.
 */
import { createPrivateKey } from 'node:crypto';
import { PROJECT_ID_RE } from '../cloud-names';
import { GimmingError } from '../errors';

export { PROJECT_ID_RE };

export interface GcpKey {
  type: 'service_account';
  project_id: string;
  private_key_id?: string;
  private_key: string;
  client_email: string;
  client_id?: string;
  token_uri?: string;
}

/** Fields of a key file GIMinG reads; the others a key file carries (auth_uri, cert URLs) are ignored. */
const KNOWN = [
  'project_id',
  'private_key_id',
  'private_key',
  'client_email',
  'client_id',
  'token_uri',
] as const;
const IGNORED = new Set([
  'auth_uri',
  'auth_provider_x509_cert_url',
  'client_x509_cert_url',
  'universe_domain',
]);
const MAX_LENGTH: Record<(typeof KNOWN)[number], number> = {
  project_id: 30,
  private_key_id: 128,
  private_key: 8192,
  client_email: 320,
  client_id: 64,
  token_uri: 2048,
};
const EMAIL_RE = /^[^\s@]{1,256}@[A-Za-z0-9.-]{1,253}$/;

function invalid(where: string, why: string): GimmingError {
  return new GimmingError(
    'gimming.cloud.bad_credentials',
    400,
    `Invalid cloud credentials ${where}: ${why}.`,
  );
}

/** Whether credentials are meant as a Google service-account key. */
export function looksLikeGcpKey(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    ((value as { type?: unknown }).type === 'service_account' || 'private_key' in value)
  );
}

/** Checks a service-account key (`where` says whose, for the error); never echoes a value. */
export function parseGcpKey(value: unknown, where: string): GcpKey {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(where, 'expected an object');
  }
  const key: Partial<Record<(typeof KNOWN)[number], string>> = {};
  for (const [name, v] of Object.entries(value)) {
    if (name === 'type') {
      if (v !== 'service_account') throw invalid(where, 'type must be service_account');
      continue;
    }
    if (IGNORED.has(name)) continue;
    if (!(KNOWN as readonly string[]).includes(name)) {
      throw invalid(where, `unknown field ${name.slice(0, 64)}`);
    }
    const max = MAX_LENGTH[name as (typeof KNOWN)[number]];
    if (typeof v !== 'string' || v.length === 0 || v.length > max) {
      throw invalid(where, `${name} must be a non-empty string of at most ${max} characters`);
    }
    key[name as (typeof KNOWN)[number]] = v;
  }
  if (!key.private_key || !key.client_email || !key.project_id) {
    throw invalid(where, 'a service-account key needs project_id, client_email and private_key');
  }
  if (!PROJECT_ID_RE.test(key.project_id)) throw invalid(where, 'project_id is not a GCP project ID');
  if (!EMAIL_RE.test(key.client_email)) throw invalid(where, 'client_email is not an e-mail address');
  try {
    const k = createPrivateKey({ key: key.private_key, format: 'pem' });
    if (k.asymmetricKeyType !== 'rsa') throw new Error('not RSA');
  } catch {
    // Neither the key nor the parser's words (which may quote it) reach the message.
    throw invalid(where, 'private_key is not an RSA private key in PEM form');
  }
  if (key.token_uri !== undefined) {
    let url: URL;
    try {
      url = new URL(key.token_uri);
    } catch {
      throw invalid(where, 'token_uri is not a URL');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw invalid(where, 'token_uri is not an http or https URL');
    }
  }
  return { type: 'service_account', ...key } as GcpKey;
}
