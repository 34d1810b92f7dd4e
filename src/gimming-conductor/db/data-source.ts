/**
 * The database connection, from `[database] connection` in OpenStack's SQLAlchemy form
 * (`mysql+pymysql://user:pass@host:port/name?charset=utf8`). Only the conductor and gimming-manage use it.
 */
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { ENTITIES } from './entities';
import { InitialSchema1763769600000 } from './migrations/0001-initial-schema';
import { UploadSpec1763773200000 } from './migrations/0002-upload-spec';
import { ImageMembers1763859600000 } from './migrations/0003-image-members';
import { TaskLeases1763866800000 } from './migrations/0004-task-leases';
import { ServiceVersions1763870400000 } from './migrations/0005-service-versions';
import { ProjectClouds1763953200000 } from './migrations/0006-project-clouds';
import { StagingReservations1764590400000 } from './migrations/0007-staging-reservations';

export const MIGRATIONS = [
  InitialSchema1763769600000,
  UploadSpec1763773200000,
  ImageMembers1763859600000,
  TaskLeases1763866800000,
  ServiceVersions1763870400000,
  ProjectClouds1763953200000,
  StagingReservations1764590400000,
];

export interface DbTarget {
  host: string;
  port: number;
  username: string;
  password: string;
  database: string;
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
  return {
    host: url.hostname || '127.0.0.1',
    port: url.port ? Number(url.port) : 3306,
    username: decodeURIComponent(url.username || 'root'),
    password: decodeURIComponent(url.password),
    database,
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
