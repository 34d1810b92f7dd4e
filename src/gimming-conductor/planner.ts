/**
 * The plan of a sync, an upload or an adopt-and-sync, per target, from what each kind of cloud can do as
 * its zone's agents say (capabilities.ts): which copy to read from, by which path (the target cloud's
 * native copy, EC2's CopyImage; or the bytes through the agents, converted on the way or not), how many
 * bytes pass through the agents, and why a target cannot be reached. Pure: the caller gathers the sources
 * and the capabilities (plan-inputs.ts); a dry run answers the plan, a real run refuses before any byte
 * moves when a target is refused, and each copy task records the plan it follows (tasks/copy-plan.ts).
 *
 * No kind of cloud is named here: a new kind plans by its capability values alone.
 */
import type { NameConflict } from './name-conflicts';
import { type Capabilities, capabilitiesOf, planFormats } from './capabilities';
import { nativeCopyHeldToImageLimit } from './cloud-kinds';
import { afterRefusal, agentReason, nativeReason, settledReason } from './plan-reasons';
import { sourceRank } from './source-choice';

/**
 * How the bytes reach a target: `native`, its cloud copies the source itself (no byte through the
 * agents); `agent`, streamed source agent -> target agent as they are; `agent+convert`, streamed and
 * converted by the target agent (qemu-img); `present`, the target holds a copy or is getting one;
 * `tagged`, the target holds a copy tagged with the image's ID and the same bytes, taken as it is;
 * `skipped`, the target holds another image of that name and `on_conflict` is skip (name-conflicts.ts).
 */
export type CopyPath =
  'native' | 'agent' | 'agent+convert' | 'incremental' | 'present' | 'tagged' | 'skipped';

/**
 * A sync with incremental_from (incremental-plan.ts): the base (a GIMinG image ID), its copy in the target
 * cloud, the block size, the bytes expected to cross between the agents (which blocks differ is known
 * only as the copy runs: at least the size difference, at most the whole image, plus the block hashes),
 * or why the copy is made in full (`fallback`; base_remote_id is then null).
 */
export interface IncrementalPlan {
  from: string;
  base_remote_id: string | null;
  block_bytes: number | null;
  wire_bytes_min: number | null;
  wire_bytes_max: number | null;
  fallback: string | null;
}

export interface PlanRefusal {
  code: string;
  message: string;
}

/** What a copy task records of its plan, and shows in its view. */
export interface CopyPlan {
  /** The cloud the copy reads from; null: the uploaded data in an agent's staging area. */
  source_cloud: string | null;
  path: CopyPath;
  conversion: { from: string; to: string } | null;
  /** Bytes read from the source through the agents (0: native or none); null while the size is unknown. */
  bytes: number | null;
  /** The image of the same name the copy replaces once it is active (on_conflict replace; since 1.17). */
  replaces?: string;
  incremental?: IncrementalPlan;
  /** Why this path (plan-reasons.ts): native or why not, why converted; absent in plans made before it. */
  reason?: string;
  /** A copy of an upload: whether it starts while the upload arrives, and why (live-copies.ts; 1.25). */
  live?: {
    started: boolean;
    reason: string;
    /** The size the upload declared (absent: none), for a writer that needs it first (GCE's tar). */
    declaredSize?: number;
    /** The upload task the copy started with: its failure removes the copy (live-copies.ts). */
    uploadId?: string;
  };
}

/** One target's plan: a copy plan, or the reason no copy can be made (path null). */
export interface TargetPlan {
  cloud: string;
  cloud_id: string;
  source_cloud: string | null;
  source_cloud_id: string | null;
  path: CopyPath | null;
  conversion: { from: string; to: string } | null;
  bytes: number | null;
  refused: PlanRefusal | null;
  /** The image of the same name with other bytes the target holds, and what is done about it (1.17). */
  conflict?: NameConflict;
  incremental?: IncrementalPlan;
  /** Why this path (plan-reasons.ts); a refused target's reason is `refused.message`. */
  reason?: string;
}

export interface Plan {
  targets: TargetPlan[];
}

export interface PlanCloud {
  id: string;
  name: string;
  zone: string;
  type: string;
}

/** A copy the plan may read from. */
export interface PlanSource {
  /** null: the image's data staged by an agent (an upload or an import). */
  cloud: PlanCloud | null;
  /** The location's recorded proof (`converted`: it holds a conversion of the image's bytes). */
  proof: string | null;
  /** Its formats, as its cloud shows them (or as given with the upload). */
  spec: { disk_format: string; container_format: string };
  /** Why the copy cannot be read from (not active, its bytes changed, its cloud did not answer). */
  unreadable?: PlanRefusal;
}

export interface PlanContext {
  byZone: ReadonlyMap<string, ReadonlyMap<string, Capabilities>>;
  /** Zones with an agent up. */
  zonesUp: ReadonlySet<string>;
  /** The image's size in bytes; null while it is unknown (not uploaded yet, or learned from a copy). */
  size: number | null;
}

export function refusedTarget(
  target: PlanCloud,
  refusal: PlanRefusal,
  source?: PlanCloud | null,
): TargetPlan {
  return {
    cloud: target.name,
    cloud_id: target.id,
    source_cloud: source?.name ?? null,
    source_cloud_id: source?.id ?? null,
    path: null,
    conversion: null,
    bytes: null,
    refused: refusal,
  };
}

/** A target that needs no copy: it holds one (`present`), a tagged one is taken (`tagged`), or `skipped`. */
export function settledTarget(target: PlanCloud, path: 'present' | 'tagged' | 'skipped'): TargetPlan {
  return {
    cloud: target.name,
    cloud_id: target.id,
    source_cloud: null,
    source_cloud_id: null,
    path,
    conversion: null,
    bytes: 0,
    refused: null,
    reason: settledReason(target, path),
  };
}

/**
 * The plan for one target: the best source (source-choice.ts's order) whose copy can be made; when none
 * can, the refusal of the best one (what the user would fix first).
 */
export function planTarget(target: PlanCloud, sources: readonly PlanSource[], pc: PlanContext): TargetPlan {
  if (!pc.zonesUp.has(target.zone)) {
    return refusedTarget(target, {
      code: 'gimming.plan.no_agent',
      message: `No agent of zone ${target.zone} is up to write to cloud ${target.name}.`,
    });
  }
  if (sources.length === 0) {
    return refusedTarget(target, {
      code: 'gimming.plan.no_source',
      message: `The image has no active copy and no staged data to copy to cloud ${target.name} from.`,
    });
  }
  const targetCaps = capabilitiesOf(pc.byZone, target);
  const rank = (s: PlanSource): number =>
    s.cloud
      ? sourceRank(
          { cloud: s.cloud, location: { cloudId: s.cloud.id, proof: s.proof } },
          targetCaps,
          pc.byZone,
        )
      : 4;
  // Stable: among equals, the order the sources came in.
  const ordered = sources.map((s, i) => ({ s, i })).sort((a, b) => rank(a.s) - rank(b.s) || a.i - b.i);
  let first: TargetPlan | undefined;
  for (const { s } of ordered) {
    const plan = planFrom(target, targetCaps, s, pc);
    if (!plan.refused) {
      // A better copy was refused: the reason says why it is not read from.
      if (!first?.refused || !plan.reason) return plan;
      return {
        ...plan,
        reason: afterRefusal(plan.reason, { source: first.source_cloud, refusal: first.refused.message }),
      };
    }
    first ??= plan;
  }
  return first as TargetPlan;
}

/** The plan of a copy from `source` to `target`, or why it cannot be made. */
export function planFrom(
  target: PlanCloud,
  targetCaps: Capabilities | null,
  source: PlanSource,
  pc: PlanContext,
): TargetPlan {
  const refuse = (code: string, message: string): TargetPlan =>
    refusedTarget(target, { code, message }, source.cloud);
  const from = source.cloud;
  if (source.unreadable) return refusedTarget(target, source.unreadable, from);
  if (from && !pc.zonesUp.has(from.zone)) {
    return refuse('gimming.plan.no_agent', `No agent of zone ${from.zone} is up to read cloud ${from.name}.`);
  }
  const copy = (
    path: CopyPath,
    conversion: TargetPlan['conversion'],
    bytes: number | null,
    reason: string,
  ): TargetPlan => ({
    cloud: target.name,
    cloud_id: target.id,
    source_cloud: from?.name ?? null,
    source_cloud_id: from?.id ?? null,
    path,
    conversion,
    bytes,
    refused: null,
    reason,
  });
  const sourceCaps = from ? capabilitiesOf(pc.byZone, from) : null;
  // The target's cloud copies the image itself (EC2's CopyImage from another region, Glance's
  // glance-download): where the target's zone says its kind copies from the source's kind, and the
  // source's zone, if it says anything, allows it too (names the target's kind). Held to the limit the
  // target's agents say its native copies are (nativeCopyLimit); never to the scratch space of a
  // conversion (no byte passes through an agent, none is converted).
  if (from && nativeBetween(targetCaps, sourceCaps, from.type, target.type)) {
    const tooLarge = imageTooLarge(target, nativeCopyLimit(target.type, targetCaps), pc.size);
    if (tooLarge) return refuse(tooLarge.code, tooLarge.message);
    return copy('native', null, 0, nativeReason(target, from));
  }
  if (from && sourceCaps && !sourceCaps.can_export) {
    return refuse(
      'gimming.plan.cannot_export',
      `Cloud ${from.name} (${from.type}) cannot hand out an image's data, and cloud ${target.name} ` +
        `(${target.type}) cannot copy from it itself.`,
    );
  }
  if (targetCaps && !targetCaps.can_import) {
    return refuse(
      'gimming.plan.cannot_import',
      `Cloud ${target.name} (${target.type}) cannot import image data.`,
    );
  }
  const { disk_format, container_format } = source.spec;
  if (
    targetCaps &&
    container_format &&
    targetCaps.container_formats.length > 0 &&
    !targetCaps.container_formats.includes(container_format)
  ) {
    return refuse(
      'gimming.plan.container_format',
      `Cloud ${target.name} takes no ${container_format} containers (it takes ` +
        `${targetCaps.container_formats.join(', ')}).`,
    );
  }
  const formats = planFormats(targetCaps, disk_format);
  if (formats === null) {
    const converts = targetCaps?.convertible_formats ?? [];
    return refuse(
      'gimming.plan.disk_format',
      `Cloud ${target.name} takes no ${disk_format} images (it takes ` +
        `${targetCaps?.disk_formats.join(', ') ?? ''}), and ` +
        (converts.length === 0
          ? 'the agents of its zone convert none.'
          : `the agents of its zone convert none to a format it takes (they convert ${converts.join(', ')}).`),
    );
  }
  const tooLarge = sizeRefusal(target, targetCaps, pc.size, formats.convert_from !== '');
  if (tooLarge) return refuse(tooLarge.code, tooLarge.message);
  if (!formats.convert_from)
    return copy('agent', null, pc.size, agentReason(target, targetCaps, from, null, sourceCaps));
  if (source.proof === 'converted') {
    // A conversion of a conversion would record a source that is not the image's bytes.
    return refuse(
      'gimming.plan.reconversion',
      `The copy in cloud ${from?.name ?? ''} holds the image converted to ${disk_format}, which cloud ` +
        `${target.name} takes not, and a conversion is not converted again; sync from a copy that holds ` +
        `the image's own bytes.`,
    );
  }
  const conversion = { from: formats.convert_from, to: formats.disk_format };
  return copy(
    'agent+convert',
    conversion,
    pc.size,
    agentReason(target, targetCaps, from, conversion, sourceCaps),
  );
}

/** Whether the target's cloud copies from the source's kind itself, as both zones' agents say. */
export function nativeBetween(
  targetCaps: Capabilities | null,
  sourceCaps: Capabilities | null,
  sourceType: string,
  targetType: string,
): boolean {
  if (!targetCaps?.native_copy.includes(sourceType)) return false;
  return sourceCaps === null || sourceCaps.native_copy.includes(targetType);
}

/**
 * Why an image of `size` bytes cannot be copied into the target (null: it can, or its size is not known
 * yet): larger than the target cloud takes (its size_limits.image_bytes: Glance's image_size_cap, which
 * holds its glance-download too, S3's limits for an EC2 import, Cloud Storage's for GCE), or, when it is
 * passed through the agents and converted (`converted`), than
 * the scratch space its agents have ([agent] staging_max_bytes). For a converted copy the source's size
 * is compared, the only one known before the conversion (the converted disk may be larger still).
 */
export function sizeRefusal(
  target: PlanCloud,
  caps: Capabilities | null,
  size: number | null,
  converted: boolean,
): PlanRefusal | null {
  const limits = caps?.size_limits;
  if (size === null || !limits) return null;
  const tooLarge = imageTooLarge(target, limits, size);
  if (tooLarge) return tooLarge;
  if (converted && limits.scratch_bytes > 0 && size > limits.scratch_bytes) {
    return {
      code: 'gimming.plan.too_large',
      message:
        `Converting the image (${size} bytes) for cloud ${target.name} needs more scratch space than the ` +
        `agents of zone ${target.zone} have: at most ${limits.scratch_bytes} bytes ([agent] staging_max_bytes).`,
    };
  }
  return null;
}

/** An image limit (bytes 0: none) and where it comes from, for the refusal's message. */
interface ImageLimit {
  image_bytes: number;
  image_bytes_from: string;
}

function imageTooLarge(target: PlanCloud, limit: ImageLimit | null, size: number | null): PlanRefusal | null {
  if (size === null || !limit || limit.image_bytes <= 0 || size <= limit.image_bytes) return null;
  return {
    code: 'gimming.plan.too_large',
    message:
      `The image (${size} bytes) is larger than cloud ${target.name} (${target.type}) takes: at most ` +
      `${limit.image_bytes} bytes (${limit.image_bytes_from || 'as its agents say'}).`,
  };
}

/**
 * The limit a native copy into the target is held to, as its zone's agents say (native_copy_limit, since
 * 1.22: Glance's image_size_cap, which its glance-download is held to; none for EC2's CopyImage, which
 * uses no S3 object of an import). An older agent says nothing of it: then the rule per kind it followed
 * (cloud-kinds.ts nativeCopyHeldToImageLimit: the target's largest image, or none).
 */
export function nativeCopyLimit(targetType: string, caps: Capabilities | null): ImageLimit | null {
  if (caps?.native_copy_limit) return caps.native_copy_limit;
  return caps?.size_limits && nativeCopyHeldToImageLimit(targetType) ? caps.size_limits : null;
}

export function planTargets(
  targets: readonly PlanCloud[],
  sources: readonly PlanSource[],
  pc: PlanContext,
): Plan {
  return { targets: targets.map((t) => planTarget(t, sources, pc)) };
}

/** The refused targets of a plan. */
export function refusals(plan: Plan): TargetPlan[] {
  return plan.targets.filter((t) => t.refused !== null);
}

/** What a task records of a target's plan (null for a refused one). */
export function copyPlanOf(t: TargetPlan): CopyPlan | null {
  if (t.refused || t.path === null) return null;
  return {
    source_cloud: t.source_cloud,
    path: t.path,
    conversion: t.conversion,
    bytes: t.bytes,
    ...(t.conflict?.policy === 'replace' ? { replaces: t.conflict.remote_id } : {}),
    ...(t.incremental ? { incremental: t.incremental } : {}),
    ...(t.reason ? { reason: t.reason } : {}),
  };
}
