/**
 * Property names a kind of cloud keeps for itself, as its driver says (Capabilities'
 * reserved_property_prefixes): an image whose properties would carry one to a target is refused before
 * anything is recorded, with the error the API gives for the names every cloud reserves
 * (gimming-api/schemas/v1.ts, reservedProperty).
 */
import type { RequestContext } from '../common/context';
import { badRequest } from '../common/errors';
import type { AgentRegistry } from './agents';
import { type Capabilities, capabilitiesOf } from './capabilities';
import type { CloudService } from './clouds';

type CapabilitiesByZone = ReadonlyMap<string, ReadonlyMap<string, Capabilities>>;

/**
 * The prefixes reserved in `targets` (null: a target not resolved). A target whose capabilities no live
 * agent tells (or an agent from before reserved_property_prefixes) counts as reserving what any known
 * kind of cloud reserves, so that nothing a cloud would refuse gets recorded while its agents are away.
 */
export function reservedPrefixes(
  byZone: CapabilitiesByZone,
  targets: ReadonlyArray<{ zone: string; type: string } | null>,
): string[] {
  const anyCloud = new Set<string>();
  for (const kinds of byZone.values()) {
    for (const c of kinds.values()) for (const p of c.reserved_property_prefixes ?? []) anyCloud.add(p);
  }
  const reserved = new Set<string>();
  for (const target of targets.length > 0 ? targets : [null]) {
    const own = target ? capabilitiesOf(byZone, target)?.reserved_property_prefixes : undefined;
    for (const p of own ?? anyCloud) reserved.add(p);
  }
  return [...reserved];
}

/** The names in `properties` that start with one of `prefixes`, in the order they came. */
export function reservedNames(properties: Record<string, string>, prefixes: readonly string[]): string[] {
  return Object.keys(properties).filter((name) => prefixes.some((p) => p !== '' && name.startsWith(p)));
}

export class ReservedProperties {
  constructor(
    private readonly clouds: CloudService,
    private readonly agents: AgentRegistry,
  ) {}

  /**
   * Refuses (400 gimming.image.reserved_property) properties reserved by a target of the image to be
   * made. Runs before the image is made: a target that does not resolve counts as unknown here and is
   * reported by the making itself.
   */
  async check(ctx: RequestContext, args: { targets: string[]; properties?: Record<string, string> }) {
    const properties = args.properties ?? {};
    if (Object.keys(properties).length === 0) return;
    const targets = await Promise.all(
      args.targets.map((ref) => this.clouds.resolve(ctx, ref).catch(() => null)),
    );
    const prefixes = reservedPrefixes(await this.agents.capabilitiesByZone(), targets);
    const reserved = reservedNames(properties, prefixes);
    if (reserved.length > 0) {
      throw badRequest(
        'gimming.image.reserved_property',
        `Property ${reserved.join(', ')} is reserved and cannot be set.`,
      );
    }
  }
}
