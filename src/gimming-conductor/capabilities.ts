/**
 * What each kind of cloud can do, as the agents' drivers say (GetInfo's DriverInfo, sent with every
 * heartbeat), and the plan of a copy checked against it: the conductor asks nothing of a cloud its
 * driver says it cannot do, instead of assuming every cloud is Glance.
 */
import type { Static } from '@sinclair/typebox';
import { GimmingError } from '../common/errors';
import type { CapabilitiesArg } from './rpc-schemas';

export type Capabilities = Static<typeof CapabilitiesArg>;

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
 * nothing is known of a side, in which case the agent decides). The image's formats must be ones the
 * target takes: converting them is the target driver's business once it says it can.
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
    if (
      target.disk_formats.length > 0 &&
      spec.disk_format &&
      !target.disk_formats.includes(spec.disk_format)
    ) {
      problems.push(
        `the target cloud takes no ${spec.disk_format} images (${target.disk_formats.join(', ')})`,
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
