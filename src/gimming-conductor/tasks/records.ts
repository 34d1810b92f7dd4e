/**
 * What every kind of task writes about itself: the start of an attempt, and the end of one (a retry, or
 * the final outcome), each with its location in the same transaction.
 */
import type { DataSource, EntityManager } from 'typeorm';
import { type GimmingError, asGimmingError } from '../../common/errors';
import { LocationRow, TaskRow } from '../db/entities';
import { dbTimeIn } from '../db/clock';
import { type RetryPolicy, retryDelayS } from './retry';

type LocationChange = Partial<Pick<LocationRow, 'status' | 'remoteId' | 'taskId'>>;

function locationOf(task: TaskRow) {
  return { imageId: task.imageId, cloudId: task.cloudId };
}

/** The message a user sees: never an internal error's own. */
export function userMessage(gerr: GimmingError): string {
  return gerr.status >= 500 && gerr.code === 'gimming.internal'
    ? 'An unexpected error occurred.'
    : gerr.message;
}

/** Records that an attempt starts on `agent`; `location` is the copy's state meanwhile (if it has one). */
export async function recordStart(
  db: DataSource,
  task: TaskRow,
  host: string,
  agent: string,
  location?: LocationChange,
): Promise<Date> {
  const now = new Date();
  await db.transaction(async (m) => {
    await m.update(
      TaskRow,
      { id: task.id },
      {
        status: 'running',
        attempts: task.attempts + 1,
        conductor: host,
        agent,
        // A new attempt starts with the bytes: the stage an earlier one reached is not this one's.
        stage: null,
        stagePercent: null,
        stageDetail: null,
        startedAt: now,
        updatedAt: now,
      },
    );
    if (location) await m.update(LocationRow, locationOf(task), { ...location, updatedAt: now });
  });
  return now;
}

export interface FailureOptions {
  retry?: RetryPolicy;
  /** Attempts made so far, this one included. */
  attempts: number;
  /** The location when the task will be tried again, and when it ends failed or cancelled. */
  location?: { retry: LocationChange; failed: LocationChange; cancelled?: LocationChange };
  /** More to write in the same transaction when the task ends for good. */
  onEnd?: (m: EntityManager) => Promise<void>;
}

/** Records a failed attempt: a retry when the failure is temporary and attempts are left, else the end. */
export async function recordFailure(
  db: DataSource,
  task: TaskRow,
  err: unknown,
  opts: FailureOptions,
): Promise<{
  outcome: 'retry' | 'failed' | 'cancelled';
  error: GimmingError;
  message: string;
  retryAt?: Date;
}> {
  const error = asGimmingError(err);
  const message = userMessage(error);
  const now = new Date();
  // A token the cloud refused is the request's own, expired or revoked, when the task has a trust to go on
  // with: the next attempt runs through the trust.
  let retryAnyway = false;
  if (error.code === 'gimming.cloud.unauthorized' && opts.retry) {
    const fresh = await db.getRepository(TaskRow).findOneBy({ id: task.id });
    retryAnyway = Boolean(fresh?.trustId);
  }
  const delayS = opts.retry ? retryDelayS(opts.retry, error, opts.attempts, retryAnyway) : undefined;
  // Due on the database's clock (db/clock.ts); retryAt, this conductor's idea of it, is for the log.
  const retryAt = delayS === undefined ? undefined : new Date(now.getTime() + delayS * 1000);
  const cancelled = error.code === 'gimming.task.cancelled';
  // An attempt counts even when it failed before it could record its start (no agent, no cloud).
  const errorFields = {
    errorCode: error.code,
    errorMessage: message.slice(0, 4000),
    attempts: opts.attempts,
    updatedAt: now,
  };
  await db.transaction(async (m) => {
    if (retryAt) {
      await m.update(
        TaskRow,
        { id: task.id },
        { ...errorFields, status: 'pending', nextAttemptAt: dbTimeIn(delayS ?? 0), leaseExpiresAt: null },
      );
      if (opts.location)
        await m.update(LocationRow, locationOf(task), { ...opts.location.retry, updatedAt: now });
      return;
    }
    await m.update(
      TaskRow,
      { id: task.id },
      { ...errorFields, status: cancelled ? 'cancelled' : 'failed', finishedAt: now },
    );
    if (opts.location) {
      const change = cancelled ? (opts.location.cancelled ?? opts.location.failed) : opts.location.failed;
      await m.update(LocationRow, locationOf(task), { ...change, updatedAt: now });
    }
    await opts.onEnd?.(m);
  });
  return {
    outcome: retryAt ? 'retry' : cancelled ? 'cancelled' : 'failed',
    error,
    message,
    ...(retryAt ? { retryAt } : {}),
  };
}
