/**
 * The GIMinG daemons as an operator runs them: separate processes started from one config file
 * (agents told their zone and port through OS_AGENT__* environment overrides), each logging JSON lines to
 * its own file. Each run gets its own database and RabbitMQ exchange, so runs do not see each other.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { http, waitFor } from './http';
import { DAEMON_NODE_FLAGS } from '../../src/common/daemon-node-flags';
import { REPO_ROOT, type Testbed } from './testbed';

export interface DaemonOptions {
  apiPort: number;
  agentPorts: Record<string, number>;
  /** Lines appended to the config, inside [agent] (the last group) unless they open a group of their own. */
  extraConfig?: string;
  /** More environment for the agent of a zone (for example its own OS_METRICS__AGENT_PORT). */
  agentEnv?: Record<string, Record<string, string>>;
  /**
   * Another tree (a built checkout of an earlier release, support/old-release.ts) to run some commands
   * from, by command name (gimming-api, gimming-conductor, gimming-agent, gimming-manage); default: this one.
   */
  roots?: Record<string, string>;
  /** [DEFAULT] transport_url (default the test bed's RabbitMQ). */
  transportUrl?: string;
  /** The database server the set gets its database on (default the test bed's MariaDB, as root). */
  db?: DbServer;
  /** An argv prefix a daemon (by name, e.g. agent-zone-b) is started through, e.g. `ip netns exec NS`. */
  wrap?: Record<string, string[]>;
  /** The database server's Unix socket, for the daemons' connection string (`unix_socket=`); default TCP. */
  dbSocket?: string;
}

/** A MariaDB server (or a cluster's front) and an account that may create databases on it. */
export interface DbServer {
  host: string;
  port: number;
  user: string;
  password: string;
}

const TESTBED_DB: DbServer = { host: '127.0.0.1', port: 3306, user: 'root', password: '' };

export interface LogLine {
  level: string;
  message: string;
  request_id?: string;
  [key: string]: unknown;
}

export class DaemonSet {
  readonly dir = mkdtempSync(join(tmpdir(), 'gimming-test-'));
  readonly dbName = `gimming_test_${randomBytes(4).toString('hex')}`;
  readonly exchange = `gimming-test-${randomBytes(4).toString('hex')}`;
  readonly configPath = join(this.dir, 'gimming.conf');
  /** The shared secret the daemons authenticate the calls to agents with ([agent] rpc_secrets). */
  readonly rpcSecret = randomBytes(32).toString('hex');
  /** The set's own throw-away CA and certificates (tools/testbed/pki.sh): the daemons talk mutual TLS. */
  readonly pkiDir = join(this.dir, 'pki');
  /**
   * The key pair cloud credentials given with a request are sealed with (made with openssl at start):
   * the API gets the public key, the agents the private one.
   */
  readonly cloudCredentialsKey = join(this.dir, 'cloud-credentials.pem');
  readonly cloudCredentialsPublicKey = join(this.dir, 'cloud-credentials.pub.pem');
  private readonly procs = new Map<string, ChildProcess>();

  constructor(
    private readonly bed: Testbed,
    readonly opts: DaemonOptions,
  ) {}

  get db(): DbServer {
    return this.opts.db ?? TESTBED_DB;
  }

  /** A connection to the set's database server (to its database when `database`). */
  dbConnection(database?: string): Promise<mysql.Connection> {
    const { host, port, user, password } = this.db;
    return mysql.createConnection({ host, port, user, password, ...(database ? { database } : {}) });
  }

  get apiUrl(): string {
    return `http://127.0.0.1:${this.opts.apiPort}`;
  }

  private dbUrlAuthority(): string {
    const { host, port, user, password } = this.db;
    const auth = password ? `${encodeURIComponent(user)}:${encodeURIComponent(password)}` : user;
    return `${auth}@${host}${port === 3306 ? '' : `:${port}`}`;
  }

  private config(): string {
    const g = this.bed.users.gimming;
    return `[DEFAULT]
transport_url = ${this.opts.transportUrl ?? 'rabbit://guest:guest@127.0.0.1:5672/'}
control_exchange = ${this.exchange}
host = test-host
rpc_response_timeout = 30

[database]
connection = mysql+pymysql://${this.dbUrlAuthority()}/${this.dbName}?charset=utf8${this.opts.dbSocket ? `&unix_socket=${this.opts.dbSocket}` : ''}

[keystone_authtoken]
auth_url = ${this.bed.auth_url}
www_authenticate_uri = ${this.bed.auth_url}
username = ${g.username}
password = ${g.password}
project_name = ${g.project_name}
user_domain_name = ${g.user_domain_name}
project_domain_name = ${g.project_domain_name}
token_cache_time = 30

[api]
bind_host = 127.0.0.1
bind_port = ${this.opts.apiPort}

[conductor]
agent_down_time = 20
remote_cache_time = 1

[cloud_credentials]
public_key_file = ${this.cloudCredentialsPublicKey}
private_key_files = ${this.cloudCredentialsKey}

[agent]
bind_host = 127.0.0.1
heartbeat_interval = 2
rpc_secrets = ${this.rpcSecret}
ssl_ca_file = ${join(this.pkiDir, 'ca.pem')}
ssl_cert_file = ${join(this.pkiDir, 'gimming.pem')}
ssl_key_file = ${join(this.pkiDir, 'gimming-key.pem')}
ssl_reload_interval = 1
${this.opts.extraConfig ?? ''}
`;
  }

  async start(): Promise<void> {
    const conn = await this.dbConnection();
    await conn.query(`CREATE DATABASE ${this.dbName} CHARACTER SET utf8mb4`);
    await conn.end();
    this.issueCertificate('gimming');
    for (const zone of Object.keys(this.opts.agentPorts)) this.issueCertificate(`agent-${zone}`);
    execFileSync('openssl', ['genpkey', '-algorithm', 'X25519', '-out', this.cloudCredentialsKey], {
      stdio: 'ignore',
    });
    execFileSync(
      'openssl',
      ['pkey', '-in', this.cloudCredentialsKey, '-pubout', '-out', this.cloudCredentialsPublicKey],
      { stdio: 'ignore' },
    );
    writeFileSync(this.configPath, this.config(), { mode: 0o600 });
    execFileSync(
      process.execPath,
      [
        join(this.rootOf('gimming-manage'), 'bin', 'gimming-manage'),
        '--config-file',
        this.configPath,
        'db',
        'sync',
      ],
      {
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    this.spawn('conductor', 'gimming-conductor', {});
    for (const zone of Object.keys(this.opts.agentPorts)) {
      this.spawn(`agent-${zone}`, 'gimming-agent', this.agentEnv(zone));
    }
    this.spawn('api', 'gimming-api', {});
    await waitFor(
      'gimming-api',
      async () => ((await http('GET', `${this.apiUrl}/healthcheck`)).status === 200 ? true : undefined),
      30000,
    );
    await waitFor(
      'agents to register',
      async () => {
        const c = await this.dbConnection(this.dbName);
        const [rows] = await c.query('SELECT COUNT(*) AS n FROM agents');
        await c.end();
        return Number((rows as Array<{ n: number }>)[0]?.n) >= Object.keys(this.opts.agentPorts).length
          ? true
          : undefined;
      },
      30000,
    );
  }

  /** The tree a command runs from (opts.roots, else this one). */
  rootOf(command: string): string {
    return this.opts.roots?.[command] ?? REPO_ROOT;
  }

  spawn(name: string, command: string, env: Record<string, string>): ChildProcess {
    const out = openSync(this.logPath(name), 'a');
    // GIMMING_DAEMON_NODE_ARGS: extra node flags for the daemons, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
    const nodeArgs = (process.env.GIMMING_DAEMON_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
    const wrap = this.opts.wrap?.[name] ?? [];
    const child = spawn(
      wrap[0] ?? process.execPath,
      [
        ...wrap.slice(1),
        ...(wrap.length > 0 ? [process.execPath] : []),
        // The flags the daemon's launchers start it with (as shipped), then the caller's own.
        ...(DAEMON_NODE_FLAGS[command] ?? []),
        ...nodeArgs,
        join(this.rootOf(command), 'bin', command),
        '--config-file',
        this.configPath,
      ],
      {
        env: { ...process.env, ...env },
        stdio: ['ignore', out, out],
      },
    );
    closeSync(out);
    this.procs.set(name, child);
    return child;
  }

  /**
   * Makes (once) a certificate signed by the set's CA, good for 127.0.0.1 and localhost unless `sans` say
   * otherwise; returns the paths of the certificate and its key.
   */
  issueCertificate(name: string, sans: string[] = []): { cert: string; key: string } {
    execFileSync(
      'bash',
      [join(REPO_ROOT, 'tools', 'testbed', 'pki.sh'), this.pkiDir, 'issue', name, ...sans],
      {
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    return { cert: join(this.pkiDir, `${name}.pem`), key: join(this.pkiDir, `${name}-key.pem`) };
  }

  /** What the agent of a zone is started with (its zone, port, certificate and staging area), plus `extra`. */
  agentEnv(zone: string, extra: Record<string, string> = {}): Record<string, string> {
    return {
      OS_AGENT__SSL_CERT_FILE: join(this.pkiDir, `agent-${zone}.pem`),
      OS_AGENT__SSL_KEY_FILE: join(this.pkiDir, `agent-${zone}-key.pem`),
      OS_AGENT__STAGING_DIR: this.stagingDir(zone),
      OS_AGENT__ZONE: zone,
      OS_AGENT__BIND_PORT: String(this.opts.agentPorts[zone]),
      // The test bed's Glances advertise glance-download: the tests see the agents' byte path (progress,
      // shared reads, killed agents) unless they ask for Glance's own copy (glance-download.test).
      OS_GLANCE__NATIVE_IMPORT: 'never',
      ...this.opts.agentEnv?.[zone],
      ...extra,
    };
  }

  /**
   * Stops a daemon (SIGKILL, or SIGTERM for a clean stop) and starts it again with `env` (an agent: give
   * its agentEnv).
   */
  async restart(
    name: string,
    command: string,
    env: Record<string, string>,
    signal: NodeJS.Signals = 'SIGKILL',
  ) {
    const child = this.procs.get(name);
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill(signal);
      await exited;
    }
    return this.spawn(name, command, env);
  }

  process(name: string): ChildProcess | undefined {
    return this.procs.get(name);
  }

  /** Each agent's own staging area (agents on one host must not share one). */
  stagingDir(zone: string): string {
    return join(this.dir, `staging-${zone}`);
  }

  logPath(name: string): string {
    return join(this.dir, `${name}.log`);
  }

  logText(name: string): string {
    try {
      return readFileSync(this.logPath(name), 'utf8');
    } catch {
      return '';
    }
  }

  /** Every line of a daemon's log, parsed; a line that is not JSON fails the parse on purpose. */
  logLines(name: string): LogLine[] {
    return this.logText(name)
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as LogLine);
  }

  get names(): string[] {
    return [...this.procs.keys()];
  }

  /** Stops the daemons and drops the database; the logs are kept (and their place printed) when asked. */
  async stop(keepLogs = false): Promise<void> {
    await Promise.all(
      [...this.procs.values()].map(
        (p) =>
          new Promise<void>((resolve) => {
            if (p.exitCode !== null || p.signalCode !== null) return resolve();
            const kill = setTimeout(() => p.kill('SIGKILL'), 10000);
            p.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            p.kill('SIGTERM');
          }),
      ),
    );
    const conn = await this.dbConnection();
    await conn.query(`DROP DATABASE IF EXISTS ${this.dbName}`);
    await conn.end();
    if (keepLogs) process.stdout.write(`    daemon logs kept in ${this.dir}\n`);
    else rmSync(this.dir, { recursive: true, force: true });
  }
}

/** True when every test of a suite (and its sub-suites) ran and passed: then the logs can go. */
export function allPassed(suite: Mocha.Suite | undefined): boolean {
  if (!suite) return false;
  return (
    suite.tests.every((t) => t.state === 'passed' || t.isPending()) && suite.suites.every((s) => allPassed(s))
  );
}
