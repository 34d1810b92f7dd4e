/**
 * A family version's lifecycle (issue 19): deprecated (still usable, hidden from lists), obsolete (nothing
 * new starts from it), revoked (must not be used; `latest` leaves it, no channel may point at it), and
 * active again (restore). A change is applied now or at a given time; a scheduled change waits in its
 * version's row and is applied by the conductors' periodic lifecycle task once the database's clock
 * reaches it. Each change is propagated to every copy of the version's image, through an agent of the
 * copy's zone, in that cloud's own terms (the agent's SetLifecycle); a copy that could not be reached is
 * tried again by the periodic task. Revoking may cascade to the versions built from this one.
 */
import type { DataSource } from 'typeorm';
import type { RequestContext } from '../common/context';
import { asGimmingError, badRequest, describeError } from '../common/errors';
import type { ServiceUser } from '../common/keystone/service-user';
import { getLogger } from '../common/log';
import type { AgentGateway } from './agent-gateway';
import type { AgentRegistry } from './agents';
import { DB_NOW } from './db/clock';
import { CloudRow, FamilyChannelRow, FamilyRow, FamilyVersionRow, LocationRow } from './db/entities';
import { type FamilyService, LATEST, familyFields, versionFields } from './families';
import { replacementsOf } from './lifecycle-replacement';
import type { ConductorNotifier } from './notify';
import type { LifecycleChangeView, MethodArgs } from './rpc-schemas';

const log = getLogger('conductor.lifecycle');

/** The notification action of each state. */
const ACTIONS: Record<string, string> = {
  active: 'restore',
  deprecated: 'deprecate',
  obsolete: 'obsolete',
  revoked: 'revoke',
};

/** Copies that exist in their cloud, as far as GIMinG knows. */
const HELD = ['active', 'missing', 'mismatch'];

type CopyOutcome = LifecycleChangeView['copies'][number];

export class LifecycleService {
  constructor(
    private readonly db: DataSource,
    private readonly families: FamilyService,
    private readonly agents: AgentRegistry,
    private readonly gateway: AgentGateway,
    private readonly notify: ConductorNotifier,
    private readonly changed: () => Promise<void>,
  ) {}

  async set(ctx: RequestContext, args: MethodArgs<'set_version_lifecycle'>): Promise<LifecycleChangeView> {
    const family = await this.families.find(ctx, args.family);
    const versions = await this.families.versions(family.id);
    const version = this.families.findVersion(family, versions, args.version);
    if (args.cascade && args.state !== 'revoked')
      throw badRequest(
        'gimming.lifecycle.bad_cascade',
        'Only a revoke cascades to the versions built from one.',
      );
    if (args.at !== undefined) {
      const at = new Date(args.at);
      if (Number.isNaN(at.getTime()))
        throw badRequest('gimming.lifecycle.bad_time', `${args.at} is not a time.`);
      await this.db.getRepository(FamilyVersionRow).update(
        { id: version.id },
        {
          scheduledState: args.state,
          scheduledAt: at,
          scheduledCascade: args.cascade === true,
          updatedAt: new Date(),
        },
      );
      // Whether its time has come is the database's to say, as for the periodic task.
      const rows: Array<{ due: number | string }> = await this.db.query(
        `SELECT scheduled_at <= ${DB_NOW} AS due FROM family_versions WHERE id = ?`,
        [version.id],
      );
      if (Number(rows[0]?.due) === 1) {
        const ran = await this.runScheduled(ctx, version.id);
        if (ran) return ran;
      }
      this.notify.family(ctx, 'gimming.image.lifecycle.schedule', {
        ...familyFields(family),
        ...versionFields(version),
        state: args.state,
        at: at.toISOString(),
        cascade: args.cascade === true,
      });
      await this.changed();
      const views = await this.families.versionViews(family);
      return { scheduled: true, versions: views.filter((v) => v.id === version.id), copies: [] };
    }
    // A change made now replaces what was scheduled.
    return this.apply(ctx, family, version, args.state, args.cascade === true, false);
  }

  /** Takes the scheduled change of a version (once, whichever conductor gets there first) and applies it. */
  private async runScheduled(
    ctx: RequestContext,
    versionId: string,
  ): Promise<LifecycleChangeView | undefined> {
    const version = await this.db.getRepository(FamilyVersionRow).findOneBy({ id: versionId });
    if (!version?.scheduledState || !version.scheduledAt) return undefined;
    const claimed = await this.db
      .createQueryBuilder()
      .update(FamilyVersionRow)
      .set({ scheduledState: null, scheduledAt: null, scheduledCascade: false })
      .where(`id = :id AND scheduled_at IS NOT NULL AND scheduled_at <= ${DB_NOW}`, { id: versionId })
      .execute();
    if (!claimed.affected) return undefined;
    const family = await this.db.getRepository(FamilyRow).findOneByOrFail({ id: version.familyId });
    return this.apply(ctx, family, version, version.scheduledState, version.scheduledCascade, true);
  }

  private async apply(
    ctx: RequestContext,
    family: FamilyRow,
    version: FamilyVersionRow,
    state: string,
    cascade: boolean,
    scheduled: boolean,
  ): Promise<LifecycleChangeView> {
    const previous = new Map<string, string>();
    const changed = await this.db.transaction(async (m) => {
      const versions = await this.families.versions(family.id, m);
      const targets = [version.id, ...(cascade ? descendants(versions, version.id) : [])];
      const rows = versions.filter((v) => targets.includes(v.id));
      const now = new Date();
      for (const row of rows) {
        const clearSchedule = row.id === version.id;
        await m.getRepository(FamilyVersionRow).update(
          { id: row.id },
          {
            lifecycle: state,
            propagated: false,
            propagationError: null,
            updatedAt: now,
            ...(clearSchedule ? { scheduledState: null, scheduledAt: null, scheduledCascade: false } : {}),
          },
        );
        previous.set(row.id, row.lifecycle);
        row.lifecycle = state;
      }
      if (state === 'revoked') {
        // No channel keeps pointing at a revoked version it was promoted to: it is cleared, which its
        // history records (a rollback then takes it back to the promotion before).
        const channels = await m.getRepository(FamilyChannelRow).findBy({ familyId: family.id });
        for (const c of channels) {
          if (c.name === LATEST || !c.versionId || !targets.includes(c.versionId)) continue;
          await m
            .getRepository(FamilyChannelRow)
            .update({ familyId: family.id, name: c.name }, { versionId: null, updatedAt: now });
          await this.families.record(ctx, m, family.id, c.name, 'clear', null, c.versionId, now);
        }
      }
      await this.families.followLatest(ctx, family, m);
      return rows;
    });
    const copies: CopyOutcome[] = [];
    for (const row of changed) copies.push(...(await this.propagate(ctx, row)));
    for (const row of changed) {
      this.notify.family(ctx, `gimming.image.lifecycle.${ACTIONS[state] ?? state}`, {
        ...familyFields(family),
        ...versionFields(row),
        previous_lifecycle: previous.get(row.id) ?? null,
        scheduled,
        cascade_from: row.id === version.id ? null : version.sequence,
        copies: copies.filter((c) => c.version === row.sequence),
      });
    }
    log.info(
      { family: family.name, version: version.sequence, state, cascade, scheduled, versions: changed.length },
      'version lifecycle changed',
    );
    await this.changed();
    const views = await this.families.versionViews(family);
    const ids = new Set(changed.map((r) => r.id));
    return { scheduled: false, versions: views.filter((v) => ids.has(v.id)), copies };
  }

  /** Sets the version's lifecycle on every copy of its image; records whether all of them took it. */
  async propagate(ctx: RequestContext, version: FamilyVersionRow): Promise<CopyOutcome[]> {
    const locations = await this.db.getRepository(LocationRow).findBy({ imageId: version.imageId });
    const clouds = new Map((await this.db.getRepository(CloudRow).find()).map((c) => [c.id, c]));
    const replacements = await replacementsOf(this.db, version);
    const outcomes = await Promise.all(
      locations
        .filter((l) => l.remoteId && HELD.includes(l.status) && clouds.has(l.cloudId))
        .map(async (l): Promise<CopyOutcome> => {
          const cloud = clouds.get(l.cloudId) as CloudRow;
          const base = { version: version.sequence, cloud: cloud.name, remote_id: l.remoteId as string };
          try {
            const agent = await this.agents.pick(cloud.zone);
            const image = await this.gateway.setLifecycle(
              ctx,
              agent.address,
              cloud,
              l.remoteId as string,
              version.lifecycle,
              replacements.get(l.cloudId),
            );
            return { ...base, lifecycle: image.lifecycle || version.lifecycle };
          } catch (err) {
            const e = asGimmingError(err);
            log.warn(
              { version_id: version.id, cloud: cloud.name, reason: e.message },
              'copy lifecycle not set',
            );
            return { ...base, lifecycle: null, error: { code: e.code, message: e.message } };
          }
        }),
    );
    const failed = outcomes.filter((o) => o.error);
    // Only if the lifecycle is still the one propagated (a later change propagates itself).
    await this.db.getRepository(FamilyVersionRow).update(
      { id: version.id, lifecycle: version.lifecycle },
      {
        propagated: failed.length === 0,
        propagationError: failed.length
          ? failed
              .map((f) => `${f.cloud}: ${f.error?.code ?? ''} ${f.error?.message ?? ''}`)
              .join('; ')
              .slice(0, 4000)
          : null,
      },
    );
    return outcomes.sort((a, b) => a.cloud.localeCompare(b.cloud));
  }

  /** The periodic task's work: the scheduled changes that are due, then the copies not yet reached. */
  async runDue(ctx: RequestContext): Promise<number> {
    const due = await this.db
      .getRepository(FamilyVersionRow)
      .createQueryBuilder('v')
      .where(`v.scheduled_at IS NOT NULL AND v.scheduled_at <= ${DB_NOW}`)
      .orderBy('v.scheduled_at', 'ASC')
      .limit(100)
      .getMany();
    let done = 0;
    for (const v of due) {
      try {
        if (await this.runScheduled(ctx, v.id)) done += 1;
      } catch (err) {
        log.warn({ version_id: v.id, reason: describeError(err) }, 'scheduled lifecycle change failed');
      }
    }
    const behind = await this.db
      .getRepository(FamilyVersionRow)
      .find({ where: { propagated: false }, take: 100 });
    for (const v of behind) {
      try {
        await this.propagate(ctx, v);
      } catch (err) {
        log.warn({ version_id: v.id, reason: describeError(err) }, 'lifecycle propagation failed');
      }
    }
    // Copies made or lost since the last change show in the published files too.
    await this.changed();
    return done;
  }
}

/** Every version built from `id`, directly or not (parent chains). */
export function descendants(versions: FamilyVersionRow[], id: string): string[] {
  const found: string[] = [];
  const queue = [id];
  while (queue.length) {
    const at = queue.shift() as string;
    for (const v of versions) {
      if (v.parentId === at && !found.includes(v.id)) {
        found.push(v.id);
        queue.push(v.id);
      }
    }
  }
  return found;
}

/** Runs LifecycleService.runDue every [families] lifecycle_interval seconds, as the service user. */
export class LifecycleScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly lifecycle: LifecycleService,
    private readonly serviceUser: ServiceUser,
    private readonly intervalS: number,
  ) {}

  start(): void {
    if (this.intervalS <= 0) {
      log.info('periodic lifecycle task disabled');
      return;
    }
    if (!this.serviceUser.authUrl) {
      log.warn('periodic lifecycle task disabled: [keystone_authtoken] auth_url is not set');
      return;
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.serviceUser
        .context()
        .then((ctx) => this.lifecycle.runDue(ctx))
        .then(() => undefined)
        .catch((err: unknown) => log.error({ err: describeError(err) }, 'periodic lifecycle task failed'))
        .finally(() => {
          this.running = undefined;
          this.schedule();
        });
    }, this.intervalS * 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
