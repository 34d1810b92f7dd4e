/**
 * The errors a task ends with that more than one kind of task (and the engine) raise.
 */
import { GimmingError } from '../../common/errors';
import type { TaskRow } from '../db/entities';

export function interruptedError(): GimmingError {
  return new GimmingError(
    'gimming.task.interrupted',
    503,
    'The conductor running this task was stopped; run the sync again.',
    {
      retryable: true,
    },
  );
}

export function tooManyAttempts(task: TaskRow): GimmingError {
  const last = task.errorMessage ? ` The last one: ${task.errorMessage}` : '';
  return new GimmingError(
    'gimming.task.too_many_attempts',
    503,
    `The task failed ${task.attempts} times.${last}`.slice(0, 3900),
  );
}
