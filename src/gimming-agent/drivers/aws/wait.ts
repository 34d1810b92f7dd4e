/**
 * Waiting on EC2's asynchronous work (import, export and copy tasks): look every `intervalMs`, give up
 * at `timeoutMs`, stop at once when the caller's signal aborts.
 */
import { GimmingError } from '../../../common/errors';
import { Cancelled, pause } from '../polling';

/**
 * Calls `look` until it answers a value (not undefined). Throws Cancelled on abort and a timeout error
 * naming `what` after `timeoutMs`.
 */
export async function waitFor<T>(
  look: () => Promise<T | undefined>,
  opts: { intervalMs: number; timeoutMs: number; signal?: AbortSignal; what: string },
): Promise<T> {
  const until = Date.now() + opts.timeoutMs;
  for (;;) {
    if (opts.signal?.aborted) throw new Cancelled();
    const value = await look();
    if (value !== undefined) return value;
    if (Date.now() >= until) {
      throw new GimmingError(
        'gimming.cloud.timeout',
        504,
        `${opts.what} did not finish in ${Math.round(opts.timeoutMs / 1000)} s.`,
        {
          retryable: true,
        },
      );
    }
    await pause(opts.intervalMs, opts.signal);
  }
}
