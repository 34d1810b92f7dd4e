/**
 * gimming-status: `upgrade check` tells whether this deployment is ready to run this code (nova-status and
 * glance-status's command, on oslo.upgradecheck's contract: see upgradecheck.ts). Run it with the code
 * of the release being installed, before and after restarting the daemons:
 *
 *   gimming-status --config-file /etc/gimming/gimming.conf upgrade check [--json]
 *
 * Exit codes: 0 every check succeeded, 1 a warning at worst, 2 a failure, 255 the command itself failed
 * (a bad configuration or command line).
 */
import { Writable } from 'node:stream';
import amqp from 'amqplib';
import type { DataSource } from 'typeorm';
import { ConfigError, loadConfig, parseCommandLine } from '../common/config/load';
import { driverConfigFragments } from '../gimming-agent/drivers/registry';
import type { GimmingConfig } from '../common/config/schema';
import { GimmingError, describeError } from '../common/errors';
import { AGENT_PROTO_PACKAGE } from '../common/grpc/loader';
import { ServiceUser } from '../common/keystone/service-user';
import { setupLogging } from '../common/log';
import { type RabbitTlsSettings, brokerTls, parseTransportUrl } from '../common/rpc/transport';
import { VERSION } from '../common/version';
import {
  MIGRATIONS,
  appliedMigrations,
  initializeDataSource,
  makeDataSource,
} from '../gimming-conductor/db/data-source';
import { CONDUCTOR_TOPIC } from '../gimming-conductor/rpcapi';
import { RPC_API_VERSION } from '../gimming-conductor/rpc-schemas';
import {
  type CheckResult,
  Code,
  ERROR_EXIT,
  type NamedResult,
  exitCode,
  failure,
  renderJson,
  renderTable,
  success,
  warning,
  worst,
} from './upgradecheck';

const NAME = 'gimming-status';
const USAGE = `usage: ${NAME} [--config-file FILE]... [--config-dir DIR] upgrade check [--json]`;

/** What the checks share: the configuration, and the database once the first check opened it. */
interface CheckEnv {
  config: GimmingConfig;
  db?: DataSource;
  /** Why the tables cannot be read (no database, or a schema that is not current). */
  dbProblem?: string;
}

const majorOf = (v: string | null | undefined) => (v ?? '').split('.')[0];

/** The schema must be what this code needs: every migration applied (`gimming-manage db sync`). */
async function checkDatabase(env: CheckEnv): Promise<CheckResult> {
  const { database } = env.config;
  if (!database.connection) {
    env.dbProblem = 'no database is configured';
    return failure('[database] connection is not set.');
  }
  let db: DataSource;
  try {
    db = makeDataSource(database.connection, 1, database.connection_timeout);
    await initializeDataSource(db);
  } catch (err) {
    env.dbProblem = 'the database cannot be reached';
    return failure(`Cannot connect to the database: ${describeError(err)}`);
  }
  env.db = db;
  const applied = await appliedMigrations(db);
  const known = MIGRATIONS.map((m) => m.name);
  const pending = known.filter((name) => !applied.includes(name));
  const unknown = applied.filter((name) => !known.includes(name));
  if (pending.length > 0) {
    env.dbProblem = 'the database schema is not current';
    return failure(
      `${pending.length} of ${known.length} database migrations are not applied (${pending.join(', ')}). ` +
        'Run "gimming-manage db sync" before starting gimming-conductor: it refuses to start until then.',
    );
  }
  if (unknown.length > 0) {
    return warning(
      `The database has migrations this code does not know (${unknown.join(', ')}): it was synced by a ` +
        'newer release of GIMinG.',
    );
  }
  return success(`${applied.length} migrations applied, the last ${applied[applied.length - 1]}.`);
}

/** How far a daemon's versions are from this code's: a Failure, a Warning, or nothing. */
function compare(
  who: string,
  release: string,
  rpcVersion: string | null,
  proto: string | null | undefined,
): CheckResult | undefined {
  if (proto !== undefined) {
    if (proto === null || rpcVersion === null) {
      return warning(
        `${who} (release ${release}) does not report which contracts it speaks: it runs a release older ` +
          `than this one (${VERSION}); upgrade it.`,
      );
    }
    if (proto !== AGENT_PROTO_PACKAGE) {
      return failure(
        `${who} serves ${proto}, this release calls ${AGENT_PROTO_PACKAGE}: the conductors cannot use it.`,
      );
    }
  }
  if (rpcVersion !== null && majorOf(rpcVersion) !== majorOf(RPC_API_VERSION)) {
    return failure(
      `${who} speaks conductor RPC ${rpcVersion}, this release ${RPC_API_VERSION}: a different major version ` +
        'cannot be mixed; upgrade it.',
    );
  }
  if (release !== VERSION || rpcVersion !== RPC_API_VERSION) {
    return warning(
      `${who} runs release ${release} (conductor RPC ${rpcVersion ?? 'unknown'}), this code ${VERSION} ` +
        `(RPC ${RPC_API_VERSION}): finish the rolling upgrade.`,
    );
  }
  return undefined;
}

function notChecked(env: CheckEnv): CheckResult | undefined {
  return env.db && !env.dbProblem ? undefined : warning(`Not checked: ${env.dbProblem ?? 'no database'}.`);
}

function since(env: CheckEnv): Date {
  return new Date(Date.now() - env.config.conductor.agent_down_time * 1000);
}

/** The conductors that recorded themselves within [conductor] agent_down_time, and their versions. */
async function checkConductors(env: CheckEnv): Promise<CheckResult> {
  const skip = notChecked(env);
  if (skip) return skip;
  const db = env.db as DataSource;
  const rows = await db.query<
    Array<{ host: string; version: string; rpc_version: string; last_seen_at: Date }>
  >('SELECT host, version, rpc_version, last_seen_at FROM conductors ORDER BY host');
  const threshold = since(env);
  const alive = rows.filter((r) => new Date(r.last_seen_at) >= threshold);
  const downTime = env.config.conductor.agent_down_time;
  if (alive.length === 0) {
    return warning(
      `No conductor has reported in the last ${downTime} s${rows.length > 0 ? ` (${rows.length} known)` : ''}: ` +
        'nothing is served until gimming-conductor runs.',
    );
  }
  const problems = alive
    .map((r) => compare(`Conductor ${r.host}`, r.version, r.rpc_version, undefined))
    .filter((r): r is CheckResult => r !== undefined);
  return worst(
    problems,
    success(
      `${alive.length} conductor${alive.length > 1 ? 's' : ''} alive (${alive.map((r) => r.host).join(', ')}), ` +
        `all at release ${VERSION}, RPC ${RPC_API_VERSION}.`,
    ),
  );
}

/** The agents heard from within [conductor] agent_down_time, their versions, and zones without one. */
async function checkAgents(env: CheckEnv): Promise<CheckResult> {
  const skip = notChecked(env);
  if (skip) return skip;
  const db = env.db as DataSource;
  const agents = await db.query<
    Array<{
      host: string;
      zone: string;
      address: string;
      version: string;
      rpc_version: string | null;
      proto_version: string | null;
      last_heartbeat_at: Date;
    }>
  >(
    'SELECT host, zone, address, version, rpc_version, proto_version, last_heartbeat_at FROM agents ' +
      'ORDER BY zone, address',
  );
  const threshold = since(env);
  const alive = agents.filter((a) => new Date(a.last_heartbeat_at) >= threshold);
  const downTime = env.config.conductor.agent_down_time;
  if (alive.length === 0) {
    return warning(
      `No agent has sent a heartbeat in the last ${downTime} s${agents.length > 0 ? ` (${agents.length} known)` : ''}: ` +
        'no copy can be made until gimming-agent runs in each zone.',
    );
  }
  const problems = alive
    .map((a) => compare(`Agent ${a.address} (zone ${a.zone})`, a.version, a.rpc_version, a.proto_version))
    .filter((r): r is CheckResult => r !== undefined);
  const zones = (await db.query<Array<{ zone: string }>>('SELECT DISTINCT zone FROM clouds ORDER BY zone'))
    .map((r) => r.zone)
    .filter((zone) => !alive.some((a) => a.zone === zone));
  if (zones.length > 0) {
    problems.push(
      warning(
        `No agent is alive in zone${zones.length > 1 ? 's' : ''} ${zones.join(', ')}, which has clouds.`,
      ),
    );
  }
  const byZone = [...new Set(alive.map((a) => a.zone))].map(
    (zone) => `${zone}: ${alive.filter((a) => a.zone === zone).length}`,
  );
  return worst(
    problems,
    success(
      `${alive.length} agent${alive.length > 1 ? 's' : ''} alive (${byZone.join(', ')}), all at release ${VERSION}, ` +
        `serving ${AGENT_PROTO_PACKAGE}.`,
    ),
  );
}

/** Connects to one messaging service, and counts the consumers of the conductor queue on it. */
async function probeBroker(
  transportUrl: string,
  exchange: string,
  rabbit: RabbitTlsSettings,
): Promise<CheckResult> {
  let brokers;
  let tls;
  try {
    tls = brokerTls(rabbit);
    brokers = parseTransportUrl(transportUrl, tls.ssl);
  } catch (err) {
    return failure(`The transport URL is not valid: ${describeError(err)}`);
  }
  const results: CheckResult[] = [];
  for (const broker of brokers) {
    let conn: amqp.ChannelModel | undefined;
    try {
      conn = await amqp.connect(broker.url, { timeout: 10000, ...tls.socketOptions });
      conn.on('error', () => undefined);
      const ch = await conn.createChannel();
      ch.on('error', () => undefined);
      const queue = `${exchange}.${CONDUCTOR_TOPIC}`;
      const found = await ch.checkQueue(queue).catch(() => undefined);
      results.push(
        success(
          `${broker.display} answers` +
            (found ? `; ${found.consumerCount} consumer(s) on ${queue}.` : `; ${queue} does not exist yet.`),
        ),
      );
    } catch (err) {
      results.push(failure(`Cannot reach the messaging service at ${broker.display}: ${describeError(err)}`));
    } finally {
      await conn?.close().catch(() => undefined);
    }
  }
  // A cluster with one member away still works.
  const reached = results.filter((r) => r.code === Code.SUCCESS).length;
  if (reached > 0 && reached < results.length) {
    return worst(results.map((r) => (r.code === Code.FAILURE ? warning(r.details ?? '') : r)));
  }
  return worst(results);
}

async function checkMessaging(env: CheckEnv): Promise<CheckResult> {
  const { DEFAULT, oslo_messaging_notifications: n, oslo_messaging_rabbit: rabbit } = env.config;
  const results = [await probeBroker(DEFAULT.transport_url, DEFAULT.control_exchange, rabbit)];
  const messagingDriver = n.driver.includes('messagingv2') || n.driver.includes('messaging');
  if (messagingDriver && n.transport_url) {
    const notifications = await probeBroker(n.transport_url, DEFAULT.control_exchange, rabbit);
    results.push(
      notifications.code === Code.SUCCESS
        ? notifications
        : warning(`Notifications will be dropped: ${notifications.details ?? ''}`),
    );
  }
  return worst(results);
}

/** GIMinG's own Keystone user must authenticate: the API validates tokens with it, the conductor runs
 * trusts and the periodic refresh with it. */
async function checkKeystone(env: CheckEnv): Promise<CheckResult> {
  const conf = env.config.keystone_authtoken;
  const missing = (['auth_url', 'password'] as const).filter((o) => !conf[o]);
  if (missing.length > 0) {
    return failure(`[keystone_authtoken] ${missing.join(' and ')} not set.`);
  }
  let token;
  try {
    token = await new ServiceUser(conf).token();
  } catch (err) {
    if (err instanceof GimmingError && err.code === 'gimming.auth.keystone_unreachable') {
      return failure(`Keystone at ${conf.auth_url} cannot be reached: ${describeError(err.cause)}`);
    }
    if (err instanceof GimmingError && err.code === 'gimming.auth.service_unavailable') {
      return failure(
        `Keystone at ${conf.auth_url} did not accept the service user ${conf.username} in project ` +
          `${conf.project_name}: check [keystone_authtoken] username, password, project_name, ` +
          'user_domain_name and project_domain_name.',
      );
    }
    throw err;
  }
  const roles = `${conf.username} in project ${conf.project_name} (roles: ${token.roles.join(', ') || 'none'})`;
  if (env.config.conductor.refresh_interval > 0 && !token.roles.includes('admin')) {
    return warning(
      `The service user ${roles} is not an admin: the periodic refresh cannot read the images of other ` +
        'projects.',
    );
  }
  return success(`Authenticated as ${roles}.`);
}

const CHECKS: ReadonlyArray<[string, (env: CheckEnv) => Promise<CheckResult>]> = [
  ['Database schema', checkDatabase],
  ['Conductors', checkConductors],
  ['Agents', checkAgents],
  ['Messaging service', checkMessaging],
  ['Keystone service user', checkKeystone],
];

export async function upgradeCheck(config: GimmingConfig): Promise<NamedResult[]> {
  const env: CheckEnv = { config };
  const results: NamedResult[] = [];
  try {
    for (const [check, run] of CHECKS) results.push({ check, result: await run(env) });
  } finally {
    await env.db?.destroy().catch(() => undefined);
  }
  return results;
}

/** Writes `text` and exits (writes to files, pipes and terminals are synchronous on Linux). */
function exit(code: number, text: string, stream: NodeJS.WriteStream = process.stdout): never {
  stream.write(text);
  process.exit(code);
}

async function main(): Promise<void> {
  let config: GimmingConfig;
  let rest: string[];
  try {
    const cli = parseCommandLine(process.argv.slice(2));
    rest = cli.rest;
    if (rest.includes('-h') || rest.includes('--help')) exit(0, `${USAGE}\n`);
    config = loadConfig(cli.configFiles, process.env, driverConfigFragments());
  } catch (err) {
    if (err instanceof ConfigError) exit(ERROR_EXIT, `${NAME}: ${err.message}\n`, process.stderr);
    throw err;
  }
  const json = rest.includes('--json');
  const words = rest.filter((a) => a !== '--json');
  if (words.length !== 2 || words[0] !== 'upgrade' || words[1] !== 'check') {
    exit(ERROR_EXIT, `${USAGE}\n`, process.stderr);
  }
  // The checks' own log lines (a refused service user, ...) go to standard error with --debug only:
  // standard output is the table.
  const sink = new Writable({ write: (_chunk, _enc, done) => done() });
  setupLogging(NAME, config.DEFAULT.debug, config.DEFAULT.debug ? process.stderr : sink);
  const results = await upgradeCheck(config);
  exit(exitCode(results), json ? renderJson(results) : renderTable(results));
}

main().catch((err: unknown) => {
  process.stderr.write(`${NAME}: error: ${describeError(err)}\n`);
  process.exit(ERROR_EXIT);
});
