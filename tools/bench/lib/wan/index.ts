/**
 * An emulated wide-area link for the benchmarks: two network namespaces, one per zone ("near" and "far"),
 * joined by a link with delay, rate and loss, and the near one joined to the root namespace (where the test
 * bed, the API and the conductor run) by a plain veth pair, without delay:
 *
 *   root 10.S+1.0.1 --veth-- 10.S+1.0.2 near 10.S.0.1 ==link== 10.S.0.2 far
 *
 *   tc netem   where the kernel has sch_netem: a veth pair between the namespaces, netem on both ends;
 *   linkemu    otherwise: two TUN devices joined by tools/bench/lib/wan/linkemu.py, which delays, shapes
 *              and drops the IP packets in userspace (so TCP sees a real delay and real losses).
 *
 * Every zone's processes run in a namespace of their own, so the TCP buffers of both ends of the link are
 * set there (per-namespace sysctls) and the root namespace's stay as they are. The test bed's services
 * listen on 127.0.0.1 of the root namespace only: each namespace reaches the ones it needs (Keystone,
 * RabbitMQ, ...) on its own 127.0.0.1 through relays (socat): a listener on the namespace's 127.0.0.1
 * forwards to the root end of the veth, where a second one forwards to the root's 127.0.0.1. The far
 * namespace's relays cross the emulated link (the near namespace routes between the two). Everything the
 * link makes (namespaces, devices, relays, processes started in them) goes in `down()`, which the bench runs
 * at its end and on SIGINT/SIGTERM/SIGHUP; the processes also die with the bench (PR_SET_PDEATHSIG), and
 * `up()` first removes what an earlier, killed run left (as does tools/bench/lib/wan/clean.sh).
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../../../tests/support/testbed';

/** What GIMMING_BENCH_WAN asks for: "rtt=40ms,rate=500mbit,loss=0.1%[,mtu=65000][,queue=4mb]". */
export interface WanSpec {
  rttMs: number;
  /** Bits per second each way; 0: unlimited. */
  rateBps: number;
  /** Fraction of the packets lost, each way (0.001 for 0.1%). */
  loss: number;
  mtu: number;
  /** The link's queue in bytes (tail drop beyond); 0: twice the bandwidth-delay product, at least 4 MiB. */
  queueBytes: number;
  /** Sysctls set in both zones' namespaces (their TCP buffers), "name=value", after the tuning's own. */
  sysctls: Record<string, string>;
}

export const WAN_DEFAULTS: WanSpec = {
  rttMs: 40,
  rateBps: 500e6,
  loss: 0.001,
  mtu: 65000,
  queueBytes: 0,
  sysctls: {},
};

const UNITS: Record<string, number> = { bit: 1, kbit: 1e3, mbit: 1e6, gbit: 1e9 };
const BYTE_UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, kib: 1024, mib: 1024 ** 2 };

/** Parses GIMMING_BENCH_WAN; "1" or "on" gives the defaults. Throws on anything it does not know. */
export function parseWanSpec(raw: string): WanSpec {
  const spec: WanSpec = { ...WAN_DEFAULTS, sysctls: {} };
  if (raw === '1' || raw === 'on') return spec;
  for (const part of raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [key, value = ''] = part.split('=', 2).map((s) => s.trim().toLowerCase()) as [string, string?];
    const bad = () => new Error(`GIMMING_BENCH_WAN: cannot read ${part}`);
    const num = (re: RegExp) => {
      const m = re.exec(value);
      if (!m) throw bad();
      return m;
    };
    switch (key) {
      case 'rtt': {
        const m = num(/^(\d+(?:\.\d+)?)(ms|s)$/);
        spec.rttMs = Number(m[1]) * (m[2] === 's' ? 1000 : 1);
        break;
      }
      case 'rate': {
        const m = num(/^(\d+(?:\.\d+)?)([kmg]?bit)$/);
        spec.rateBps = Number(m[1]) * UNITS[m[2]!]!;
        break;
      }
      case 'loss': {
        const m = num(/^(\d+(?:\.\d+)?)(%)?$/);
        spec.loss = Number(m[1]) / (m[2] ? 100 : 1);
        if (spec.loss >= 1) throw bad();
        break;
      }
      case 'mtu':
        spec.mtu = Number(num(/^(\d+)$/)[1]);
        if (spec.mtu < 1280 || spec.mtu > 65000) throw bad();
        break;
      case 'queue': {
        const m = num(/^(\d+)([km]i?b|b)?$/);
        spec.queueBytes = Number(m[1]) * BYTE_UNITS[m[2] ?? 'b']!;
        break;
      }
      default:
        throw new Error(`GIMMING_BENCH_WAN: unknown key ${key} (rtt, rate, loss, mtu, queue)`);
    }
  }
  return spec;
}

/** Parses GIMMING_BENCH_WAN_SYSCTL: "net.ipv4.tcp_rmem=4096 131072 67108864;net.ipv4.tcp_wmem=...". */
export function parseSysctls(raw: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of raw
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const i = item.indexOf('=');
    if (i < 1 || !/^net\.[a-z0-9_.]+$/.test(item.slice(0, i).trim())) {
      throw new Error(`GIMMING_BENCH_WAN_SYSCTL: cannot read ${item}`);
    }
    out[item.slice(0, i).trim()] = item.slice(i + 1).trim();
  }
  return out;
}

export function describeWan(s: WanSpec): string {
  const rate = s.rateBps === 0 ? 'unlimited' : `${s.rateBps / 1e6} Mbit/s`;
  return `RTT ${s.rttMs} ms, ${rate}, loss ${Number((s.loss * 100).toFixed(3))}%, MTU ${s.mtu}`;
}

/** A port of the root namespace's 127.0.0.1 that the zones' namespaces reach on their own 127.0.0.1. */
export interface Relay {
  port: number;
  /** The port (in the bench's range) the root end of the veth listens on for it. */
  via: number;
}

export interface WanOptions {
  /** Namespace and device names start with it (at most 9 characters). */
  name: string;
  /** 10.S.0.0/30 is used for the link, 10.S+1.0.0/30 for the veth to the root namespace. */
  subnet: number;
  relays: Relay[];
  /** Where logs of the link's processes go. */
  logDir: string;
}

/** The two zones' ends of the link. */
export type Side = 'near' | 'far';
const SIDES: readonly Side[] = ['near', 'far'];
const OTHER: Record<Side, Side> = { near: 'far', far: 'near' };

const LINKEMU = join(REPO_ROOT, 'tools', 'bench', 'lib', 'wan', 'linkemu.py');
const PYTHON = '/usr/bin/python3';

function ip(args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function tryRun(cmd: string, args: string[]): { ok: boolean; err: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return { ok: r.status === 0, err: `${r.stderr ?? ''}`.trim() };
}

/** True when `tc qdisc ... netem` works here (the kernel has sch_netem). */
export function hasNetem(): boolean {
  const dev = 'gwanprobe0';
  tryRun('ip', ['link', 'del', dev]);
  if (!tryRun('ip', ['link', 'add', dev, 'type', 'dummy']).ok) return false;
  try {
    return tryRun('tc', ['qdisc', 'add', 'dev', dev, 'root', 'netem', 'delay', '1ms']).ok;
  } finally {
    tryRun('ip', ['link', 'del', dev]);
  }
}

export class WanLink {
  readonly ns: Record<Side, string>;
  /** The link's addresses: the near zone's end and the far zone's. */
  readonly address: Record<Side, string>;
  /** The root namespace's end of the veth to the near namespace (where the relays listen). */
  readonly rootAddress: string;
  /** The near namespace's end of that veth. */
  readonly nearRootSide: string;
  readonly dev: Record<Side, string>;
  readonly devRoot: string;
  method: 'netem' | 'linkemu' = 'linkemu';
  private readonly children: ChildProcess[] = [];

  private constructor(
    readonly spec: WanSpec,
    private readonly opts: WanOptions,
    /** Sysctls set in each zone's namespace (the tuning's, then the spec's own). */
    readonly sysctls: Record<string, string>,
  ) {
    const { name, subnet } = opts;
    this.ns = { near: `${name}-near`, far: `${name}-far` };
    this.address = { near: `10.${subnet}.0.1`, far: `10.${subnet}.0.2` };
    this.rootAddress = `10.${subnet + 1}.0.1`;
    this.nearRootSide = `10.${subnet + 1}.0.2`;
    this.dev = { near: `${name}-n`, far: `${name}-f` };
    this.devRoot = `${name}-r`;
  }

  get nearAddress(): string {
    return this.address.near;
  }

  get farAddress(): string {
    return this.address.far;
  }

  /** Makes the namespaces, the link and the relays; on any failure removes what it made, then throws. */
  static async up(spec: WanSpec, opts: WanOptions, tuning: Record<string, string> = {}): Promise<WanLink> {
    const link = new WanLink(spec, opts, { ...tuning, ...spec.sysctls });
    link.removeLeftovers();
    try {
      await link.make();
    } catch (err) {
      await link.down();
      throw err;
    }
    return link;
  }

  private removeLeftovers(): void {
    for (const ns of Object.values(this.ns)) {
      if (tryRun('ip', ['netns', 'pids', ns]).ok) killNamespacePids(ns);
      tryRun('ip', ['netns', 'del', ns]);
    }
    // A namespace's devices go with it; devices not yet moved into one stay in the root namespace.
    for (const dev of [this.devRoot, this.dev.near, this.dev.far]) tryRun('ip', ['link', 'del', dev]);
  }

  private async make(): Promise<void> {
    const { spec, ns, dev } = this;
    for (const n of Object.values(ns)) {
      ip(['netns', 'add', n]);
      ip(['-n', n, 'link', 'set', 'lo', 'up']);
    }
    if (hasNetem()) {
      this.method = 'netem';
      ip(['link', 'add', dev.near, 'type', 'veth', 'peer', 'name', dev.far]);
      const netem = ['netem', 'delay', `${spec.rttMs / 2}ms`, 'loss', `${spec.loss * 100}%`];
      if (spec.rateBps > 0) netem.push('rate', `${spec.rateBps}bit`);
      netem.push('limit', String(Math.max(10000, Math.ceil(this.queueBytes() / 1500))));
      for (const side of SIDES) {
        ip(['link', 'set', dev[side], 'netns', ns[side]]);
        execFileSync('ip', [
          'netns',
          'exec',
          ns[side],
          'tc',
          'qdisc',
          'add',
          'dev',
          dev[side],
          'root',
          ...netem,
        ]);
      }
    } else {
      await this.startLinkemu();
      // The emulator keeps its file descriptors of the TUN devices when they move.
      for (const side of SIDES) ip(['link', 'set', dev[side], 'netns', ns[side]]);
    }
    for (const side of SIDES) {
      const n = ns[side];
      ip(['-n', n, 'addr', 'add', this.address[side], 'peer', this.address[OTHER[side]], 'dev', dev[side]]);
      ip(['-n', n, 'link', 'set', dev[side], 'mtu', String(spec.mtu), 'up']);
    }
    // root <-> near: a plain veth; near routes between it and the link, root and far route through near.
    const nearVeth = `${this.devRoot}n`;
    ip(['link', 'add', this.devRoot, 'type', 'veth', 'peer', 'name', nearVeth]);
    ip(['link', 'set', nearVeth, 'netns', ns.near]);
    ip(['addr', 'add', `${this.rootAddress}/30`, 'dev', this.devRoot]);
    ip(['link', 'set', this.devRoot, 'mtu', String(spec.mtu), 'up']);
    ip(['-n', ns.near, 'addr', 'add', `${this.nearRootSide}/30`, 'dev', nearVeth]);
    ip(['-n', ns.near, 'link', 'set', nearVeth, 'mtu', String(spec.mtu), 'up']);
    ip(['route', 'add', `${this.address.far}/32`, 'via', this.nearRootSide, 'dev', this.devRoot]);
    ip(['route', 'add', `${this.address.near}/32`, 'via', this.nearRootSide, 'dev', this.devRoot]);
    ip(['-n', ns.far, 'route', 'add', `${this.rootAddress}/32`, 'via', this.address.near, 'dev', dev.far]);
    ip(['-n', ns.far, 'route', 'add', `${this.nearRootSide}/32`, 'via', this.address.near, 'dev', dev.far]);
    this.sysctl('near', 'net.ipv4.ip_forward', '1');
    for (const side of SIDES) {
      for (const [k, v] of Object.entries(this.sysctls)) this.sysctl(side, k, v);
    }
    for (const { port, via } of this.opts.relays) {
      this.spawnLogged(`relay-root-${port}`, 'setpriv', [
        '--pdeathsig',
        'KILL',
        'socat',
        `TCP-LISTEN:${via},bind=${this.rootAddress},fork,reuseaddr`,
        `TCP:127.0.0.1:${port}`,
      ]);
      for (const side of SIDES) {
        this.spawnInNamespace(side, `relay-${side}-${port}`, 'socat', [
          `TCP-LISTEN:${port},bind=127.0.0.1,fork,reuseaddr`,
          `TCP:${this.rootAddress}:${via},nodelay`,
        ]);
      }
    }
    // The relays listen once socat has started; wait for the namespaces' ones, which come last.
    for (const { port } of this.opts.relays) {
      for (const n of Object.values(ns)) {
        await waitUntil(
          `relay ${port} in ${n}`,
          () => tryRun('ip', ['netns', 'exec', n, 'bash', '-c', `: </dev/tcp/127.0.0.1/${port}`]).ok,
        );
      }
    }
  }

  private async startLinkemu(): Promise<void> {
    const { spec } = this;
    const emu = this.spawnLogged(
      'linkemu',
      'setpriv',
      [
        '--pdeathsig',
        'KILL',
        PYTHON,
        LINKEMU,
        '--dev-a',
        this.dev.near,
        '--dev-b',
        this.dev.far,
        '--delay-ms',
        String(spec.rttMs / 2),
        '--rate-bps',
        String(spec.rateBps),
        '--loss',
        String(spec.loss),
        '--queue-bytes',
        String(this.queueBytes()),
      ],
      'pipe',
    );
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('linkemu.py did not start in 10 s')), 10000);
      emu.once('exit', (code) => reject(new Error(`linkemu.py exited with ${code}`)));
      emu.stdout!.on('data', (d: Buffer) => {
        if (d.toString().includes('ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  }

  private sysctl(side: Side, key: string, value: string): void {
    execFileSync('ip', ['netns', 'exec', this.ns[side], 'sysctl', '-q', '-w', `${key}=${value}`]);
  }

  /** What a sysctl reads in a zone's namespace (for the report: what the bench ran with). */
  readSysctl(side: Side, key: string): string {
    return execFileSync('ip', ['netns', 'exec', this.ns[side], 'sysctl', '-n', key], { encoding: 'utf8' })
      .trim()
      .replace(/\s+/g, ' ');
  }

  private queueBytes(): number {
    const bdp = (this.spec.rateBps / 8) * (Math.max(this.spec.rttMs, 1) / 1000);
    return this.spec.queueBytes || Math.max(2 * bdp, 4 * 1024 * 1024);
  }

  private spawnLogged(
    name: string,
    cmd: string,
    args: string[],
    stdout: 'pipe' | 'log' = 'log',
    env: NodeJS.ProcessEnv = process.env,
  ): ChildProcess {
    const log = openSync(join(this.opts.logDir, `wan-${name}.log`), 'a');
    // Its own process group: down() ends it with everything it forked (socat's per-connection children).
    const child = spawn(cmd, args, {
      stdio: ['ignore', stdout === 'pipe' ? 'pipe' : log, log],
      detached: true,
      env,
    });
    closeSync(log);
    this.children.push(child);
    return child;
  }

  /** Starts a command in a zone's namespace (it dies with the bench); its output goes to wan-NAME.log. */
  spawnInNamespace(
    side: Side,
    name: string,
    cmd: string,
    args: string[],
    env?: NodeJS.ProcessEnv,
  ): ChildProcess {
    return this.spawnLogged(
      name,
      'ip',
      ['netns', 'exec', this.ns[side], 'setpriv', '--pdeathsig', 'KILL', cmd, ...args],
      'log',
      env,
    );
  }

  /** The argv prefix that runs a command in a zone's namespace (for DaemonSet's `wrap`). */
  prefix(side: Side): string[] {
    return ['ip', 'netns', 'exec', this.ns[side]];
  }

  /** Removes everything: the processes it started, those left in the namespaces, the namespaces, the devices. */
  async down(): Promise<void> {
    const exits = this.children
      .filter((c) => c.exitCode === null && c.signalCode === null)
      .map((c) => {
        const exited = new Promise((r) => c.once('exit', r));
        try {
          process.kill(-c.pid!, 'SIGTERM');
        } catch {
          // gone already
        }
        const timer = setTimeout(() => {
          try {
            process.kill(-c.pid!, 'SIGKILL');
          } catch {
            // gone already
          }
        }, 3000);
        return exited.finally(() => clearTimeout(timer));
      });
    await Promise.all(exits);
    this.removeLeftovers();
  }
}

function killNamespacePids(ns: string): void {
  const r = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' });
  for (const pid of (r.stdout ?? '').split(/\s+/).filter(Boolean).map(Number)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
}

async function waitUntil(what: string, ok: () => boolean, ms = 10000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`the WAN link: ${what} did not come up`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
