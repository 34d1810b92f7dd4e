/** The stand-in's configuration file (JSON), checked when it starts. */
import { readFileSync } from 'node:fs';

export interface AccountConfig {
  /** 12 digits. */
  id: string;
  name: string;
  accessKeys: { accessKeyId: string; secretAccessKey: string }[];
  /** Roles in this account that STS AssumeRole hands out, and the accounts allowed to assume each. */
  roles?: { name: string; trustedAccounts: string[] }[];
}

export interface BucketConfig {
  name: string;
  region: string;
  account: string;
}

export interface StandinConfig {
  host: string;
  /** EC2, STS and the control API (port 0: any free port, written to the ports file). */
  ec2Port: number;
  s3Port: number;
  stateDir: string;
  regions: string[];
  accounts: AccountConfig[];
  buckets: BucketConfig[];
  /** Speed of the simulated import, export and copy tasks. */
  tasks: { bytesPerSecond: number; minDurationMs: number; tickMs: number };
  maxSkewSeconds: number;
}

function fail(path: string, why: string): never {
  throw new Error(`${path}: ${why}`);
}

export function loadConfig(path: string): StandinConfig {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as Partial<StandinConfig>;
  const cfg: StandinConfig = {
    host: raw.host ?? '127.0.0.1',
    ec2Port: raw.ec2Port ?? 0,
    s3Port: raw.s3Port ?? 0,
    stateDir: raw.stateDir ?? fail(path, 'stateDir is required'),
    regions: raw.regions ?? ['us-east-1'],
    accounts: raw.accounts ?? fail(path, 'accounts is required'),
    buckets: raw.buckets ?? [],
    tasks: { bytesPerSecond: 256 * 1024 * 1024, minDurationMs: 3000, tickMs: 250, ...raw.tasks },
    maxSkewSeconds: raw.maxSkewSeconds ?? 300,
  };
  for (const r of cfg.regions)
    if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(r)) fail(path, `region ${r} is not like us-east-1`);
  const keys = new Set<string>();
  for (const a of cfg.accounts) {
    if (!/^\d{12}$/.test(a.id)) fail(path, `account ${a.id} is not 12 digits`);
    for (const k of a.accessKeys) {
      if (!/^[A-Z0-9]{16,128}$/.test(k.accessKeyId)) fail(path, `access key ${k.accessKeyId} is malformed`);
      if (keys.has(k.accessKeyId)) fail(path, `access key ${k.accessKeyId} is given twice`);
      keys.add(k.accessKeyId);
    }
  }
  for (const b of cfg.buckets) {
    if (!cfg.regions.includes(b.region)) fail(path, `bucket ${b.name}: region ${b.region} is not served`);
    if (!cfg.accounts.some((a) => a.id === b.account))
      fail(path, `bucket ${b.name}: account ${b.account} is unknown`);
  }
  return cfg;
}
