/**
 * Waiting on GCE's global operations (an image being made or deleted): look every
 * [gcp] operation_poll_interval, give up at operation_timeout, stop at once when the caller's signal
 * aborts. GCE reports an operation's progress as a percentage.
 */
import type { GlobalOperationsClient } from '@google-cloud/compute';
import { GimmingError } from '../../../common/errors';
import { Cancelled, pause } from '../polling';
import { gcpFailure, operationFailed } from './errors';

export interface WaitOptions {
  intervalMs: number;
  timeoutMs: number;
  signal?: AbortSignal;
  progress?: (percent: number) => void;
}

/** Waits until global operation `name` is DONE; throws GCE's own words when it ended with an error. */
export async function waitOperation(
  operations: GlobalOperationsClient,
  project: string,
  name: string,
  cloudName: string,
  opts: WaitOptions,
): Promise<void> {
  const until = Date.now() + opts.timeoutMs;
  for (;;) {
    if (opts.signal?.aborted) throw new Cancelled();
    let op;
    try {
      [op] = await operations.get({ project, operation: name });
    } catch (err) {
      throw gcpFailure(err, `Looking at operation ${name}`, cloudName);
    }
    if (typeof op.progress === 'number') opts.progress?.(op.progress);
    if (op.status === 'DONE') {
      const errors = op.error?.errors ?? [];
      if (errors.length) throw operationFailed(cloudName, name, errors);
      return;
    }
    if (Date.now() >= until) {
      throw new GimmingError(
        'gimming.cloud.timeout',
        504,
        `Operation ${name} in cloud ${cloudName} did not finish in ${Math.round(opts.timeoutMs / 1000)} s.`,
        { retryable: true },
      );
    }
    await pause(opts.intervalMs, opts.signal);
  }
}

/** The name of the operation an SDK call started (compute 6.x: latestResponse.name). */
export function operationName(started: unknown): string {
  const s = started as { latestResponse?: { name?: string | null }; name?: string | null } | undefined;
  const name = s?.latestResponse?.name ?? s?.name;
  if (!name) throw new GimmingError('gimming.cloud.error', 502, 'The cloud started no operation.');
  return name;
}
