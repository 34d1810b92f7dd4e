/**
 * Which copy a sync reads from, for each target: the one the target's cloud copies natively (EC2's
 * CopyImage between regions: no bytes through the agents), else one that holds the image's own bytes
 * rather than a conversion of them, else one whose cloud vouches for its bytes with its own hashes (read
 * as it is, where a cloud that reports none must first export it, as EC2 does), else the first.
 */
import type { Capabilities } from './capabilities';
import { capabilitiesOf } from './capabilities';
import type { CloudRow, LocationRow } from './db/entities';

export interface SourceCandidate {
  location: Pick<LocationRow, 'cloudId' | 'proof'>;
  cloud: Pick<CloudRow, 'id' | 'zone' | 'type'>;
}

export function chooseSource<C extends SourceCandidate>(
  candidates: readonly C[],
  target: Pick<CloudRow, 'zone' | 'type'>,
  byZone: ReadonlyMap<string, ReadonlyMap<string, Capabilities>>,
): C | undefined {
  const targetCaps = capabilitiesOf(byZone, target);
  const rank = (c: C): number => {
    if (targetCaps?.native_copy.includes(c.cloud.type)) return 0;
    if (c.location.proof === 'converted') return 3;
    const reports = capabilitiesOf(byZone, c.cloud)?.reported_hashes.length ?? 0;
    return reports > 0 ? 1 : 2;
  };
  let best: C | undefined;
  for (const c of candidates) if (!best || rank(c) < rank(best)) best = c;
  return best;
}
