/**
 * Waiting on a cloud's asynchronous work (EC2's import, export and copy tasks, GCE's operations): a
 * pause between two looks that ends at once, as a cancel, when the caller's signal aborts.
 */
import { GimmingError } from '../../common/errors';

export class Cancelled extends GimmingError {
  constructor() {
    super('gimming.task.cancelled', 409, 'The copy was cancelled.');
  }
}

/** Resolves after `ms`, or rejects with Cancelled when `signal` aborts first. */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new Cancelled());
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Cancelled());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
