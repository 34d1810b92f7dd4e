/**
 * What each kind of cloud can do, as the agents' drivers say (GetInfo's DriverInfo, sent with every
 * heartbeat), and the plan of a copy checked against it: the conductor asks nothing of a cloud its
 * driver says it cannot do, instead of assuming every cloud is Glance.
 */
import type { Static } from '@sinclair/typebox';
import { conversionTarget } from '../common/disk-formats';
import { GimmingError } from '../common/errors';
import type { CapabilitiesArg } from './rpc-schemas';

/**
 * What a kind of cloud can do, as the heartbeat's drivers say (rpc-schemas.ts CapabilitiesArg, checked
 * with every heartbeat): the fields of protos/gimming/agent/v2 Capabilities, those added since 1.8
 * optional so that an older agent's heartbeat still counts.
 */
export type Capabilities = Static<typeof CapabilitiesArg>;

/** The disk format a copy is written in, and the source's when the target agent converts it. */
export interface FormatPlan {
  disk_format: string;
  /** The source's format when the copy is converted; '' when the bytes are copied as they are. */
  convert_from: string;
}

/**
 * The format a copy is made in: the source's when the target takes it (or nothing is known of the
 * target), else the one the target's agents convert it to (disk-formats.ts CONVERSION_PREFERENCE), among
 * those the target takes; null when no conversion serves (the copy is then refused, see copyProblems).
 */
export function planFormats(target: Capabilities | null | undefined, source: string): FormatPlan | null {
  if (!target || !source) return { disk_format: source, convert_from: '' };
  const to = conversionTarget(source, target.disk_formats, target.convertible_formats ?? []);
  if (to === null) return { disk_format: source, convert_from: '' };
  return to === undefined ? null : { disk_format: to, convert_from: source };
}

/** What a cloud's kind can do in its zone, from AgentRegistry.capabilitiesByZone (null: no agent says). */
export function capabilitiesOf(
  byZone: ReadonlyMap<string, ReadonlyMap<string, Capabilities>>,
  cloud: { zone: string; type: string },
): Capabilities | null {
  return byZone.get(cloud.zone)?.get(cloud.type) ?? null;
}

/** The drivers an agent row records (JSON); anything unreadable is no driver. */
export function parseDrivers(json: string | null): Array<{ name: string; capabilities: Capabilities }> {
  if (!json) return [];
  try {
    const parsed = JSON.parse(json) as unknown;
    return Array.isArray(parsed)
      ? (parsed as Array<{ name: string; capabilities: Capabilities }>).filter(
          (d) => typeof d?.name === 'string' && typeof d.capabilities === 'object' && d.capabilities !== null,
        )
      : [];
  } catch {
    return [];
  }
}

/**
 * Why a copy from one cloud to another cannot be made, by what their drivers say (empty: it can, or
 * nothing is known of a side, in which case the agent decides). The image's disk format must be one the
 * target takes, or one its agents convert to one it takes (planFormats).
 */
export function copyProblems(
  source: Capabilities | null | undefined,
  target: Capabilities | null | undefined,
  spec: { disk_format: string; container_format: string },
): string[] {
  const problems: string[] = [];
  if (source && !source.can_export) problems.push('its source cloud cannot export image data');
  if (target) {
    if (!target.can_import) problems.push('the target cloud cannot import image data');
    if (planFormats(target, spec.disk_format) === null) {
      const converts = target.convertible_formats ?? [];
      problems.push(
        `the target cloud takes no ${spec.disk_format} images (${target.disk_formats.join(', ')}), and ` +
          (converts.length === 0
            ? 'its agents convert none'
            : `its agents convert none to a format it takes (they convert ${converts.join(', ')})`),
      );
    }
    if (
      target.container_formats.length > 0 &&
      spec.container_format &&
      !target.container_formats.includes(spec.container_format)
    ) {
      problems.push(`the target cloud takes no ${spec.container_format} containers`);
    }
  }
  return problems;
}

export function assertCanCopy(
  source: Capabilities | null | undefined,
  target: Capabilities | null | undefined,
  spec: { disk_format: string; container_format: string },
  targetName: string,
): void {
  const problems = copyProblems(source, target, spec);
  if (problems.length > 0) {
    throw new GimmingError(
      'gimming.cloud.cannot_copy',
      409,
      `The image cannot be copied to cloud ${targetName}: ${problems.join('; ')}.`,
    );
  }
}
