/**
 * Task retries wait a random time (full jitter) under a ceiling that doubles per attempt, so that the tasks
 * one outage failed together do not come back together.
 */
import assert from 'node:assert/strict';
import { GimmingError } from '../../../src/common/errors';
import {
  MAX_DELAY_S,
  fullJitterS,
  retryCeilingS,
  retryDelayS,
} from '../../../src/gimming-conductor/tasks/retry';

const policy = { maxAttempts: 5, delayS: 5 };
const temporary = new GimmingError('gimming.cloud.unavailable', 503, 'away', { retryable: true });

describe('task retry delays (full jitter)', () => {
  it('draws each delay uniformly between 0 and the doubling ceiling', () => {
    assert.deepEqual(
      [1, 2, 3, 4].map((n) => retryCeilingS(policy, n)),
      [5, 10, 20, 40],
    );
    assert.equal(retryCeilingS({ maxAttempts: 99, delayS: 5 }, 30), MAX_DELAY_S);
    assert.equal(
      retryDelayS(policy, temporary, 3, false, () => 0),
      0,
    );
    assert.equal(
      retryDelayS(policy, temporary, 3, false, () => 0.5),
      10,
    );
    assert.equal(
      retryDelayS(policy, temporary, 3, false, () => 0.999999),
      20,
    );
    assert.equal(
      fullJitterS(10, () => 1.7),
      10,
      'a draw past 1 stays under the ceiling',
    );
  });

  it('spreads the retries of many tasks failed at the same time over the whole window', () => {
    const delays = Array.from({ length: 2000 }, () => retryDelayS(policy, temporary, 2) as number);
    assert.ok(delays.every((d) => d >= 0 && d <= 10));
    // A draw rounds to the millisecond, so the ceiling itself (10.000) can come up: it counts in the last second.
    const distinct = new Set(delays.map((d) => Math.min(9, Math.floor(d))));
    assert.equal(distinct.size, 10, `every second of the 10 s window is used: ${[...distinct].join(',')}`);
    const mean = delays.reduce((a, b) => a + b, 0) / delays.length;
    assert.ok(mean > 4 && mean < 6, `mean ${mean} near half the ceiling`);
    // Not one instant for all: far fewer than 1 % of the tasks share any one 10 ms slot.
    const slots = new Map<number, number>();
    for (const d of delays) slots.set(Math.floor(d * 100), (slots.get(Math.floor(d * 100)) ?? 0) + 1);
    assert.ok(Math.max(...slots.values()) < 20);
  });

  it('never retries what is not temporary, a cancel, or past the last attempt', () => {
    const permanent = new GimmingError('gimming.image.bad', 400, 'no');
    assert.equal(retryDelayS(policy, permanent, 1), undefined);
    assert.notEqual(retryDelayS(policy, permanent, 1, true), undefined, 'unless asked to');
    assert.equal(retryDelayS(policy, new GimmingError('gimming.task.cancelled', 409, 'x'), 1), undefined);
    assert.equal(retryDelayS(policy, temporary, 5), undefined);
  });
});
