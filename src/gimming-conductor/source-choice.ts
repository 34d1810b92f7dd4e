/**
 * Which copy a sync reads from, for each target: the one the target's cloud copies natively (EC2's
 * CopyImage between regions: no bytes through the agents), else one that holds the image's own bytes
 * rather than a conversion of them, else one whose cloud vouches for its bytes with its own hashes (read
 * as it is, where a cloud that reports none must first export it, as EC2 does), else the first. The
 * planner (planner.ts) takes the best of these whose copy can be made.
 */
import type { Capabilities } from './capabilities';
import { capabilitiesOf } from './capabilities';
import type { CloudRow, LocationRow } from './db/entities';

export interface SourceCandidate {
  location: Pick<LocationRow, 'cloudId' | 'proof'>;
  cloud: Pick<CloudRow, 'id' | 'zone' | 'type'>;
}

/** How good a source `c` is for `target` (lower is better): 0 native, 1 vouched, 2 own bytes, 3 converted. */
export function sourceRank(
  c: SourceCandidate,
  targetCaps: Capabilities | null,
  byZone: ReadonlyMap<string, ReadonlyMap<string, Capabilities>>,
): number {
  if (targetCaps?.native_copy.includes(c.cloud.type)) return 0;
  if (c.location.proof === 'converted') return 3;
  const reports = capabilitiesOf(byZone, c.cloud)?.reported_hashes.length ?? 0;
  return reports > 0 ? 1 : 2;
}

export function chooseSource<C extends SourceCandidate>(
  candidates: readonly C[],
  target: Pick<CloudRow, 'zone' | 'type'>,
  byZone: ReadonlyMap<string, ReadonlyMap<string, Capabilities>>,
): C | undefined {
  const targetCaps = capabilitiesOf(byZone, target);
  let best: C | undefined;
  for (const c of candidates)
    if (!best || sourceRank(c, targetCaps, byZone) < sourceRank(best, targetCaps, byZone)) best = c;
  return best;
}
