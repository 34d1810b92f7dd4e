/**
 * The incremental path of a sync that names a base (sync_image's incremental_from: an earlier version
 * of the image). Where the target cloud holds an active copy of the base, and the agents of both zones
 * make incremental copies, a copy the planner would stream as it is (path `agent`) becomes
 * `incremental`: the target agent rebuilds the image from its cloud's copy of the base plus the blocks
 * that differ (gimming-agent/transfer/delta.ts). Otherwise the copy is made in full and the plan says
 * why. Pure, like planner.ts.
 */
import { blockSizeFor, hashListBytes } from '../common/delta-blocks';
import { type Capabilities, capabilitiesOf } from './capabilities';
import type { IncrementalPlan, PlanCloud, TargetPlan } from './planner';

/** The base of an incremental sync: its ID, size and the clouds holding an active copy (remote IDs). */
export interface IncrementalBase {
  id: string;
  size: number | null;
  /** Cloud ID -> the remote ID of the base's active copy there. */
  copies: ReadonlyMap<string, string>;
}

/**
 * The plan of `plan`'s target with the base in mind: `incremental` where it can be, else the same
 * plan with the reason it is made in full. Targets that need no copy, or that are refused, are as they
 * are.
 */
export function planIncremental(
  plan: TargetPlan,
  target: PlanCloud,
  source: PlanCloud | null,
  base: IncrementalBase,
  byZone: ReadonlyMap<string, ReadonlyMap<string, Capabilities>>,
  size: number | null,
): TargetPlan {
  if (plan.refused || plan.path === null || plan.path === 'present' || plan.path === 'tagged') return plan;
  const full = (fallback: string): TargetPlan => ({
    ...plan,
    incremental: {
      from: base.id,
      base_remote_id: null,
      block_bytes: null,
      wire_bytes_min: null,
      wire_bytes_max: null,
      fallback,
    },
  });
  if (plan.path === 'native') return full(`cloud ${target.name} copies the image itself`);
  const remoteId = base.copies.get(target.id);
  if (!remoteId) return full(`image ${base.id} (the base) has no active copy in cloud ${target.name}`);
  if (capabilitiesOf(byZone, target)?.incremental !== true) {
    return full(`the agents of zone ${target.zone} make no incremental copies`);
  }
  if (source && capabilitiesOf(byZone, source)?.incremental !== true) {
    return full(`the agents of zone ${source.zone} serve no incremental copies`);
  }
  if (plan.path === 'agent+convert') {
    // The base's copy holds converted bytes: the source's agent converts the new version the same way
    // and compares those blocks (ReadDeltaRequest.convert_to); the converted size is known only then.
    const converted = `the copy is converted (${plan.conversion?.from ?? ''} to ${plan.conversion?.to ?? ''})`;
    if (!source) return full(`${converted} from staged data, which is not converted for an incremental copy`);
    if (capabilitiesOf(byZone, source)?.incremental_conversion !== true) {
      return full(
        `${converted} and the agents of zone ${source.zone} do not convert an image for an incremental copy`,
      );
    }
    return {
      ...plan,
      path: 'incremental',
      incremental: {
        from: base.id,
        base_remote_id: remoteId,
        block_bytes: null,
        wire_bytes_min: null,
        wire_bytes_max: null,
        fallback: null,
      },
    };
  }
  const known = size ?? base.size;
  const incremental: IncrementalPlan = {
    from: base.id,
    base_remote_id: remoteId,
    block_bytes: known === null ? null : blockSizeFor(Math.max(known, base.size ?? 0)),
    wire_bytes_min:
      size === null || base.size === null
        ? null
        : Math.max(0, size - base.size) + hashListBytes(Math.max(size, base.size)),
    wire_bytes_max: size === null ? null : size + hashListBytes(Math.max(size, base.size ?? 0)),
    fallback: null,
  };
  return { ...plan, path: 'incremental', incremental };
}
