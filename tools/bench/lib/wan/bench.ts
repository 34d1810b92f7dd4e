/**
 * GIMMING_BENCH_WAN for the sync benchmark: every zone in a network namespace of its own, joined by the
 * emulated link of a WanLink: zone-a's Glance and agent in the near one, zone-b's in the far one; the API,
 * the conductor and the rest of the test bed stay in the root namespace. The image data of both the GIMinG
 * copy (agent-zone-b pulls from agent-zone-a) and the curl pipe (run in the near namespace, PUTting to the
 * far Glance) cross the link once, sent and received by sockets of the zones' namespaces, whose TCP buffers
 * the bench sizes to the link (GIMMING_BENCH_WAN_TUNE); the far side's calls to Keystone and RabbitMQ
 * cross it too (relayed).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DaemonOptions, DaemonSet } from '../../../../tests/support/daemons';
import { testbed } from '../../../../tests/support/testbed';
import { type ZoneGlance, startZoneGlance } from './glance';
import { WanLink, type WanSpec, describeWan, parseSysctls, parseWanSpec } from './index';
import { type LinkTuning, formatBytes, linkTuning } from './tuning';

/** The test bed's ports the namespaces need (Keystone, RabbitMQ, Barbican, memcached), relayed. */
const RELAYED_PORTS = [5000, 5672, 9311, 11212];
/** The root end of the relays listens from GIMMING_BENCH_PORT_BASE + 20 on (in the bench's own range). */
const RELAY_PORT_OFFSET = 20;

export interface WanBench {
  spec: WanSpec;
  /** The link's tuning (sysctls in both namespaces, the pulling agent's window); undefined: left alone. */
  tuning?: LinkTuning;
  description: string;
}

/**
 * GIMMING_BENCH_WAN_TUNE: `bdp` (the default) sizes both namespaces' TCP buffers and the pulling agent's
 * [agent] flow_control_window to the link's bandwidth-delay product (tuning.ts); `off` leaves the
 * namespaces as Linux makes them (a copy of the root namespace's TCP sysctls) and the agents' defaults.
 */
export function tuningFromEnv(spec: WanSpec, env: NodeJS.ProcessEnv = process.env): LinkTuning | undefined {
  const raw = (env.GIMMING_BENCH_WAN_TUNE ?? 'bdp').trim().toLowerCase();
  if (raw === 'off' || raw === '0') return undefined;
  if (raw !== 'bdp' && raw !== '1' && raw !== '') {
    throw new Error(`GIMMING_BENCH_WAN_TUNE: bdp or off, not ${raw}`);
  }
  return linkTuning(spec.rateBps, spec.rttMs);
}

/** GIMMING_BENCH_WAN (with GIMMING_BENCH_WAN_SYSCTL and _TUNE), or undefined when it is not set. */
export function wanFromEnv(env: NodeJS.ProcessEnv = process.env): WanBench | undefined {
  const raw = env.GIMMING_BENCH_WAN;
  if (!raw || raw === '0' || raw === 'off') return undefined;
  const spec = parseWanSpec(raw);
  spec.sysctls = parseSysctls(env.GIMMING_BENCH_WAN_SYSCTL ?? '');
  const tuning = tuningFromEnv(spec, env);
  const sysctls = Object.entries(spec.sysctls).map(([k, v]) => `${k}=${v}`);
  return {
    spec,
    ...(tuning ? { tuning } : {}),
    description:
      describeWan(spec) +
      (tuning
        ? `; BDP ${formatBytes(tuning.bdpBytes)}, tuned: TCP buffers up to ${formatBytes(tuning.tcpBufferMax)}, ` +
          `flow_control_window ${formatBytes(tuning.flowControlWindow)}, chunk_size ${formatBytes(tuning.chunkSize)}`
        : '; untuned') +
      (sysctls.length ? `; both namespaces: ${sysctls.join('; ')}` : ''),
  };
}

/** What the zones' namespaces read, once set: the figures a report must carry. */
export function describeTuning(link: WanLink, tuning: LinkTuning | undefined): string {
  const read = (side: 'near' | 'far') =>
    `${side} tcp_wmem ${link.readSysctl(side, 'net.ipv4.tcp_wmem')}, tcp_rmem ${link.readSysctl(side, 'net.ipv4.tcp_rmem')}`;
  return `${tuning ? 'tuned to the BDP' : 'untuned'}: ${read('near')}; ${read('far')}`;
}

export interface WanContext {
  link: WanLink;
  glanceA: ZoneGlance;
  glanceB: ZoneGlance;
  tuning?: LinkTuning;
  issueCertificates(daemons: DaemonSet): void;
  report(): Record<string, unknown>;
}

type OnCleanup = (what: string, run: () => Promise<unknown>) => () => Promise<void>;

/** Makes the link and starts both zones' Glances in their namespaces; all go with the bench's cleanups. */
export async function startWan(
  wan: WanBench,
  benchDir: string,
  portBase: number,
  onCleanup: OnCleanup,
): Promise<WanContext> {
  const logDir = join(benchDir, 'wan');
  mkdirSync(logDir, { recursive: true });
  const link = await WanLink.up(
    wan.spec,
    {
      name: 'gimwan',
      subnet: 201,
      relays: RELAYED_PORTS.map((port, i) => ({ port, via: portBase + RELAY_PORT_OFFSET + i })),
      logDir,
    },
    wan.tuning?.sysctls,
  );
  onCleanup('remove the WAN link', () => link.down());
  const regions = testbed().regions;
  const port = (region: string) => Number(new URL(regions[region]!.glance_url).port);
  const [glanceA, glanceB] = await Promise.all([
    startZoneGlance(link, 'near', 'glance-a', port('RegionOne'), logDir),
    startZoneGlance(link, 'far', 'glance-b', port('RegionTwo'), logDir),
  ]);
  const namespaces = describeTuning(link, wan.tuning);
  process.stderr.write(
    `[bench] WAN link (${link.method}): ${wan.description}\n[bench] ${namespaces}\n` +
      `[bench] zone-a's Glance at ${glanceA.url} (${link.ns.near}), zone-b's at ${glanceB.url} ` +
      `(${link.ns.far}); logs in ${logDir}\n`,
  );
  return {
    link,
    glanceA,
    glanceB,
    ...(wan.tuning ? { tuning: wan.tuning } : {}),
    issueCertificates(daemons) {
      // Made before DaemonSet.start(), which then keeps them: the agents are reached on the link's addresses.
      daemons.issueCertificate('agent-zone-a', [
        `IP:${link.nearAddress}`,
        `IP:${link.nearRootSide}`,
        'IP:127.0.0.1',
      ]);
      daemons.issueCertificate('agent-zone-b', [`IP:${link.farAddress}`, 'IP:127.0.0.1']);
    },
    report: () => ({
      ...wan.spec,
      method: link.method,
      description: wan.description,
      tuning: wan.tuning ?? null,
      namespaces,
    }),
  };
}

/**
 * agent-zone-a in the near namespace, agent-zone-b in the far one, each advertised on its end of the link;
 * the pulling agent (zone-b) with the tuning's flow_control_window and both with its chunk_size, unless
 * `extraConfig` sets them.
 */
export function wanAgentOptions(
  wan: WanContext,
  ports: { 'zone-a': number; 'zone-b': number },
  extraConfig = '',
): Pick<DaemonOptions, 'wrap' | 'agentEnv'> {
  const { link } = wan;
  const tuned = (option: string, value: number | undefined): Record<string, string> =>
    value !== undefined && !new RegExp(`^\\s*${option}\\s*=`, 'm').test(extraConfig)
      ? { [`OS_AGENT__${option.toUpperCase()}`]: String(value) }
      : {};
  const window = tuned('flow_control_window', wan.tuning?.flowControlWindow);
  const chunk = tuned('chunk_size', wan.tuning?.chunkSize);
  return {
    wrap: { 'agent-zone-a': link.prefix('near'), 'agent-zone-b': link.prefix('far') },
    agentEnv: {
      'zone-a': {
        OS_AGENT__BIND_HOST: '0.0.0.0',
        OS_AGENT__ADVERTISE_ADDRESS: `${link.nearAddress}:${ports['zone-a']}`,
        ...chunk,
      },
      'zone-b': {
        OS_AGENT__BIND_HOST: '0.0.0.0',
        OS_AGENT__ADVERTISE_ADDRESS: `${link.farAddress}:${ports['zone-b']}`,
        ...window,
        ...chunk,
      },
    },
  };
}
