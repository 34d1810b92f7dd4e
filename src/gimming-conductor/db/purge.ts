/**
 * `gimming-manage db purge --age-in-days N`: what the database keeps only for the record, removed once it
 * is old, as nova-manage's `db purge` and glance-manage's `db purge` do: tasks that ended (succeeded,
 * failed, cancelled) more than N days ago, and images deleted everywhere more than N days ago (the row a
 * delete keeps so that its delete tasks answer) with the rows that depend on them (their tasks, copies
 * and members). An image that is forgotten (DELETE without delete_remote) leaves no row to purge. Webhook
 * deliveries that ended (delivered, or failed for good) more than N days ago go too; pending ones stay.
 *
 * A task a copy still names as its last one (locations.task_id) is kept, however old: the copy's view
 * shows it. Rows go in batches of at most BATCH, each batch in a transaction of its own, so that a purge
 * never holds long locks on tables the conductors write; `maxRows` caps the tasks, images and deliveries
 * purged in one run (the rows that go with an image are not counted, as nova's --max_rows does not count an instance's).
 */
import type { DataSource, EntityManager } from 'typeorm';

export const ENDED_TASK_STATES = ['succeeded', 'failed', 'cancelled'] as const;
export const ENDED_DELIVERY_STATES = ['delivered', 'failed'] as const;

/** The most rows selected, and deleted, in one transaction. */
export const BATCH = 500;

export interface PurgeOptions {
  ageInDays: number;
  /** Count what would go, delete nothing. */
  dryRun?: boolean;
  /** At most this many tasks, images and deliveries (together) in this run; undefined: until none is left. */
  maxRows?: number;
  /** Now, for the cutoff (tests); the database's rows are in UTC. */
  now?: Date;
}

/** What a purge removed (or would remove), by kind of row. */
export interface PurgeCounts {
  /** Deleted images, and the rows that went with them. */
  images: number;
  image_tasks: number;
  locations: number;
  image_members: number;
  /** Ended tasks of images that are still there. */
  tasks: number;
  /** Webhook deliveries that ended (delivered or failed). */
  webhook_deliveries: number;
}

export function cutoff(ageInDays: number, now = new Date()): Date {
  return new Date(now.getTime() - ageInDays * 86_400_000);
}

/** The IDs of the next batch of `sql` (which selects `id` and ends with its conditions), after `after`. */
async function batchIds(
  db: DataSource | EntityManager,
  sql: string,
  params: unknown[],
  after: string,
  size: number,
): Promise<string[]> {
  const rows = await db.query<Array<{ id: string }>>(`${sql} AND id > ? ORDER BY id LIMIT ${size}`, [
    ...params,
    after,
  ]);
  return rows.map((r) => r.id);
}

async function countIn(db: DataSource | EntityManager, table: string, column: string, ids: string[]) {
  const rows = await db.query<Array<{ n: number | string }>>(
    `SELECT COUNT(*) AS n FROM ${table} WHERE ${column} IN (${ids.map(() => '?').join(',')})`,
    ids,
  );
  return Number(rows[0]?.n ?? 0);
}

async function deleteIn(em: EntityManager, table: string, column: string, ids: string[]): Promise<number> {
  const res = await em.query<{ affectedRows?: number }>(
    `DELETE FROM ${table} WHERE ${column} IN (${ids.map(() => '?').join(',')})`,
    ids,
  );
  return Number(res.affectedRows ?? 0);
}

const DELETED_IMAGES = "SELECT id FROM images WHERE status = 'deleted' AND updated_at < ?";
const ENDED_TASKS =
  `SELECT id FROM tasks t WHERE t.status IN (${ENDED_TASK_STATES.map((s) => `'${s}'`).join(',')}) ` +
  'AND COALESCE(t.finished_at, t.updated_at) < ? ' +
  'AND NOT EXISTS (SELECT 1 FROM locations l WHERE l.task_id = t.id) ' +
  // The tasks of an image that is purged go with it (counted there).
  "AND NOT EXISTS (SELECT 1 FROM images i WHERE i.id = t.image_id AND i.status = 'deleted' AND i.updated_at < ?)";

const ENDED_DELIVERIES =
  'SELECT id FROM webhook_deliveries ' +
  `WHERE status IN (${ENDED_DELIVERY_STATES.map((s) => `'${s}'`).join(',')}) ` +
  'AND COALESCE(delivered_at, updated_at) < ?';

export async function purge(db: DataSource, opts: PurgeOptions): Promise<PurgeCounts> {
  if (!Number.isInteger(opts.ageInDays) || opts.ageInDays < 0) {
    throw new Error('--age-in-days must be a whole number of days, 0 or more.');
  }
  if (opts.maxRows !== undefined && (!Number.isInteger(opts.maxRows) || opts.maxRows < 1)) {
    throw new Error('--max-rows must be a positive whole number.');
  }
  const before = cutoff(opts.ageInDays, opts.now);
  const counts: PurgeCounts = {
    images: 0,
    image_tasks: 0,
    locations: 0,
    image_members: 0,
    tasks: 0,
    webhook_deliveries: 0,
  };
  let left = opts.maxRows ?? Infinity;

  let after = '';
  while (left > 0) {
    const ids = await batchIds(db, DELETED_IMAGES, [before], after, Math.min(BATCH, left));
    if (ids.length === 0) break;
    after = ids[ids.length - 1] as string;
    if (opts.dryRun) {
      counts.image_tasks += await countIn(db, 'tasks', 'image_id', ids);
      counts.locations += await countIn(db, 'locations', 'image_id', ids);
      counts.image_members += await countIn(db, 'image_members', 'image_id', ids);
      counts.images += ids.length;
    } else {
      await db.transaction(async (em) => {
        counts.image_tasks += await deleteIn(em, 'tasks', 'image_id', ids);
        counts.locations += await deleteIn(em, 'locations', 'image_id', ids);
        counts.image_members += await deleteIn(em, 'image_members', 'image_id', ids);
        counts.images += await deleteIn(em, 'images', 'id', ids);
      });
    }
    left -= ids.length;
  }

  after = '';
  while (left > 0) {
    const ids = await batchIds(db, ENDED_TASKS, [before, before], after, Math.min(BATCH, left));
    if (ids.length === 0) break;
    after = ids[ids.length - 1] as string;
    counts.tasks += opts.dryRun ? ids.length : await db.transaction((em) => deleteIn(em, 'tasks', 'id', ids));
    left -= ids.length;
  }

  after = '';
  while (left > 0) {
    const ids = await batchIds(db, ENDED_DELIVERIES, [before], after, Math.min(BATCH, left));
    if (ids.length === 0) break;
    after = ids[ids.length - 1] as string;
    counts.webhook_deliveries += opts.dryRun
      ? ids.length
      : await db.transaction((em) => deleteIn(em, 'webhook_deliveries', 'id', ids));
    left -= ids.length;
  }
  return counts;
}
