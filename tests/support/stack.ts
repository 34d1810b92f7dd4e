/**
 * The stack a functional test file runs against, set up in one place: the daemons (a DaemonSet) on ports
 * picked free at run time (so files never clash with each other, nor with a running `npm run demo`),
 * Keystone tokens for admin, demo and alt, the test bed's zones registered as clouds, and a fixture per
 * cloud to check the outcome in the cloud itself.
 *
 *     const stack = useStack({ extraConfig: '[conductor]\nrefresh_interval = 0\n' });
 *     it('...', async () => { await http('GET', `${stack.api}/v1/images`, { token: stack.demo.id }); });
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CloudFixture, type CloudKind, glanceKind } from './clouds';
import { type DaemonOptions, DaemonSet, allPassed } from './daemons';
import { http } from './http';
import { Glance, type Token, issueToken } from './openstack';
import { type Testbed, testbed } from './testbed';

const handedOut = new Set<number>();

/** A TCP port nothing listens on now (never the same one twice in a run). */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    if (port > 0 && !handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

export interface StackPorts {
  api: number;
  agents: Record<string, number>;
}

export interface StackOptions {
  /** The zones that get an agent (default zone-a and zone-b). */
  zones?: string[];
  /** As DaemonSet's extraConfig; a function is given the ports picked (and runs after beforeStart). */
  extraConfig?: string | ((ports: StackPorts) => string);
  /** As DaemonSet's agentEnv; a function is given the ports picked. */
  agentEnv?:
    Record<string, Record<string, string>> | ((ports: StackPorts) => Record<string, Record<string, string>>);
  /** The text of a policy file the API is started with ([oslo_policy] policy_file). */
  policy?: string;
  /** Registers the zones as clouds (default true). */
  registerClouds?: boolean;
  /** The kind of cloud the zones are registered as (default Glance). */
  kind?: CloudKind;
  /** Another test bed description (for example one with HTTPS endpoints). */
  bed?: () => Testbed | Promise<Testbed>;
  /**
   * The test bed the daemons are configured with, when it is not the one the tests reach (for example
   * Keystone behind a TLS terminator whose CA only the daemons trust); tokens are still issued by `bed`.
   * Runs once the test bed is known, before beforeStart.
   */
  daemonBed?: (bed: Testbed) => Testbed;
  /** Runs once the ports are picked and the DaemonSet is made, before its config is written and it starts. */
  beforeStart?: (stack: Stack) => void | Promise<void>;
  /** The messaging service and the database server of the daemons (default the test bed's). */
  services?: () => Pick<DaemonOptions, 'transportUrl' | 'db'>;
  /** Runs before the daemons stop (cleanup that needs them). */
  beforeStop?: (stack: Stack) => void | Promise<void>;
}

/** The stack of one test file; its fields are set once `start()` (or useStack's before hook) ran. */
export class Stack {
  bed!: Testbed;
  daemons!: DaemonSet;
  ports!: StackPorts;
  admin!: Token;
  demo!: Token;
  alt!: Token;
  /** The clouds' IDs in GIMinG, by name. */
  cloudIds: Record<string, string> = {};
  readonly kind: CloudKind;

  constructor(readonly opts: StackOptions = {}) {
    this.kind = opts.kind ?? glanceKind;
  }

  get api(): string {
    return this.daemons.apiUrl;
  }

  get zones(): string[] {
    return this.opts.zones ?? ['zone-a', 'zone-b'];
  }

  /** A zone's cloud as seen by `as` (default demo), through the cloud's own API. */
  cloud(zone: string, as: Token = this.demo): CloudFixture {
    return this.kind.fixture(this.bed, zone, as.id);
  }

  /** A zone's Glance as seen by `as` (default demo), for what only Glance has. */
  glance(zone: string, as: Token = this.demo): Glance {
    const region = zone === 'zone-a' ? 'RegionOne' : zone === 'zone-b' ? 'RegionTwo' : zone;
    const r = this.bed.regions[region];
    if (!r) throw new Error(`the test bed has no ${zone}`);
    return new Glance(r.glance_url, as.id);
  }

  /** Rows of a query on the stack's own database (to see what the API does not show, e.g. a task's owner). */
  async query<T = Record<string, any>>(sql: string, params: unknown[] = []): Promise<T[]> {
    const conn = await this.daemons.dbConnection(this.daemons.dbName);
    try {
      const [rows] = await conn.query(sql, params);
      return rows as T[];
    } finally {
      await conn.end();
    }
  }

  async start(): Promise<this> {
    this.bed = await (this.opts.bed ?? testbed)();
    const agents: Record<string, number> = {};
    const api = await freePort();
    for (const zone of this.zones) agents[zone] = await freePort();
    this.ports = { api, agents };
    const daemonBed = this.opts.daemonBed?.(this.bed) ?? this.bed;
    this.daemons = new DaemonSet(daemonBed, { apiPort: api, agentPorts: agents, ...this.opts.services?.() });
    await this.opts.beforeStart?.(this);
    // The config is written when the daemons start: what it holds may depend on what beforeStart made.
    const { extraConfig, agentEnv, policy } = this.opts;
    let extra = typeof extraConfig === 'function' ? extraConfig(this.ports) : (extraConfig ?? '');
    if (policy !== undefined) {
      const policyFile = join(mkdtempSync(join(tmpdir(), 'gimming-policy-')), 'policy.yaml');
      writeFileSync(policyFile, policy);
      extra = `${extra}\n[oslo_policy]\npolicy_file = ${policyFile}\n`;
    }
    this.daemons.opts.extraConfig = extra;
    if (agentEnv)
      this.daemons.opts.agentEnv = typeof agentEnv === 'function' ? agentEnv(this.ports) : agentEnv;
    await this.daemons.start();
    [this.admin, this.demo, this.alt] = await Promise.all([
      issueToken(this.bed, this.bed.users.admin),
      issueToken(this.bed, this.bed.users.demo),
      issueToken(this.bed, this.bed.users.alt),
    ]);
    if (this.opts.registerClouds ?? true) {
      for (const zone of this.zones) {
        const res = await http('POST', `${this.api}/v1/clouds`, {
          token: this.admin.id,
          json: this.kind.registration(this.bed, zone),
        });
        if (res.status !== 201) throw new Error(`register ${zone}: HTTP ${res.status} ${res.text}`);
        this.cloudIds[zone] = res.body.id;
      }
    }
    return this;
  }

  /** Stops the daemons; their logs are kept (and their place printed) when `keepLogs`. */
  async stop(keepLogs = false): Promise<void> {
    try {
      await this.opts.beforeStop?.(this);
    } finally {
      if (this.daemons) await this.daemons.stop(keepLogs);
    }
  }
}

/**
 * A stack for the enclosing describe: started in a before hook, stopped in an after hook (its logs kept
 * when a test of the describe failed).
 */
export function useStack(opts: StackOptions = {}): Stack {
  const stack = new Stack(opts);
  before(async function () {
    this.timeout(300000);
    await stack.start();
  });
  after(async function () {
    this.timeout(60000);
    await stack.stop(!allPassed(this.test?.parent));
  });
  return stack;
}
