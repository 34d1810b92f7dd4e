/**
 * GIMMING_BENCH_WAN for the sync benchmark: zone-b's Glance and agent in the far namespace of a WanLink,
 * zone-a (the test bed, its Glance, agent-zone-a, the API and the conductor) in the root namespace. The
 * image data of both the GIMinG copy (agent-zone-b pulls from agent-zone-a) and the curl pipe (curl PUTs to
 * the far Glance) cross the link once; so do the far side's calls to Keystone and RabbitMQ (relayed).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DaemonOptions, DaemonSet } from '../../../../tests/support/daemons';
import { testbed } from '../../../../tests/support/testbed';
import { type FarGlance, startFarGlance } from './glance';
import { WanLink, type WanSpec, describeWan, parseSysctls, parseWanSpec } from './index';

/** The test bed's ports the far namespace needs (Keystone, RabbitMQ, Barbican, memcached), relayed. */
const RELAYED_PORTS = [5000, 5672, 9311, 11212];
/** The near end of the relays listens on these (the bench's port range is 19000-19099). */
const RELAY_BASE_PORT = 19020;

export interface WanBench {
  spec: WanSpec;
  description: string;
}

/** GIMMING_BENCH_WAN (and GIMMING_BENCH_WAN_SYSCTL), or undefined when it is not set. */
export function wanFromEnv(env: NodeJS.ProcessEnv = process.env): WanBench | undefined {
  const raw = env.GIMMING_BENCH_WAN;
  if (!raw || raw === '0' || raw === 'off') return undefined;
  const spec = parseWanSpec(raw);
  spec.sysctls = parseSysctls(env.GIMMING_BENCH_WAN_SYSCTL ?? '');
  const sysctls = Object.entries(spec.sysctls).map(([k, v]) => `${k}=${v}`);
  return {
    spec,
    description: describeWan(spec) + (sysctls.length ? `; far namespace: ${sysctls.join('; ')}` : ''),
  };
}

export interface WanContext {
  link: WanLink;
  glance: FarGlance;
  issueCertificates(daemons: DaemonSet): void;
  report(): Record<string, unknown>;
}

type OnCleanup = (what: string, run: () => Promise<unknown>) => () => Promise<void>;

/** Makes the link and starts zone-b's Glance behind it; both go with the bench's cleanups. */
export async function startWan(wan: WanBench, benchDir: string, onCleanup: OnCleanup): Promise<WanContext> {
  const logDir = join(benchDir, 'wan');
  mkdirSync(logDir, { recursive: true });
  const link = await WanLink.up(wan.spec, {
    name: 'gimwan',
    subnet: 201,
    relays: RELAYED_PORTS.map((port, i) => ({ port, via: RELAY_BASE_PORT + i })),
    logDir,
  });
  onCleanup('remove the WAN link', () => link.down());
  const catalogUrl = new URL(testbed().regions.RegionTwo!.glance_url);
  const glance = await startFarGlance(link, 'glance-b', Number(catalogUrl.port), logDir);
  process.stderr.write(
    `[bench] WAN link (${link.method}): ${wan.description}; zone-b's Glance at ${glance.url} (logs in ${logDir})\n`,
  );
  return {
    link,
    glance,
    issueCertificates(daemons) {
      // Made before DaemonSet.start(), which then keeps them: the agents are reached on the link's addresses.
      daemons.issueCertificate('agent-zone-a', [`IP:${link.nearAddress}`, 'IP:127.0.0.1']);
      daemons.issueCertificate('agent-zone-b', [`IP:${link.farAddress}`, 'IP:127.0.0.1']);
    },
    report: () => ({ ...wan.spec, method: link.method, description: wan.description }),
  };
}

/** agent-zone-a on the near end of the link, agent-zone-b in the far namespace. */
export function wanAgentOptions(
  wan: WanContext,
  ports: { 'zone-a': number; 'zone-b': number },
): Pick<DaemonOptions, 'wrap' | 'agentEnv'> {
  const { link } = wan;
  return {
    wrap: { 'agent-zone-b': link.prefix },
    agentEnv: {
      'zone-a': {
        OS_AGENT__BIND_HOST: link.nearAddress,
        OS_AGENT__ADVERTISE_ADDRESS: `${link.nearAddress}:${ports['zone-a']}`,
      },
      'zone-b': {
        OS_AGENT__BIND_HOST: '0.0.0.0',
        OS_AGENT__ADVERTISE_ADDRESS: `${link.farAddress}:${ports['zone-b']}`,
      },
    },
  };
}
