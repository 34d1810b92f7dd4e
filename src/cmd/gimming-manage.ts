/**
 * gimming-manage: operator commands. `db sync` applies the schema migrations; `db version` prints the
 * applied and pending ones.
 */
import {
  initializeDataSource,
  makeDataSource,
  MIGRATIONS,
  pendingMigrations,
} from '../gimming-conductor/db/data-source';
import { bootstrap, fatal } from './bootstrap';

const NAME = 'gimming-manage';
const USAGE = 'usage: gimming-manage [--config-file FILE] db sync|version';

async function main(): Promise<void> {
  const { config, rest } = bootstrap(NAME, [['database', 'connection']]);
  const [group, command] = rest;
  if (group !== 'db' || (command !== 'sync' && command !== 'version')) {
    process.stderr.write(`${USAGE}\n`);
    process.exit(2);
  }
  const db = makeDataSource(config.database.connection, 2, config.database.connection_timeout);
  await initializeDataSource(db);
  try {
    if (command === 'sync') {
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
