import assert from 'node:assert/strict';
import { TaskRow } from '../../../src/gimming-conductor/db/entities';
import { rateAndEta } from '../../../src/gimming-conductor/views';

function task(fields: Partial<TaskRow>): TaskRow {
  return Object.assign(new TaskRow(), {
    bytesDone: 0,
    bytesTotal: null,
    startedAt: null,
    finishedAt: null,
    status: 'pending',
    ...fields,
  });
}

describe('task rate and ETA', () => {
  const start = new Date('2026-01-01T00:00:00Z');
  const at = (s: number) => new Date(start.getTime() + s * 1000);

  it('is unknown before any byte moved', () => {
    assert.deepEqual(rateAndEta(task({ status: 'running', startedAt: start, updatedAt: at(1) })), {
      rate: null,
      eta_seconds: null,
    });
  });

  it('runs from the start to the last progress record, and estimates what is left', () => {
    const t = task({
      status: 'running',
      startedAt: start,
      updatedAt: at(2),
      bytesDone: 200,
      bytesTotal: 1000,
    });
    assert.deepEqual(rateAndEta(t, at(5)), { rate: 100, eta_seconds: 8 });
  });

  it('gives the average over the whole task once it ended, without an ETA', () => {
    const t = task({
      status: 'succeeded',
      startedAt: start,
      finishedAt: at(4),
      updatedAt: at(4),
      bytesDone: 1000,
      bytesTotal: 1000,
    });
    assert.deepEqual(rateAndEta(t), { rate: 250, eta_seconds: null });
  });
});
