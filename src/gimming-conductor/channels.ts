/**
 * The channels of an image family, moved by users: promote (point a channel at a version), rollback (back
 * to what it pointed at before the promotion that brought its version, skipping revoked ones), the
 * history of every move, and resolving a channel to its version's own image ID in each cloud. `latest`
 * is moved by GIMinG only (families.ts followLatest).
 */
import type { DataSource } from 'typeorm';
import type { RequestContext } from '../common/context';
import { conflict, notFound } from '../common/errors';
import { ChannelHistoryRow, CloudRow, FamilyChannelRow, FamilyVersionRow, LocationRow } from './db/entities';
import { type FamilyChanged, type FamilyService, LATEST, familyFields, versionFields } from './families';
import type { ConductorNotifier } from './notify';
import type { ChannelHistoryEntry, ChannelView, MethodArgs, ResolvedChannelView } from './rpc-schemas';

export class ChannelService {
  constructor(
    private readonly db: DataSource,
    private readonly families: FamilyService,
    private readonly notify: ConductorNotifier,
    private readonly changed: FamilyChanged,
  ) {}

  async promote(ctx: RequestContext, args: MethodArgs<'promote_channel'>): Promise<ChannelView> {
    refuseManaged(args.channel);
    const family = await this.families.find(ctx, args.family);
    const { version, previous } = await this.db.transaction(async (m) => {
      const versions = await this.families.versions(family.id, m);
      const version = this.families.findVersion(family, versions, args.version);
      if (version.lifecycle === 'revoked')
        throw conflict(
          'gimming.family.version_revoked',
          `Version ${version.sequence} of ${family.name} is revoked: no channel may point at it.`,
        );
      const channels = m.getRepository(FamilyChannelRow);
      const current = await channels.findOneBy({ familyId: family.id, name: args.channel });
      const now = new Date();
      if (current)
        await channels.update(
          { familyId: family.id, name: args.channel },
          { versionId: version.id, updatedAt: now },
        );
      else
        await channels.insert({
          familyId: family.id,
          name: args.channel,
          versionId: version.id,
          updatedAt: now,
        });
      const previous = versions.find((v) => v.id === current?.versionId) ?? null;
      await this.families.record(
        ctx,
        m,
        family.id,
        args.channel,
        'promote',
        version.id,
        previous?.id ?? null,
        now,
      );
      return { version, previous };
    });
    this.notify.family(ctx, 'gimming.image.version.promote', {
      ...familyFields(family),
      ...versionFields(version),
      channel: args.channel,
      previous_version: previous?.sequence ?? null,
    });
    await this.changed();
    return this.families.channelView(family, args.channel);
  }

  /** Points the channel back at what it pointed at before the promotion that brought its version. */
  async rollback(ctx: RequestContext, args: MethodArgs<'rollback_channel'>): Promise<ChannelView> {
    refuseManaged(args.channel);
    const family = await this.families.find(ctx, args.family);
    const { version, from } = await this.db.transaction(async (m) => {
      const channels = m.getRepository(FamilyChannelRow);
      const current = await channels.findOneBy({ familyId: family.id, name: args.channel });
      if (!current)
        throw notFound('gimming.channel.not_found', `Family ${family.name} has no channel ${args.channel}.`);
      const versions = await this.families.versions(family.id, m);
      const history = await m.getRepository(ChannelHistoryRow).find({
        where: { familyId: family.id, channel: args.channel, action: 'promote' },
        order: { createdAt: 'DESC' },
      });
      // A channel cleared by a revoke goes back from the version it was cleared of.
      let from = current.versionId;
      if (from === null) {
        const cleared = await m.getRepository(ChannelHistoryRow).findOne({
          where: { familyId: family.id, channel: args.channel, action: 'clear' },
          order: { createdAt: 'DESC' },
        });
        from = cleared?.previousVersionId ?? null;
      }
      // The promotion that brought the current version, and before it whatever is not revoked.
      let target: FamilyVersionRow | null = null;
      let at = history.findIndex((h) => h.versionId === from);
      while (at >= 0 && !target) {
        const back = versions.find((v) => v.id === history[at]?.previousVersionId);
        if (!back) break;
        if (back.lifecycle !== 'revoked') target = back;
        else at = history.findIndex((h, i) => i > at && h.versionId === back.id);
      }
      if (!target)
        throw conflict(
          'gimming.channel.no_previous',
          `Channel ${args.channel} of ${family.name} has no earlier version to go back to.`,
        );
      const now = new Date();
      await channels.update(
        { familyId: family.id, name: args.channel },
        { versionId: target.id, updatedAt: now },
      );
      await this.families.record(
        ctx,
        m,
        family.id,
        args.channel,
        'rollback',
        target.id,
        current.versionId,
        now,
      );
      return { version: target, from: versions.find((v) => v.id === current.versionId) ?? null };
    });
    this.notify.family(ctx, 'gimming.image.version.rollback', {
      ...familyFields(family),
      ...versionFields(version),
      channel: args.channel,
      previous_version: from?.sequence ?? null,
    });
    await this.changed();
    return this.families.channelView(family, args.channel);
  }

  async history(ctx: RequestContext, args: MethodArgs<'channel_history'>): Promise<ChannelHistoryEntry[]> {
    const family = await this.families.find(ctx, args.family);
    const versions = new Map((await this.families.versions(family.id)).map((v) => [v.id, v.sequence]));
    const rows = await this.db
      .getRepository(ChannelHistoryRow)
      .find({ where: { familyId: family.id, channel: args.channel }, order: { createdAt: 'DESC' } });
    if (
      rows.length === 0 &&
      !(await this.db.getRepository(FamilyChannelRow).findOneBy({ familyId: family.id, name: args.channel }))
    )
      throw notFound('gimming.channel.not_found', `Family ${family.name} has no channel ${args.channel}.`);
    return rows.map((r) => ({
      action: r.action,
      version: r.versionId ? (versions.get(r.versionId) ?? null) : null,
      previous_version: r.previousVersionId ? (versions.get(r.previousVersionId) ?? null) : null,
      user_id: r.userId,
      request_id: r.requestId,
      created_at: r.createdAt.toISOString(),
    }));
  }

  /** The version a channel points at, and its copy's own image ID in each cloud (or in one). */
  async resolve(ctx: RequestContext, args: MethodArgs<'resolve_channel'>): Promise<ResolvedChannelView> {
    const family = await this.families.find(ctx, args.family);
    const channel = await this.db
      .getRepository(FamilyChannelRow)
      .findOneBy({ familyId: family.id, name: args.channel });
    if (!channel)
      throw notFound('gimming.channel.not_found', `Family ${family.name} has no channel ${args.channel}.`);
    const version = channel.versionId
      ? await this.db.getRepository(FamilyVersionRow).findOneBy({ id: channel.versionId })
      : null;
    if (!version)
      throw notFound(
        'gimming.channel.empty',
        `Channel ${args.channel} of ${family.name} points at no version.`,
      );
    if (version.lifecycle === 'revoked')
      throw conflict(
        'gimming.family.version_revoked',
        `Version ${version.sequence} of ${family.name} is revoked.`,
      );
    const clouds = await this.db.getRepository(CloudRow).find();
    let wanted: CloudRow | undefined;
    if (args.cloud !== undefined) {
      wanted = clouds.find((c) => c.id === args.cloud) ?? clouds.find((c) => c.name === args.cloud);
      if (!wanted) throw notFound('gimming.cloud.not_found', `Cloud ${args.cloud} was not found.`);
    }
    const locations = await this.db
      .getRepository(LocationRow)
      .findBy({ imageId: version.imageId, status: 'active' });
    const byId = new Map(clouds.map((c) => [c.id, c]));
    const found = locations
      .filter((l) => l.remoteId && byId.has(l.cloudId) && (!wanted || l.cloudId === wanted.id))
      .map((l) => {
        const c = byId.get(l.cloudId) as CloudRow;
        return {
          cloud: c.name,
          cloud_id: c.id,
          type: c.type,
          region_name: c.regionName,
          remote_id: l.remoteId as string,
        };
      })
      .sort((a, b) => a.cloud.localeCompare(b.cloud));
    if (wanted && found.length === 0)
      throw notFound(
        'gimming.family.no_copy',
        `Version ${version.sequence} of ${family.name} has no active copy in cloud ${wanted.name}.`,
      );
    return {
      family: family.name,
      family_id: family.id,
      channel: args.channel,
      version: version.sequence,
      label: version.label,
      image_id: version.imageId,
      lifecycle: version.lifecycle,
      clouds: found,
    };
  }
}

function refuseManaged(channel: string): void {
  if (channel === LATEST)
    throw conflict(
      'gimming.channel.managed',
      'The latest channel follows the newest version that is not revoked: it is not promoted or rolled back.',
    );
}
