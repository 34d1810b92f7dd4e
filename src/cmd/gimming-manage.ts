/**
 * gimming-manage: operator commands, on the database directly (as nova-manage): `db sync` applies the
 * schema migrations; `db version` prints the applied and pending ones; `db purge --age-in-days N
 * [--max-rows N] [--dry-run]` removes ended tasks, deleted images and ended webhook deliveries older than N
 * days (db/purge.ts).
 */
import { parseArgs } from 'node:util';
import { type PurgeCounts, purge } from '../gimming-conductor/db/purge';
import {
  initializeDataSource,
  makeDataSource,
  MIGRATIONS,
  pendingMigrations,
} from '../gimming-conductor/db/data-source';
import { bootstrap, fatal } from './bootstrap';

const NAME = 'gimming-manage';
const USAGE =
  'usage: gimming-manage [--config-file FILE] db sync|version\n' +
  '       gimming-manage [--config-file FILE] db purge --age-in-days N [--max-rows N] [--dry-run]';

function usage(why?: string): never {
  process.stderr.write(`${why ? `${NAME}: ${why}\n` : ''}${USAGE}\n`);
  process.exit(2);
}

interface PurgeArgs {
  ageInDays: number;
  maxRows?: number;
  dryRun: boolean;
}

/** A whole number of at least `min`, or the usage error. */
function whole(value: string | undefined, name: string, min: number): number {
  if (value === undefined || !/^\d+$/.test(value) || Number(value) < min) {
    usage(`${name} must be a whole number${min > 0 ? ' above 0' : ', 0 or more'}`);
  }
  return Number(value);
}

function purgeArgs(args: string[]): PurgeArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      strict: true,
      options: {
        'age-in-days': { type: 'string' },
        'max-rows': { type: 'string' },
        'dry-run': { type: 'boolean' },
      },
    }).values;
  } catch (err) {
    usage((err as Error).message);
  }
  if (parsed['age-in-days'] === undefined) usage('db purge needs --age-in-days');
  return {
    ageInDays: whole(parsed['age-in-days'], '--age-in-days', 0),
    ...(parsed['max-rows'] !== undefined ? { maxRows: whole(parsed['max-rows'], '--max-rows', 1) } : {}),
    dryRun: parsed['dry-run'] === true,
  };
}

function report(counts: PurgeCounts, args: PurgeArgs): string {
  const verb = args.dryRun ? 'Would purge' : 'Purged';
  return (
    `${verb}, older than ${args.ageInDays} days${args.maxRows ? ` (at most ${args.maxRows} rows)` : ''}:\n` +
    `  tasks (ended): ${counts.tasks}\n` +
    `  images (deleted): ${counts.images}\n` +
    `    their tasks: ${counts.image_tasks}\n` +
    `    their locations: ${counts.locations}\n` +
    `    their members: ${counts.image_members}\n` +
    `  webhook deliveries (ended): ${counts.webhook_deliveries}\n`
  );
}

async function main(): Promise<void> {
  const { config, rest } = bootstrap(NAME, [['database', 'connection']]);
  const [group, command, ...args] = rest;
  if (group !== 'db' || (command !== 'sync' && command !== 'version' && command !== 'purge')) usage();
  if (command !== 'purge' && args.length > 0) usage(`db ${command} takes no arguments`);
  const purging = command === 'purge' ? purgeArgs(args) : undefined;
  const db = makeDataSource(config.database.connection, 2, config.database.connection_timeout);
  await initializeDataSource(db);
  try {
    if (purging) {
      const pending = await pendingMigrations(db);
      if (pending.length > 0) {
        throw new Error(`the schema is not current (pending: ${pending.join(', ')}): run db sync first`);
      }
      process.stdout.write(report(await purge(db, purging), purging));
    } else if (command === 'sync') {
      const applied = await db.runMigrations({ transaction: 'each' });
      process.stdout.write(
        applied.length > 0
          ? `Applied ${applied.map((m) => m.name).join(', ')}\n`
          : 'Database schema is current.\n',
      );
    } else {
      const pending = await pendingMigrations(db);
      const current = MIGRATIONS.filter((m) => !pending.includes(m.name));
      process.stdout.write(
        `${current.length > 0 ? (current[current.length - 1]?.name ?? 'none') : 'none'}\n`,
      );
      if (pending.length > 0) process.stdout.write(`pending: ${pending.join(', ')}\n`);
    }
  } finally {
    await db.destroy();
  }
}

main().catch((err: unknown) => fatal(NAME, err));
