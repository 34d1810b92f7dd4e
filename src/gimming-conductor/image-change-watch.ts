/**
 * Tells every API process which images changed (src/common/image-changes.ts), so that their read caches
 * ([api] image_cache_time) drop what showed them. Two sources:
 *
 * - The database: a TypeORM subscriber sees every insert, update and delete of the rows an image's view
 *   is made of (images, locations, clouds), whichever code path wrote them (an RPC from any API process,
 *   a task, the periodic refresh, an upload's lease running out). A change inside a transaction is told
 *   once the transaction commits (an API that read again before the commit would keep the old answer);
 *   one outside a transaction once its statement ran. A row written without its identity at hand (an
 *   update by criteria gives the subscriber only the new values) or a cloud's row: every answer goes.
 * - The clouds: a copy's live metadata read again (remote-metadata.ts) and found different, or changed by
 *   the conductor itself: its image, found by the copy's location rows.
 *
 * SQL written by hand (db purge) is not seen: it removes only rows no view shows any more.
 */
import type {
  DataSource,
  EntitySubscriberInterface,
  InsertEvent,
  QueryRunner,
  RemoveEvent,
  TransactionCommitEvent,
  TransactionRollbackEvent,
  UpdateEvent,
} from 'typeorm';
import type { ChangedImage, ImageChangePublisher } from '../common/image-changes';
import { getLogger } from '../common/log';
import { describeError } from '../common/errors';
import { CloudRow, ImageRow, LocationRow } from './db/entities';

const log = getLogger('image-change-watch');

/** What one written row changed: some images, or anything (ALL). */
type Changed = ChangedImage[] | typeof ALL;
const ALL = 'all' as const;

/** The images a written row of `target` is about, from what the write gave (partial rows included). */
export function changedBy(target: unknown, ...rows: unknown[]): Changed | undefined {
  const known = (key: string): string | undefined => {
    for (const row of rows) {
      const value = (row as Record<string, unknown> | null | undefined)?.[key];
      if (typeof value === 'string' && value !== '') return value;
    }
    return undefined;
  };
  if (target === CloudRow) return ALL;
  if (target !== ImageRow && target !== LocationRow) return undefined;
  const id = known(target === ImageRow ? 'id' : 'imageId');
  if (!id) return ALL;
  return [{ id, owner: known('owner') ?? null }];
}

export class ImageChangeWatch implements EntitySubscriberInterface {
  /** What each open transaction changed, told when it commits. */
  private readonly pending = new WeakMap<QueryRunner, ChangedImage[] | typeof ALL>();

  constructor(
    private readonly db: DataSource,
    private readonly publisher: ImageChangePublisher,
  ) {}

  /** Starts watching the data source's writes. */
  install(): this {
    // The subscribers are read at every broadcast: one added after initialize() is heard.
    this.db.subscribers.push(this);
    return this;
  }

  afterInsert(event: InsertEvent<unknown>): void {
    this.seen(event.queryRunner, changedBy(event.metadata.target, event.entity));
  }

  afterUpdate(event: UpdateEvent<unknown>): void {
    this.seen(event.queryRunner, changedBy(event.metadata.target, event.entity, event.databaseEntity));
  }

  afterRemove(event: RemoveEvent<unknown>): void {
    const id = typeof event.entityId === 'string' ? { id: event.entityId } : undefined;
    this.seen(event.queryRunner, changedBy(event.metadata.target, event.entity, event.databaseEntity, id));
  }

  afterTransactionCommit(event: TransactionCommitEvent): void {
    if (event.queryRunner.isTransactionActive) return; // a savepoint: the transaction goes on
    const changed = this.pending.get(event.queryRunner);
    this.pending.delete(event.queryRunner);
    if (changed) this.tell(changed);
  }

  afterTransactionRollback(event: TransactionRollbackEvent): void {
    if (!event.queryRunner.isTransactionActive) this.pending.delete(event.queryRunner);
  }

  private seen(runner: QueryRunner, changed: Changed | undefined): void {
    if (!changed) return;
    if (!runner.isTransactionActive) {
      this.tell(changed);
      return;
    }
    const before = this.pending.get(runner);
    if (before === ALL) return;
    this.pending.set(runner, changed === ALL ? ALL : [...(before ?? []), ...changed]);
  }

  private tell(changed: Changed): void {
    if (changed === ALL) this.publisher.changedAll();
    else this.publisher.changed(changed);
  }

  /** A copy's live metadata changed (or may have): the images it is a copy of. */
  remoteChanged(cloudId: string, remoteId: string): void {
    this.db
      .getRepository(LocationRow)
      .find({ select: { imageId: true, owner: true }, where: { cloudId, remoteId } })
      .then((rows) => this.publisher.changed(rows.map((r) => ({ id: r.imageId, owner: r.owner || null }))))
      .catch((err: unknown) => {
        log.warn({ reason: describeError(err) }, 'copy change not resolved to its images; telling all');
        this.publisher.changedAll();
      });
  }
}
