/** The stand-in's configuration file (JSON), checked when it starts. */
import { readFileSync } from 'node:fs';

export interface ProjectConfig {
  /** The project id (6-30 characters: lower case letters, digits, hyphens; starts with a letter). */
  id: string;
  /** The project number (digits). */
  number: string;
}

export interface ServiceAccountConfig {
  /** `<name>@<project>.iam.gserviceaccount.com`; its key pair is made at the first start and kept. */
  email: string;
  /** The projects whose images and buckets it may use (its own project is always one). */
  projects: string[];
}

export interface BucketConfig {
  name: string;
  project: string;
  location?: string;
}

export interface StandinConfig {
  host: string;
  /** Compute Engine v1, the token endpoint and the control API (0: any free port). */
  computePort: number;
  /** Cloud Storage JSON and upload APIs (0: any free port). */
  storagePort: number;
  stateDir: string;
  projects: ProjectConfig[];
  serviceAccounts: ServiceAccountConfig[];
  buckets: BucketConfig[];
  /** How long an operation runs: images.insert takes `insertMs`, the others `otherMs`. */
  operations: { insertMs: number; otherMs: number; tickMs: number };
  /** When true, disk.raw must be a whole number of GiB, as real GCE demands. */
  requireGibMultiple: boolean;
  maxSkewSeconds: number;
}

function fail(path: string, why: string): never {
  throw new Error(`${path}: ${why}`);
}

export function loadConfig(path: string): StandinConfig {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as Partial<StandinConfig>;
  const cfg: StandinConfig = {
    host: raw.host ?? '127.0.0.1',
    computePort: raw.computePort ?? 0,
    storagePort: raw.storagePort ?? 0,
    stateDir: raw.stateDir ?? fail(path, 'stateDir is required'),
    projects: raw.projects ?? fail(path, 'projects is required'),
    serviceAccounts: raw.serviceAccounts ?? [],
    buckets: raw.buckets ?? [],
    operations: { insertMs: 3000, otherMs: 500, tickMs: 100, ...raw.operations },
    requireGibMultiple: raw.requireGibMultiple ?? false,
    maxSkewSeconds: raw.maxSkewSeconds ?? 300,
  };
  const ids = new Set(cfg.projects.map((p) => p.id));
  for (const p of cfg.projects) {
    if (!/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(p.id)) fail(path, `project id ${p.id} breaks GCE's rules`);
    if (!/^\d{1,19}$/.test(p.number)) fail(path, `project ${p.id}: number ${p.number} is not digits`);
  }
  for (const sa of cfg.serviceAccounts) {
    const m = /^[a-z][a-z0-9-]{4,28}[a-z0-9]@([a-z][a-z0-9-]{4,28}[a-z0-9])\.iam\.gserviceaccount\.com$/.exec(
      sa.email,
    );
    const home = m?.[1];
    if (!home) fail(path, `service account ${sa.email} is not <name>@<project>.iam.gserviceaccount.com`);
    if (!ids.has(home)) fail(path, `service account ${sa.email}: project ${home} is not served`);
    if (!sa.projects.includes(home)) sa.projects = [home, ...sa.projects];
    for (const p of sa.projects)
      if (!ids.has(p)) fail(path, `service account ${sa.email}: project ${p} is not served`);
  }
  for (const b of cfg.buckets) {
    if (!/^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/.test(b.name))
      fail(path, `bucket ${b.name} breaks Cloud Storage's rules`);
    if (!ids.has(b.project)) fail(path, `bucket ${b.name}: project ${b.project} is not served`);
  }
  return cfg;
}
