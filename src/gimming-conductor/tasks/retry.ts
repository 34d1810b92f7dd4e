/**
 * When a failed task is tried again: only for temporary failures (a cloud, an agent or a conductor went
 * away: GimmingError.retryable), at most [conductor] task_max_attempts attempts, after a delay that
 * doubles from [conductor] task_retry_delay up to 10 minutes. A retry is a pending task with no lease:
 * whichever conductor sees it due first takes it.
 */
import type { GimmingError } from '../../common/errors';

export interface RetryPolicy {
  maxAttempts: number;
  delayS: number;
}

const MAX_DELAY_S = 600;

/** When to try again after attempt number `attempts` (1-based) failed with `err`; undefined: never. */
export function nextAttempt(
  policy: RetryPolicy,
  err: GimmingError,
  attempts: number,
  now = new Date(),
  /** Retry this failure although it is not temporary in general (see recordFailure). */
  retryAnyway = false,
): Date | undefined {
  if (
    !(err.retryable || retryAnyway) ||
    err.code === 'gimming.task.cancelled' ||
    attempts >= policy.maxAttempts
  ) {
    return undefined;
  }
  const delay = Math.min(MAX_DELAY_S, policy.delayS * 2 ** Math.max(0, attempts - 1));
  return new Date(now.getTime() + delay * 1000);
}
