/**
 * An emulated wide-area link for the benchmarks: a network namespace (the "far" zone) joined to the root
 * namespace (the "near" zone, where the test bed runs) by a link with delay, rate and loss.
 *
 *   tc netem   where the kernel has sch_netem: a veth pair, netem (delay, rate, loss) on both ends;
 *   linkemu    otherwise: two TUN devices joined by tools/bench/lib/wan/linkemu.py, which delays, shapes
 *              and drops the IP packets in userspace (so TCP sees a real delay and real losses).
 *
 * The test bed's services listen on 127.0.0.1 of the root namespace only. The far namespace reaches the ones
 * it needs (Keystone, RabbitMQ, ...) on its own 127.0.0.1 through relays (socat) that cross the emulated
 * link: a listener on the far 127.0.0.1 forwards to the near end's address, where a second one forwards to
 * the root's 127.0.0.1. Everything the link makes (namespace, devices, relays, processes started in the
 * namespace) goes in `down()`, which the bench runs at its end and on SIGINT/SIGTERM; the processes also die
 * with the bench (PR_SET_PDEATHSIG), and `up()` first removes what an earlier, killed run left.
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
  /** Sysctls set in the far namespace (its TCP buffers), "name=value". */
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

/** A port of the root namespace's 127.0.0.1 that the far namespace reaches on its own 127.0.0.1. */
export interface Relay {
  port: number;
  /** The port (in the bench's range) the near end of the link listens on for it. */
  via: number;
}

export interface WanOptions {
  /** Namespace and device names start with it (at most 9 characters). */
  name: string;
  /** 10.X.0.0/30 is used for the link. */
  subnet: number;
  relays: Relay[];
  /** Where logs of the link's processes go. */
  logDir: string;
}

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
  readonly ns: string;
  readonly nearAddress: string;
  readonly farAddress: string;
  readonly devNear: string;
  readonly devFar: string;
  method: 'netem' | 'linkemu' = 'linkemu';
  private readonly children: ChildProcess[] = [];

  private constructor(
    readonly spec: WanSpec,
    private readonly opts: WanOptions,
  ) {
    this.ns = `${opts.name}-far`;
    this.nearAddress = `10.${opts.subnet}.0.1`;
    this.farAddress = `10.${opts.subnet}.0.2`;
    this.devNear = `${opts.name}-n`;
    this.devFar = `${opts.name}-f`;
  }

  /** Makes the namespace, the link and the relays; on any failure removes what it made, then throws. */
  static async up(spec: WanSpec, opts: WanOptions): Promise<WanLink> {
    const link = new WanLink(spec, opts);
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
    if (tryRun('ip', ['netns', 'pids', this.ns]).ok) this.killNamespacePids();
    tryRun('ip', ['netns', 'del', this.ns]);
    tryRun('ip', ['link', 'del', this.devNear]);
  }

  private killNamespacePids(): void {
    const r = spawnSync('ip', ['netns', 'pids', this.ns], { encoding: 'utf8' });
    for (const pid of (r.stdout ?? '').split(/\s+/).filter(Boolean).map(Number)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
  }

  private async make(): Promise<void> {
    const { spec, ns } = this;
    ip(['netns', 'add', ns]);
    ip(['-n', ns, 'link', 'set', 'lo', 'up']);
    if (hasNetem()) {
      this.method = 'netem';
      ip(['link', 'add', this.devNear, 'type', 'veth', 'peer', 'name', this.devFar]);
      ip(['link', 'set', this.devFar, 'netns', ns]);
      const netem = ['netem', 'delay', `${spec.rttMs / 2}ms`, 'loss', `${spec.loss * 100}%`];
      if (spec.rateBps > 0) netem.push('rate', `${spec.rateBps}bit`);
      netem.push('limit', String(Math.max(10000, Math.ceil(this.queueBytes() / 1500))));
      execFileSync('tc', ['qdisc', 'add', 'dev', this.devNear, 'root', ...netem]);
      execFileSync('ip', ['netns', 'exec', ns, 'tc', 'qdisc', 'add', 'dev', this.devFar, 'root', ...netem]);
    } else {
      const emu = this.spawnLogged(
        'linkemu',
        'setpriv',
        [
          '--pdeathsig',
          'KILL',
          PYTHON,
          LINKEMU,
          '--dev-a',
          this.devNear,
          '--dev-b',
          this.devFar,
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
      ip(['link', 'set', this.devFar, 'netns', ns]);
    }
    ip(['addr', 'add', this.nearAddress, 'peer', this.farAddress, 'dev', this.devNear]);
    ip(['link', 'set', this.devNear, 'mtu', String(spec.mtu), 'up']);
    ip(['-n', ns, 'addr', 'add', this.farAddress, 'peer', this.nearAddress, 'dev', this.devFar]);
    ip(['-n', ns, 'link', 'set', this.devFar, 'mtu', String(spec.mtu), 'up']);
    for (const [k, v] of Object.entries(spec.sysctls)) {
      execFileSync('ip', ['netns', 'exec', ns, 'sysctl', '-q', '-w', `${k}=${v}`]);
    }
    for (const { port, via } of this.opts.relays) {
      this.spawnLogged(`relay-near-${port}`, 'setpriv', [
        '--pdeathsig',
        'KILL',
        'socat',
        `TCP-LISTEN:${via},bind=${this.nearAddress},fork,reuseaddr`,
        `TCP:127.0.0.1:${port}`,
      ]);
      this.spawnInNamespace(`relay-far-${port}`, 'socat', [
        `TCP-LISTEN:${port},bind=127.0.0.1,fork,reuseaddr`,
        `TCP:${this.nearAddress}:${via},nodelay`,
      ]);
    }
    // The relays listen once socat has started; wait for the far ones, which come last.
    for (const { port } of this.opts.relays) {
      await waitUntil(
        `relay ${port}`,
        () => tryRun('ip', ['netns', 'exec', this.ns, 'bash', '-c', `: </dev/tcp/127.0.0.1/${port}`]).ok,
      );
    }
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

  /** Starts a command in the far namespace (it dies with the bench); its output goes to wan-NAME.log. */
  spawnInNamespace(name: string, cmd: string, args: string[], env?: NodeJS.ProcessEnv): ChildProcess {
    return this.spawnLogged(
      name,
      'ip',
      ['netns', 'exec', this.ns, 'setpriv', '--pdeathsig', 'KILL', cmd, ...args],
      'log',
      env,
    );
  }

  /** The argv prefix that runs a command in the far namespace (for DaemonSet's `wrap`). */
  get prefix(): string[] {
    return ['ip', 'netns', 'exec', this.ns];
  }

  /** Removes everything: the processes it started, those left in the namespace, the namespace, the devices. */
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

async function waitUntil(what: string, ok: () => boolean, ms = 10000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`the WAN link: ${what} did not come up`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
