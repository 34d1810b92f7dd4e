/**
 * The service accounts the stand-in knows: a key pair each, made at the first start and kept in the state
 * directory, and a JSON key file in Google's format (`keys/<email>.json`, mode 0600) whose `token_uri` is
 * the stand-in's token endpoint. Only the public key is used here; the key file is for tests and agents.
 */
import { generateKeyPairSync, createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ServiceAccountConfig } from './config';

export interface ServiceAccount {
  email: string;
  projects: string[];
  keyId: string;
  publicKey: KeyObject;
  keyFile: string;
}

export interface KeyFileJson {
  type: 'service_account';
  project_id: string;
  private_key_id: string;
  private_key: string;
  client_email: string;
  client_id: string;
  auth_uri: string;
  token_uri: string;
  auth_provider_x509_cert_url: string;
  client_x509_cert_url: string;
  universe_domain: string;
}

export function keyFilePath(stateDir: string, email: string): string {
  return join(stateDir, 'keys', `${email}.json`);
}

/** Loads (or makes) each account's key; rewrites `token_uri` when the token endpoint moved. */
export function loadServiceAccounts(
  stateDir: string,
  accounts: ServiceAccountConfig[],
  tokenUri: string,
): Map<string, ServiceAccount> {
  mkdirSync(join(stateDir, 'keys'), { recursive: true, mode: 0o700 });
  const out = new Map<string, ServiceAccount>();
  for (const sa of accounts) {
    const path = keyFilePath(stateDir, sa.email);
    let key: KeyFileJson;
    if (existsSync(path)) key = JSON.parse(readFileSync(path, 'utf8')) as KeyFileJson;
    else {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const project = sa.email.split('@')[1]?.split('.')[0] ?? '';
      key = {
        type: 'service_account',
        project_id: project,
        private_key_id: randomBytes(20).toString('hex'),
        private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        client_email: sa.email,
        client_id: BigInt('0x' + randomBytes(8).toString('hex'))
          .toString()
          .padStart(21, '1'),
        auth_uri: 'https://accounts.google.com/o/oauth2/auth',
        token_uri: tokenUri,
        auth_provider_x509_cert_url: 'https://www.googleapis.com/oauth2/v1/certs',
        client_x509_cert_url: `https://www.googleapis.com/robot/v1/metadata/x509/${encodeURIComponent(sa.email)}`,
        universe_domain: 'googleapis.com',
      };
    }
    key.token_uri = tokenUri;
    writeFileSync(path, JSON.stringify(key, null, 2) + '\n', { mode: 0o600 });
    out.set(sa.email, {
      email: sa.email,
      projects: sa.projects,
      keyId: key.private_key_id,
      publicKey: createPublicKey(key.private_key),
      keyFile: path,
    });
  }
  return out;
}
