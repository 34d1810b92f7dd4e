/**
 * Exponential backoff with jitter, for everything that tries again after a temporary failure (a broker
 * or a database node that went away, a deadlock): the n-th wait is drawn between half and all of
 * `initial × factor^(n-1)`, capped at `max` ("equal jitter"). The random half keeps processes that failed
 * together (every daemon losing the same broker) from coming back together; the fixed half keeps a wait
 * from being next to nothing.
 */
export interface Backoff {
  /** The first wait, in milliseconds (before jitter). */
  initialMs: number;
  /** How much each wait grows over the previous one (1: no growth). */
  factor: number;
  /** The longest wait, in milliseconds (before jitter). */
  maxMs: number;
}

/** The wait before try number `attempt + 1`, after `attempt` (1-based) tries failed. */
export function backoffDelayMs(policy: Backoff, attempt: number, random: () => number = Math.random): number {
  const exponent = Math.max(0, attempt - 1);
  const ceiling = Math.min(policy.maxMs, policy.initialMs * policy.factor ** exponent);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
