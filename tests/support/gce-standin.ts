/**
 * The GCE stand-in (tools/gce-standin) as a test starts it: its own process, state directory and free
 * ports, two projects (an operator's and a project's) with a service account and a transfer bucket
 * each; and the real Google SDK clients pointed at it, built the way a driver must build them (see
 * doc/source/contributor/gce-standin.rst): an OAuth2Client whose refreshHandler signs the key file's
 * JWT and posts it to the key file's token_uri, `apiEndpoint`/`port`/`protocol: 'http'` for Compute
 * (REST fallback), `apiEndpoint` + `useAuthWithCustomEndpoint` for Storage.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, createSign } from 'node:crypto';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GlobalOperationsClient, ImagesClient } from '@google-cloud/compute';
import { Storage } from '@google-cloud/storage';
import { googleAuthLibrary as gaxAuth } from 'google-gax';
import { OAuth2Client as StorageOAuth2Client } from 'google-auth-library';
import type { KeyFileJson } from '../../tools/gce-standin/service-accounts';
import { REPO_ROOT } from './testbed';

export const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform';

export type Who = 'operator' | 'project';

export interface GceStandinState {
  images: {
    project: string;
    image: {
      name: string;
      status: string;
      diskSizeGb?: string;
      labels?: Record<string, string>;
      family?: string;
      storageLocations?: string[];
    };
    policy: { bindings: { role: string; members: string[] }[]; etag: string };
    rawDisk?: {
      bucket: string;
      object: string;
      archiveSizeBytes: number;
      rawSizeBytes: number;
      sha512: string;
    };
  }[];
  operations: { project: string; name: string; status: string; progress: number; operationType: string }[];
  objects: { bucket: string; name: string; size: number; md5: string }[];
  uploads: { id: string; bucket: string; name: string; received: number }[];
}

/** Signs a service-account JWT (RS256) with a key file and exchanges it at the key file's token_uri. */
export async function fetchToken(
  key: KeyFileJson,
  scopes: string[] = [CLOUD_PLATFORM],
  aud = key.token_uri,
): Promise<{ access_token: string; expiry_date: number }> {
  const now = Math.floor(Date.now() / 1000);
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const unsigned = `${enc({ alg: 'RS256', typ: 'JWT', kid: key.private_key_id })}.${enc({ iss: key.client_email, scope: scopes.join(' '), aud, iat: now, exp: now + 3600 })}`;
  const signature = createSign('RSA-SHA256').update(unsigned).sign(key.private_key, 'base64url');
  const res = await fetch(key.token_uri, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      assertion: `${unsigned}.${signature}`,
    }),
  });
  const body = (await res.json()) as {
    access_token?: string;
    expires_in?: number;
    error?: string;
    error_description?: string;
  };
  if (!res.ok || !body.access_token)
    throw new Error(`token endpoint: ${res.status} ${body.error ?? ''}: ${body.error_description ?? ''}`);
  return { access_token: body.access_token, expiry_date: Date.now() + (body.expires_in ?? 0) * 1000 };
}

/** An auth client of google-auth-library (the given version's OAuth2Client) that gets its tokens from the key file's token_uri. */
function authClient<T extends { refreshHandler?: unknown }>(Client: new () => T, key: KeyFileJson): T {
  const c = new Client();
  c.refreshHandler = () => fetchToken(key);
  return c;
}

const GIB = 1024 ** 3;

/**
 * The SHA-512 the stand-in records for the disk.raw of an image made from `data`: GCE takes whole GiB,
 * so the disk holds the data and zeros up to the next GiB (at least one).
 */
export function diskSha512(data: Buffer): string {
  const hash = createHash('sha512').update(data);
  const padded = Math.max(1, Math.ceil(data.length / GIB)) * GIB;
  const zeros = Buffer.alloc(16 * 1024 * 1024);
  for (let left = padded - data.length; left > 0; left -= zeros.length)
    hash.update(left >= zeros.length ? zeros : zeros.subarray(0, left));
  return hash.digest('hex');
}

export class GceStandin {
  readonly dir = mkdtempSync(join(tmpdir(), 'gimming-gce-standin-'));
  readonly projects: Record<Who, { id: string; number: string }> = {
    operator: { id: 'gimming-operator', number: '111122223333' },
    project: { id: 'gimming-tenant', number: '444455556666' },
  };
  computeUrl = '';
  storageUrl = '';
  computePort = 0;
  storagePort = 0;
  logFile = join(this.dir, 'standin.log');
  private proc?: ChildProcess;

  constructor(
    private readonly options: {
      insertMs?: number;
      otherMs?: number;
      requireGibMultiple?: boolean;
      /** The ports Compute and Cloud Storage listen on (a benchmark's own range); default: free ones. */
      ports?: { compute: number; storage: number };
    } = {},
  ) {}

  email(who: Who): string {
    return `gimming@${this.projects[who].id}.iam.gserviceaccount.com`;
  }

  bucket(who: Who): string {
    return `${this.projects[who].id}-transfer`;
  }

  get stateDir(): string {
    return join(this.dir, 'state');
  }

  keyFile(who: Who): string {
    return join(this.stateDir, 'keys', `${this.email(who)}.json`);
  }

  key(who: Who): KeyFileJson {
    return JSON.parse(readFileSync(this.keyFile(who), 'utf8')) as KeyFileJson;
  }

  get tokenUrl(): string {
    return `${this.computeUrl}/token`;
  }

  async start(): Promise<void> {
    const config = {
      host: '127.0.0.1',
      computePort: this.options.ports?.compute ?? 0,
      storagePort: this.options.ports?.storage ?? 0,
      stateDir: this.stateDir,
      projects: [this.projects.operator, this.projects.project],
      serviceAccounts: [
        { email: this.email('operator'), projects: [this.projects.operator.id] },
        { email: this.email('project'), projects: [this.projects.project.id] },
      ],
      buckets: (['operator', 'project'] as const).map((who) => ({
        name: this.bucket(who),
        project: this.projects[who].id,
      })),
      operations: {
        insertMs: this.options.insertMs ?? 1500,
        otherMs: this.options.otherMs ?? 300,
        tickMs: 50,
      },
      requireGibMultiple: this.options.requireGibMultiple ?? false,
    };
    const configPath = join(this.dir, 'standin.json');
    writeFileSync(configPath, JSON.stringify(config), { mode: 0o600 });
    const out = openSync(this.logFile, 'a');
    this.proc = spawn(
      process.execPath,
      [join(REPO_ROOT, 'dist', 'tools', 'gce-standin', 'main.js'), '--config', configPath],
      {
        stdio: ['ignore', out, out],
      },
    );
    const portsFile = join(config.stateDir, 'ports.json');
    const deadline = Date.now() + 30000;
    while (!existsSync(portsFile)) {
      if (this.proc.exitCode !== null)
        throw new Error(`the stand-in exited: ${readFileSync(this.logFile, 'utf8')}`);
      if (Date.now() > deadline)
        throw new Error(`the stand-in did not start: ${readFileSync(this.logFile, 'utf8')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const ports = JSON.parse(readFileSync(portsFile, 'utf8')) as { compute: number; storage: number };
    this.computePort = ports.compute;
    this.storagePort = ports.storage;
    this.computeUrl = `http://127.0.0.1:${ports.compute}`;
    this.storageUrl = `http://127.0.0.1:${ports.storage}`;
  }

  private async kill(): Promise<void> {
    const p = this.proc;
    if (p && p.exitCode === null) {
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      await exited;
    }
  }

  /** Stops the process and starts it again on its state (new ports; clients must be made again). */
  async restart(): Promise<void> {
    await this.kill();
    rmSync(join(this.stateDir, 'ports.json'), { force: true });
    await this.start();
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** The Compute clients of the real SDK, REST fallback, reaching the stand-in with a service account's key. */
  compute(who: Who | KeyFileJson): { images: ImagesClient; operations: GlobalOperationsClient } {
    const key = typeof who === 'string' ? this.key(who) : who;
    const opts = {
      apiEndpoint: '127.0.0.1',
      port: this.computePort,
      protocol: 'http',
      fallback: true,
      authClient: authClient(gaxAuth.OAuth2Client, key),
    };
    return { images: new ImagesClient(opts), operations: new GlobalOperationsClient(opts) };
  }

  /** The Cloud Storage client of the real SDK reaching the stand-in with a service account's key. */
  storage(who: Who | KeyFileJson): Storage {
    const key = typeof who === 'string' ? this.key(who) : who;
    return new Storage({
      apiEndpoint: this.storageUrl,
      useAuthWithCustomEndpoint: true,
      projectId: key.project_id,
      authClient: authClient(StorageOAuth2Client, key),
      retryOptions: { autoRetry: false },
    });
  }

  /** What an agent's gce driver needs to reach this stand-in (the names of a driver's options are its own). */
  endpoints(who: Who): {
    computeUrl: string;
    storageUrl: string;
    tokenUrl: string;
    keyFile: string;
    project: string;
    bucket: string;
  } {
    return {
      computeUrl: this.computeUrl,
      storageUrl: this.storageUrl,
      tokenUrl: this.tokenUrl,
      keyFile: this.keyFile(who),
      project: this.projects[who].id,
      bucket: this.bucket(who),
    };
  }

  async control(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(`${this.computeUrl}/_standin/${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status >= 400) throw new Error(`control ${method} ${path}: ${res.status} ${await res.text()}`);
    return res.status === 204 ? null : await res.json();
  }

  /** Fails the next `count` calls of a method (`compute.images.insert`, `storage.objects.get`, `oauth2.token`...). */
  failCall(method: string, status: number, message?: string, count = 1): Promise<unknown> {
    return this.control('POST', 'faults', { method, status, message, count });
  }

  /** Makes the next `count` operations of a method end in error. */
  failOperation(method: string, message: string, code = 'INTERNAL_ERROR', count = 1): Promise<unknown> {
    return this.control('POST', 'faults', { method, operation: true, code, message, count });
  }

  /** How long operations started from now on take (a slow images.insert, to be seen at work or cancelled). */
  setOperationTimes(times: { insertMs?: number; otherMs?: number }): Promise<unknown> {
    return this.control('PUT', 'operations', times);
  }

  state(project?: string): Promise<GceStandinState> {
    return this.control('GET', `state${project ? `?project=${project}` : ''}`) as Promise<GceStandinState>;
  }
}
