/**
 * The max_bandwidth of a request body (microversion 1.4): a number of bytes per second or a string with a
 * unit, turned into bytes per second once, here at the edge, so the conductor and the agents see one form;
 * and the task's cap in its answer, from 1.4 on.
 */
import { MIN_BANDWIDTH, parseBandwidth } from '../common/bandwidth';
import { badRequest } from '../common/errors';
import { type VersionState, atLeast, requireVersionFor } from './middleware/microversion';

/** The body with max_bandwidth in bytes per second (or without it); refuses a cap it cannot read. */
export function withMaxBandwidth<B extends { max_bandwidth?: number | string }>(
  ctx: { state: VersionState },
  body: B,
): Omit<B, 'max_bandwidth'> & { max_bandwidth?: number } {
  const { max_bandwidth: given, ...rest } = body;
  if (given === undefined) return rest;
  requireVersionFor(ctx, 'max_bandwidth', '1.4');
  const bytes = parseBandwidth(given);
  if (bytes === undefined || bytes < MIN_BANDWIDTH) {
    throw badRequest(
      'gimming.request.bad_bandwidth',
      `max_bandwidth must be at least ${MIN_BANDWIDTH} bytes per second, as a number of bytes per second ` +
        'or with a unit (100M, 80MiB/s, 1Gbit).',
    );
  }
  return { ...rest, max_bandwidth: bytes };
}

/** A task as answered at the request's microversion: its max_bandwidth (its own cap) from 1.4 on. */
export function taskAt<T extends { max_bandwidth?: number }>(ctx: { state: VersionState }, task: T): T {
  if (task.max_bandwidth === undefined || atLeast(ctx, '1.4')) return task;
  const before = { ...task };
  delete before.max_bandwidth;
  return before;
}
