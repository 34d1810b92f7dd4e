/**
 * The test clusters of tools/cluster/cluster.sh (3 RabbitMQ nodes, 3 Galera nodes behind HAProxy), for
 * the cluster suite: brought up (idempotent), described, and hit (a node killed, started again).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { DbServer } from './daemons';
import { REPO_ROOT } from './testbed';

const SCRIPT = join(REPO_ROOT, 'tools', 'cluster', 'cluster.sh');

function run(...args: string[]): string {
  return execFileSync('bash', [SCRIPT, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
}

export interface ClusterServices {
  transportUrl: string;
  db: DbServer;
}

function parseEnv(text: string): ClusterServices {
  const env = Object.fromEntries(
    text
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  return {
    transportUrl: env.GIMMING_CLUSTER_TRANSPORT_URL as string,
    db: {
      host: env.GIMMING_CLUSTER_DB_HOST as string,
      port: Number(env.GIMMING_CLUSTER_DB_PORT),
      user: env.GIMMING_CLUSTER_DB_USER as string,
      password: env.GIMMING_CLUSTER_DB_PASSWORD as string,
    },
  };
}

/** Where the clusters are (whether or not they are up). */
export function clusterServices(): ClusterServices {
  return parseEnv(run('env'));
}

/** Brings the clusters up (a no-op when they are); returns how long it took, in seconds. */
export function clusterUp(): number {
  const started = Date.now();
  run('up');
  return (Date.now() - started) / 1000;
}

export function clusterDown(): void {
  run('down');
}

export type ClusterKind = 'rabbit' | 'galera';

/** The node with the most client connections, and how many it has. */
export function busiestNode(kind: ClusterKind): { node: number; connections: number } {
  const [node, connections] = run('busiest', kind).trim().split(/\s+/).map(Number);
  return { node: node as number, connections: connections as number };
}

/** SIGKILLs one node. */
export function killNode(kind: ClusterKind, node: number): void {
  run('kill', kind, String(node));
}

/** Starts a node again (it rejoins its cluster), and waits for it to be ready. */
export function startNode(kind: ClusterKind, node: number): void {
  run('start', kind, String(node));
}

export function clusterStatus(): string {
  return run('status');
}
