/**
 * When a failed task is tried again: only for temporary failures (a cloud, an agent or a conductor went
 * away: GimmingError.retryable), at most [conductor] task_max_attempts attempts, after a delay with full
 * jitter: a random time between 0 and a ceiling that doubles from [conductor] task_retry_delay up to 10
 * minutes, so that the many tasks one outage failed at once do not all come back at once. A retry is a
 * pending task with no lease, due on the database's clock: whichever conductor sees it due first takes it.
 */
import type { GimmingError } from '../../common/errors';

export interface RetryPolicy {
  maxAttempts: number;
  delayS: number;
}

export const MAX_DELAY_S = 600;

/** The ceiling of the delay after attempt number `attempts` (1-based) failed. */
export function retryCeilingS(policy: RetryPolicy, attempts: number): number {
  return Math.min(MAX_DELAY_S, policy.delayS * 2 ** Math.max(0, attempts - 1));
}

/**
 * Full jitter (a uniform draw in [0, ceiling]), in milliseconds rounded, as seconds; `random` is
 * Math.random, given for tests.
 */
export function fullJitterS(ceilingS: number, random: () => number = Math.random): number {
  const r = Math.min(1, Math.max(0, random()));
  return Math.round(ceilingS * r * 1000) / 1000;
}

/** Seconds to wait before trying again after attempt number `attempts` failed with `err`; undefined: never. */
export function retryDelayS(
  policy: RetryPolicy,
  err: GimmingError,
  attempts: number,
  /** Retry this failure although it is not temporary in general (see recordFailure). */
  retryAnyway = false,
  random: () => number = Math.random,
): number | undefined {
  if (
    !(err.retryable || retryAnyway) ||
    err.code === 'gimming.task.cancelled' ||
    attempts >= policy.maxAttempts
  ) {
    return undefined;
  }
  return fullJitterS(retryCeilingS(policy, attempts), random);
}
