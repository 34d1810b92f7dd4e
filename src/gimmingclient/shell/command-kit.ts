/**
 * What every command module shares: the runner that turns an action's result into the exit code, the
 * report of a failed request, and key=value options.
 */
import { MIN_BANDWIDTH, parseBandwidth } from '../../common/bandwidth';
import { GimmingClientError } from '../errors';
import type { ConflictPolicy, OnConflict } from '../client';
import type { Shell } from './context';
import { UsageError } from './output';

/** Wraps an action: a number it resolves with becomes the exit code. */
export type Run = <A extends unknown[]>(
  fn: (...args: A) => Promise<number | void>,
) => (...args: A) => Promise<void>;

export function makeRun(setExit: (code: number) => void): Run {
  return (fn) =>
    async (...args) => {
      const code = await fn(...args);
      if (typeof code === 'number') setExit(code);
    };
}

export function keyValues(pairs: string[] | undefined, what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs ?? []) {
    const at = pair.indexOf('=');
    if (at < 1) throw new UsageError(`${what} must be key=value, not ${pair}.`);
    out[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return out;
}

export function reportError(shell: Shell, err: unknown, prefix?: string): void {
  const what = prefix ? `${prefix}: ` : '';
  if (err instanceof GimmingClientError) {
    const status = err.status ? ` (HTTP ${err.status})` : '';
    const rid = err.requestId ? ` (Request-ID: ${err.requestId})` : '';
    shell.err.write(`${what}${err.message}${status}${rid}\n`);
  } else {
    shell.err.write(`${what}${err instanceof Error ? err.message : String(err)}\n`);
  }
}

/** A --max-bandwidth value in bytes/s, checked before any request (bytes/s, or 100M, 80MiB/s, 1Gbit). */
export function bandwidthOption(value: string): number {
  const bytes = parseBandwidth(value);
  if (bytes === undefined || bytes < MIN_BANDWIDTH) {
    throw new UsageError(
      `--max-bandwidth ${value} is not a bandwidth of at least ${MIN_BANDWIDTH} bytes/s ` +
        '(bytes/s, or with a unit: 100M, 80MiB/s, 1Gbit).',
    );
  }
  return bytes;
}

/** The help of `--on-conflict` (image create, adopt and sync). */
export const ON_CONFLICT_HELP =
  'a target holding another image of the name: refuse (default), skip, rename or replace; ' +
  '<cloud>=<policy> for one target (repeatable)';

const POLICIES = ['refuse', 'skip', 'rename', 'replace'];

/** `--on-conflict skip` (all targets) or `--on-conflict zone-b=rename` (one target; `*=` the rest). */
export function onConflictOption(values: string[] | undefined): OnConflict | undefined {
  if (!values || values.length === 0) return undefined;
  const perCloud: Record<string, ConflictPolicy> = {};
  for (const value of values) {
    const [cloud, policy] = value.includes('=') ? value.split('=', 2) : ['*', value];
    if (!policy || !POLICIES.includes(policy)) {
      throw new UsageError(`--on-conflict ${value}: the policy is one of ${POLICIES.join(', ')}`);
    }
    perCloud[cloud as string] = policy as ConflictPolicy;
  }
  const keys = Object.keys(perCloud);
  return keys.length === 1 && keys[0] === '*' ? perCloud['*'] : perCloud;
}
