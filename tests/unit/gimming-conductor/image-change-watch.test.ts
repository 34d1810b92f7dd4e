/**
 * image-change-watch.ts: which images a written row is about, and that a change inside a transaction is
 * told only once it commits (never when it rolls back), one outside a transaction at once.
 */
import assert from 'node:assert/strict';
import type { DataSource, QueryRunner } from 'typeorm';
import type { ChangedImage, ImageChangePublisher } from '../../../src/common/image-changes';
import { CloudRow, ImageRow, LocationRow, TaskRow } from '../../../src/gimming-conductor/db/entities';
import { ImageChangeWatch, changedBy } from '../../../src/gimming-conductor/image-change-watch';

function fakePublisher() {
  const told: Array<ChangedImage[] | 'all'> = [];
  const publisher = {
    changed: (images: ChangedImage[]) => told.push(images),
    changedAll: () => told.push('all'),
  } as unknown as ImageChangePublisher;
  return { told, publisher };
}

describe('image change watch (the read caches of the API processes)', () => {
  it('names the image of an image or location row, or every answer when it cannot', () => {
    assert.deepEqual(changedBy(ImageRow, { id: 'i1', owner: 'p1' }), [{ id: 'i1', owner: 'p1' }]);
    assert.deepEqual(changedBy(ImageRow, { status: 'active' }, { id: 'i1', owner: 'p1' }), [
      { id: 'i1', owner: 'p1' },
    ]);
    assert.deepEqual(changedBy(LocationRow, { imageId: 'i1', owner: '' }), [{ id: 'i1', owner: null }]);
    assert.equal(
      changedBy(LocationRow, { status: 'active' }),
      'all',
      'an update by criteria: its values only',
    );
    assert.equal(changedBy(ImageRow, undefined), 'all');
    assert.equal(changedBy(CloudRow, { id: 'c1' }), 'all', 'a cloud renamed shows in every answer');
    assert.equal(changedBy(TaskRow, { id: 't1' }), undefined, 'a task is in no image answer');
  });

  it('tells a change in a transaction when it commits, never when it rolls back', () => {
    const { told, publisher } = fakePublisher();
    const db = { subscribers: [] as unknown[] } as unknown as DataSource;
    const watch = new ImageChangeWatch(db, publisher).install();
    assert.equal((db.subscribers as unknown[]).length, 1);
    const runner = { isTransactionActive: true };
    const event = (target: unknown, entity: unknown) =>
      ({ queryRunner: runner as QueryRunner, metadata: { target }, entity }) as never;

    watch.afterInsert(event(ImageRow, { id: 'i1', owner: 'p1' }));
    watch.afterUpdate(event(LocationRow, { imageId: 'i1', owner: 'p1' }));
    assert.deepEqual(told, [], 'not before the commit');
    watch.afterTransactionCommit({ queryRunner: runner } as never); // a savepoint released
    assert.deepEqual(told, []);
    runner.isTransactionActive = false;
    watch.afterTransactionCommit({ queryRunner: runner } as never);
    assert.deepEqual(told, [
      [
        { id: 'i1', owner: 'p1' },
        { id: 'i1', owner: 'p1' },
      ],
    ]);

    told.length = 0;
    runner.isTransactionActive = true;
    watch.afterInsert(event(ImageRow, { id: 'i2', owner: 'p1' }));
    runner.isTransactionActive = false;
    watch.afterTransactionRollback({ queryRunner: runner } as never);
    watch.afterTransactionCommit({ queryRunner: runner } as never);
    assert.deepEqual(told, [], 'rolled back: nothing changed');

    watch.afterUpdate(event(LocationRow, { status: 'active' }));
    watch.afterRemove({ ...(event(ImageRow, undefined) as object), entityId: 'i3' } as never);
    assert.deepEqual(told, ['all', [{ id: 'i3', owner: null }]], 'outside a transaction: at once');
  });
});
