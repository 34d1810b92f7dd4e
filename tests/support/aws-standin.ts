/**
 * The AWS stand-in (tools/aws-standin) as a test starts it: its own process, state directory and free
 * ports, two accounts (an operator's and a project's), two regions with a transfer bucket per account and
 * region; and the real SDK clients pointed at it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EC2Client } from '@aws-sdk/client-ec2';
import { S3Client } from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '../../tools/aws-standin/sigv4';
import { REPO_ROOT } from './testbed';

export interface StandinAccount {
  accountId: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export interface StandinCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export const REGIONS = ['us-east-1', 'eu-west-1'] as const;

export class AwsStandin {
  readonly dir = mkdtempSync(join(tmpdir(), 'gimming-aws-standin-'));
  readonly accounts: Record<'operator' | 'project', StandinAccount> = {
    operator: {
      accountId: '111122223333',
      accessKeyId: keyId(),
      secretAccessKey: randomBytes(30).toString('base64'),
    },
    project: {
      accountId: '444455556666',
      accessKeyId: keyId(),
      secretAccessKey: randomBytes(30).toString('base64'),
    },
  };
  ec2Url = '';
  s3Url = '';
  private proc?: ChildProcess;
  logFile = join(this.dir, 'standin.log');

  /** The stand-in's process id while it runs (a benchmark reads its memory). */
  get pid(): number | undefined {
    return this.proc?.pid;
  }

  constructor(
    private readonly tasks: { bytesPerSecond?: number; minDurationMs?: number; tickMs?: number } = {},
    /** The ports EC2 (and STS) and S3 listen on (a benchmark's own range); default: any free ones. */
    private readonly ports: { ec2: number; s3: number } = { ec2: 0, s3: 0 },
  ) {}

  /**
   * The environment of an agent whose aws driver reaches this stand-in, serving shared clouds with the
   * operator's keys through the host's own credential chain (its environment).
   */
  agentEnv(): Record<string, string> {
    return {
      OS_AGENT__ENABLED_DRIVERS: 'openstack,aws',
      OS_AWS__EC2_ENDPOINT: this.ec2Url,
      OS_AWS__S3_ENDPOINT: this.s3Url,
      OS_AWS__STS_ENDPOINT: this.ec2Url,
      OS_AWS__TASK_POLL_INTERVAL: '200',
      OS_AWS__PART_SIZE_MB: '5',
      AWS_ACCESS_KEY_ID: this.accounts.operator.accessKeyId,
      AWS_SECRET_ACCESS_KEY: this.accounts.operator.secretAccessKey,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: '/nonexistent',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
    };
  }

  bucket(who: 'operator' | 'project', region: string): string {
    return `gimming-${who}-${region}`;
  }

  async start(): Promise<void> {
    const config = {
      host: '127.0.0.1',
      ec2Port: this.ports.ec2,
      s3Port: this.ports.s3,
      stateDir: join(this.dir, 'state'),
      regions: [...REGIONS],
      accounts: [
        {
          id: this.accounts.operator.accountId,
          name: 'operator',
          accessKeys: [this.accounts.operator],
          roles: [{ name: 'gimming-transfer', trustedAccounts: [this.accounts.project.accountId] }],
        },
        { id: this.accounts.project.accountId, name: 'project', accessKeys: [this.accounts.project] },
      ].map((a) => ({
        ...a,
        accessKeys: a.accessKeys.map((k) => ({
          accessKeyId: k.accessKeyId,
          secretAccessKey: k.secretAccessKey,
        })),
      })),
      buckets: REGIONS.flatMap((region) =>
        (['operator', 'project'] as const).map((who) => ({
          name: this.bucket(who, region),
          region,
          account: this.accounts[who].accountId,
        })),
      ),
      tasks: { bytesPerSecond: 64 * 1024 * 1024, minDurationMs: 2000, tickMs: 100, ...this.tasks },
    };
    const configPath = join(this.dir, 'standin.json');
    writeFileSync(configPath, JSON.stringify(config), { mode: 0o600 });
    const { openSync } = await import('node:fs');
    const out = openSync(this.logFile, 'a');
    this.proc = spawn(
      process.execPath,
      [join(REPO_ROOT, 'dist', 'tools', 'aws-standin', 'main.js'), '--config', configPath],
      { stdio: ['ignore', out, out] },
    );
    const portsFile = join(config.stateDir, 'ports.json');
    const deadline = Date.now() + 20000;
    while (!existsSync(portsFile)) {
      if (this.proc.exitCode !== null)
        throw new Error(`the stand-in exited: ${readFileSync(this.logFile, 'utf8')}`);
      if (Date.now() > deadline)
        throw new Error(`the stand-in did not start: ${readFileSync(this.logFile, 'utf8')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const ports = JSON.parse(readFileSync(portsFile, 'utf8')) as { ec2: number; s3: number };
    this.ec2Url = `http://127.0.0.1:${ports.ec2}`;
    this.s3Url = `http://127.0.0.1:${ports.s3}`;
  }

  async stop(): Promise<void> {
    const p = this.proc;
    if (p && p.exitCode === null) {
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  creds(who: 'operator' | 'project'): StandinCredentials {
    return {
      accessKeyId: this.accounts[who].accessKeyId,
      secretAccessKey: this.accounts[who].secretAccessKey,
    };
  }

  ec2(who: 'operator' | 'project' | StandinCredentials, region: string): EC2Client {
    const credentials = typeof who === 'string' ? this.creds(who) : who;
    return new EC2Client({ region, endpoint: this.ec2Url, credentials, maxAttempts: 1 });
  }

  s3(who: 'operator' | 'project' | StandinCredentials, region: string): S3Client {
    const credentials = typeof who === 'string' ? this.creds(who) : who;
    return new S3Client({
      region,
      endpoint: this.s3Url,
      credentials,
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 1,
    });
  }

  async control(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(`${this.ec2Url}/_standin/${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status >= 400) throw new Error(`control ${method} ${path}: ${res.status} ${await res.text()}`);
    return res.status === 204 ? null : await res.json();
  }

  state(region?: string): Promise<StandinState> {
    return this.control('GET', `state${region ? `?region=${region}` : ''}`) as Promise<StandinState>;
  }
}

export interface StandinState {
  images: {
    id: string;
    state: string;
    account: string;
    region: string;
    tags: Record<string, string>;
    deprecationTime?: string;
    blockDeviceMappings: { deviceName: string; snapshotId?: string }[];
  }[];
  snapshots: { id: string; state: string; account: string; region: string; description: string }[];
  importTasks: { id: string; status: string; statusMessage: string; tags: Record<string, string> }[];
  exportTasks: { id: string; status: string }[];
  objects: { bucket: string; key: string; size: number }[];
  multipartUploads: { bucket: string; key: string; uploadId: string }[];
}

function keyId(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let s = 'AKIA';
  for (const b of randomBytes(16)) s += alphabet[b % 32];
  return s;
}

/**
 * A Query API call signed with SigV4 by the SDK's own signer, for what no SDK client here sends (STS
 * GetCallerIdentity: only AssumeRole is in the SDK's nested STS client). Answers the status and body.
 */
export async function signedQuery(
  url: string,
  service: 'sts' | 'ec2',
  region: string,
  credentials: StandinCredentials,
  params: Record<string, string>,
): Promise<{ status: number; body: string }> {
  const body = new URLSearchParams(params).toString();
  const u = new URL(url);
  const signer = new SignatureV4({ credentials, region, service, sha256: Sha256 });
  const signed = await signer.sign({
    method: 'POST',
    protocol: 'http:',
    hostname: u.hostname,
    port: Number(u.port),
    path: '/',
    query: {},
    headers: { host: u.host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body,
  });
  const res = await fetch(url, { method: 'POST', headers: signed.headers, body });
  return { status: res.status, body: await res.text() };
}
