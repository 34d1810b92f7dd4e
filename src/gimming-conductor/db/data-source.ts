/**
 * The database connection, from `[database] connection` in OpenStack's SQLAlchemy form
 * (`mysql+pymysql://user:pass@host:port/name?charset=utf8`). Only the conductor and gimming-manage use it.
 * TLS is asked for in the query as oslo.db passes it to PyMySQL (`ssl_ca`, `ssl_cert`, `ssl_key`,
 * `ssl_check_hostname`, or `ssl=true`), and given to mysql2 as its `ssl` option. `unix_socket=/path` (as
 * PyMySQL takes it) connects through the server's Unix socket instead of TCP, for a server on the same host.
 */
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { DataSource } from 'typeorm';
import { ENTITIES } from './entities';
import { InitialSchema1763769600000 } from './migrations/0001-initial-schema';
import { UploadSpec1763773200000 } from './migrations/0002-upload-spec';
import { ImageMembers1763859600000 } from './migrations/0003-image-members';
import { TaskLeases1763866800000 } from './migrations/0004-task-leases';
import { ServiceVersions1763870400000 } from './migrations/0005-service-versions';
import { ProjectClouds1763953200000 } from './migrations/0006-project-clouds';
import { StagingReservations1764590400000 } from './migrations/0007-staging-reservations';
import { LocationOwner1764594000000 } from './migrations/0008-location-owner';
import { CopyProofAndDrivers1764680400000 } from './migrations/0009-copy-proof-and-drivers';
import { ImagesKeepIdentities1764766800000 } from './migrations/0010-images-keep-identities';
import { CloudOptions1764853200000 } from './migrations/0011-cloud-options';
import { TaskStage1764940000000 } from './migrations/0012-task-stage';
import { TaskPlan1765100000000 } from './migrations/0014-task-plan';
import { Webhooks1765300000000 } from './migrations/0017-webhooks';
import { BandwidthCaps1765400000000 } from './migrations/0018-bandwidth-caps';
import { ListingIndexes1765900000000 } from './migrations/0019-listing-indexes';
import { Families1765200000000 } from './migrations/0015-families';

export const MIGRATIONS = [
  InitialSchema1763769600000,
  UploadSpec1763773200000,
  ImageMembers1763859600000,
  TaskLeases1763866800000,
  ServiceVersions1763870400000,
  ProjectClouds1763953200000,
  StagingReservations1764590400000,
  LocationOwner1764594000000,
  CopyProofAndDrivers1764680400000,
  ImagesKeepIdentities1764766800000,
  CloudOptions1764853200000,
  TaskStage1764940000000,
  TaskPlan1765100000000,
  Families1765200000000,
  Webhooks1765300000000,
  BandwidthCaps1765400000000,
  ListingIndexes1765900000000,
];

export interface DbTarget {
  host: string;
  port: number;
  username: string;
  password: string;
  database: string;
  /** TLS, when the query asks for it. */
  ssl?: DbTls;
  /** The server's Unix socket (`unix_socket`), instead of host and port. */
  socketPath?: string;
}

export interface DbTls {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  /** Whether the certificate must be issued to the host name (PyMySQL's ssl_check_hostname). */
  checkHostname: boolean;
}

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off']);

function flag(name: string, value: string): boolean {
  const v = value.toLowerCase();
  if (TRUE.has(v)) return true;
  if (FALSE.has(v)) return false;
  throw new Error(`[database] connection: ${name}=${value} is not a boolean`);
}

/**
 * The TLS the query asks for; undefined when it asks for none. Other query keys are ignored (charset) or
 * read elsewhere (unix_socket).
 */
function parseTls(query: URLSearchParams): DbTls | undefined {
  let wanted = false;
  const tls: DbTls = { checkHostname: true };
  for (const [key, value] of query) {
    if (key === 'ssl') wanted = flag(key, value);
    else if (key === 'ssl_ca') [wanted, tls.caFile] = [true, value];
    else if (key === 'ssl_cert') [wanted, tls.certFile] = [true, value];
    else if (key === 'ssl_key') [wanted, tls.keyFile] = [true, value];
    else if (key === 'ssl_check_hostname') tls.checkHostname = flag(key, value);
    else if (key.startsWith('ssl')) {
      throw new Error(
        `[database] connection: ${key} is not supported (ssl, ssl_ca, ssl_cert, ssl_key, ssl_check_hostname)`,
      );
    }
  }
  if (!wanted) return undefined;
  if (!!tls.certFile !== !!tls.keyFile) {
    throw new Error('[database] connection: ssl_cert and ssl_key must be given together');
  }
  return tls;
}

function readTlsFile(key: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new Error(`[database] connection: ${key}: cannot read ${path} (${(err as Error).message})`, {
      cause: err,
    });
  }
}

/** mysql2's `ssl` option for the TLS a connection string asks for. */
export function mysqlSslOptions(tls: DbTls): Record<string, unknown> {
  return {
    ...(tls.caFile ? { ca: readTlsFile('ssl_ca', tls.caFile) } : {}),
    ...(tls.certFile ? { cert: readTlsFile('ssl_cert', tls.certFile) } : {}),
    ...(tls.keyFile ? { key: readTlsFile('ssl_key', tls.keyFile) } : {}),
    rejectUnauthorized: true,
    verifyIdentity: tls.checkHostname,
  };
}

export function parseConnection(connection: string): DbTarget {
  let url: URL;
  try {
    url = new URL(connection);
  } catch {
    throw new Error('[database] connection is not a valid URL');
  }
  const scheme = url.protocol.replace(/:$/, '');
  if (!/^(mysql|mariadb)(\+[a-z0-9]+)?$/.test(scheme)) {
    throw new Error(`[database] connection: unsupported database "${scheme}" (only MySQL/MariaDB)`);
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!database) throw new Error('[database] connection names no database');
  const ssl = parseTls(url.searchParams);
  const socketPath = url.searchParams.get('unix_socket');
  if (socketPath !== null && !socketPath.startsWith('/')) {
    throw new Error(`[database] connection: unix_socket=${socketPath} is not an absolute path`);
  }
  return {
    host: url.hostname || '127.0.0.1',
    port: url.port ? Number(url.port) : 3306,
    username: decodeURIComponent(url.username || 'root'),
    password: decodeURIComponent(url.password),
    database,
    ...(ssl ? { ssl } : {}),
    ...(socketPath ? { socketPath } : {}),
  };
}

export function makeDataSource(connection: string, poolSize: number, connectTimeoutS: number): DataSource {
  const target = parseConnection(connection);
  return new DataSource({
    type: 'mysql',
    host: target.host,
    port: target.port,
    username: target.username,
    password: target.password,
    database: target.database,
    ...(target.ssl ? { ssl: mysqlSslOptions(target.ssl) } : {}),
    ...(target.socketPath ? { socketPath: target.socketPath } : {}),
    charset: 'utf8mb4',
    timezone: 'Z',
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'gimming_migrations',
    synchronize: false,
    logging: false,
    poolSize,
    connectTimeout: connectTimeoutS * 1000,
    supportBigNumbers: true,
    bigNumberStrings: true,
  });
}

/** mysql2's code for a failed TLS handshake, and Node's for a certificate that does not verify. */
const TLS_VERIFY_CODES =
  /^(HANDSHAKE_SSL_ERROR|UNABLE_TO_|SELF_SIGNED_CERT|DEPTH_ZERO_SELF_SIGNED|CERT_|ERR_TLS_CERT_ALTNAME)/;

/** Connects; a TLS verification failure is said as such, with the query keys that fix it. */
export async function initializeDataSource(ds: DataSource): Promise<DataSource> {
  try {
    return await ds.initialize();
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && TLS_VERIFY_CODES.test(code)) {
      throw new Error(
        `TLS with the database server failed (${(err as Error).message}): ` +
          'ssl_ca in [database] connection names the CA bundle to trust (ssl_check_hostname=false when the ' +
          'certificate is not issued to its host name)',
        { cause: err },
      );
    }
    throw err;
  }
}

/** Names of the migrations applied to the database, in the order they were applied. */
export async function appliedMigrations(ds: DataSource): Promise<string[]> {
  const rows = await ds.query<Array<{ n: number | string }>>(
    "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'gimming_migrations'",
  );
  if (Number(rows[0]?.n ?? 0) === 0) return [];
  const applied = await ds.query<Array<{ name: string }>>('SELECT name FROM gimming_migrations ORDER BY id');
  return applied.map((row) => row.name);
}

/** Names of the migrations not yet applied to the database. */
export async function pendingMigrations(ds: DataSource): Promise<string[]> {
  const applied = new Set(await appliedMigrations(ds));
  return MIGRATIONS.map((m) => m.name).filter((name) => !applied.has(name));
}
