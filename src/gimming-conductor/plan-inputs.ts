/**
 * What the planner (planner.ts) plans from, gathered from the agents: what each kind of cloud can do in
 * each zone, which zones have an agent up, and each copy the image could be read from, described in its
 * cloud (its formats, whether it still holds the image's bytes). Reads only: a dry run changes nothing.
 */
import type { RequestContext } from '../common/context';
import { GimmingError, conflict } from '../common/errors';
import type { AgentGateway } from './agent-gateway';
import type { AgentRegistry } from './agents';
import type { CloudRow, ImageRow, LocationRow } from './db/entities';
import { dataSpec } from './image-spec';
import { type Plan, type PlanCloud, type PlanContext, type PlanSource, refusals } from './planner';
import { sourceConversion } from './tasks/copy-source';

export function planCloud(cloud: Pick<CloudRow, 'id' | 'name' | 'zone' | 'type'>): PlanCloud {
  return { id: cloud.id, name: cloud.name, zone: cloud.zone, type: cloud.type };
}

/** The image's staged data (an upload or an import) as a source: its formats as given with it. */
export function stagedSource(spec: { disk_format?: string; container_format?: string }): PlanSource {
  return {
    cloud: null,
    proof: null,
    spec: { disk_format: spec.disk_format ?? 'raw', container_format: spec.container_format ?? 'bare' },
  };
}

/** How long a plan waits for a copy's cloud to describe it before planning from what was recorded. */
const DESCRIBE_TIMEOUT_MS = 5000;

async function withinDescribeTime<T>(call: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('no answer in time')), DESCRIBE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([call, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export class CopyPlanner {
  constructor(
    private readonly agents: AgentRegistry,
    private readonly gateway: AgentGateway,
  ) {}

  async context(size: number | null): Promise<PlanContext> {
    const [byZone, alive] = await Promise.all([
      this.agents.capabilitiesByZone(),
      this.agents.countAliveByZone(),
    ]);
    const zonesUp = new Set([...alive].filter(([, n]) => n > 0).map(([zone]) => zone));
    return { byZone, zonesUp, size };
  }

  /**
   * The copies the image can be read from, each described in its cloud (all at once), then its staged
   * data when it has some: the planner takes the staged data only where no copy serves.
   */
  async sources(
    ctx: RequestContext,
    image: ImageRow,
    copies: ReadonlyArray<{ location: LocationRow; cloud: CloudRow }>,
    pc: PlanContext,
  ): Promise<PlanSource[]> {
    const described = await Promise.all(
      copies.map(async ({ location, cloud }): Promise<PlanSource> => {
        const source: PlanSource = {
          cloud: planCloud(cloud),
          proof: location.proof ?? null,
          spec: { disk_format: '', container_format: '' },
        };
        if (!pc.zonesUp.has(cloud.zone)) return source; // the planner refuses it: no agent reads it
        try {
          const agent = await this.agents.pick(cloud.zone);
          const remote = await withinDescribeTime(
            this.gateway.describeImage(ctx, agent.address, cloud, location.remoteId ?? ''),
          );
          const conversion = sourceConversion(image, remote, location.proof);
          return {
            ...source,
            proof: conversion ? 'converted' : source.proof,
            spec: { disk_format: remote.disk_format, container_format: remote.container_format },
          };
        } catch (err) {
          const known = err instanceof GimmingError && err.status < 500;
          // A cloud or agent that does not answer (now) is no reason to refuse: the copy re-plans before
          // its first byte and fails there with the cloud's reason if it is still away. Plan from what was
          // recorded of the copy; only a cloud's definite answer (gone, refused) refuses it here.
          if (!known) {
            const recorded = dataSpec(image);
            return {
              ...source,
              spec: {
                disk_format: recorded.disk_format ?? 'raw',
                container_format: recorded.container_format ?? 'bare',
              },
            };
          }
          return {
            ...source,
            unreadable: {
              code: known ? err.code : 'gimming.plan.source_unreadable',
              message:
                `The copy in cloud ${cloud.name} cannot be read from: ` +
                (known ? err.message : 'its cloud did not answer.'),
            },
          };
        }
      }),
    );
    if (image.stagingAgent && image.status === 'active') described.push(stagedSource(dataSpec(image)));
    return described;
  }
}

/**
 * Refuses a request whose plan refuses a target, before anything is recorded or any byte moves: nothing
 * is done for the other targets either (as set_targets does), so that a request either runs as planned or
 * changes nothing. The error carries the whole plan.
 */
export function assertPlanned(plan: Plan): void {
  const refused = refusals(plan);
  if (refused.length === 0) return;
  throw conflict(
    'gimming.plan.refused',
    `Nothing was done: ${refused.map((t) => t.refused?.message ?? '').join(' ')}`,
    {
      refused: refused.map((t) => ({ cloud: t.cloud, code: t.refused?.code, message: t.refused?.message })),
      plan,
    },
  );
}
