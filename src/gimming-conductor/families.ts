/**
 * Image families (issue 19): a project's named line of GIMinG images, each a version with its place in
 * the line, and channels pointing at versions. Versions are ordered by a sequence number GIMinG gives as
 * they are added (1, 2, 3...; an optional label such as 20261203 names one too), so "newest" never depends
 * on how a project spells its versions. `latest` is a channel GIMinG moves itself: the newest version
 * that is not revoked. Every move of a channel is kept in its history; rollback walks the promotions back.
 *
 * Lifecycle (deprecate, obsolete, revoke, restore) is lifecycle.ts; the published files are id-map.ts.
 */
import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import type { RequestContext } from '../common/context';
import { badRequest, conflict, notFound } from '../common/errors';
import { getLogger } from '../common/log';
import { ChannelHistoryRow, FamilyChannelRow, FamilyRow, FamilyVersionRow, ImageRow } from './db/entities';
import { canSeeImage } from './image-queries';
import type { ConductorNotifier } from './notify';
import type { ChannelView, FamilyVersionView, FamilyView, MethodArgs } from './rpc-schemas';

const log = getLogger('conductor.families');

/** The channel GIMinG moves itself. */
export const LATEST = 'latest';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What is told when a family changed: the published files are written again. */
export type FamilyChanged = () => Promise<void>;

export class FamilyService {
  constructor(
    private readonly db: DataSource,
    private readonly notify: ConductorNotifier,
    private readonly changed: FamilyChanged,
  ) {}

  /** A family by ID (the caller's project's, or any for an administrator) or by name in the project. */
  async find(ctx: RequestContext, ref: string, m: EntityManager = this.db.manager): Promise<FamilyRow> {
    const repo = m.getRepository(FamilyRow);
    let family: FamilyRow | null = null;
    if (UUID.test(ref)) family = await repo.findOneBy({ id: ref.toLowerCase() });
    if (!family && ctx.projectId) family = await repo.findOneBy({ owner: ctx.projectId, name: ref });
    if (!family || !(ctx.isAdmin || family.owner === ctx.projectId))
      throw notFound('gimming.family.not_found', `Family ${ref} was not found.`);
    return family;
  }

  async versions(familyId: string, m: EntityManager = this.db.manager): Promise<FamilyVersionRow[]> {
    return m.getRepository(FamilyVersionRow).find({ where: { familyId }, order: { sequence: 'ASC' } });
  }

  /** A version by sequence number, label or ID. */
  findVersion(family: FamilyRow, versions: FamilyVersionRow[], ref: string): FamilyVersionRow {
    const found = /^\d+$/.test(ref)
      ? versions.find((v) => v.sequence === Number(ref))
      : versions.find((v) => v.label === ref || v.id === ref.toLowerCase());
    if (!found)
      throw notFound('gimming.family.version_not_found', `Family ${family.name} has no version ${ref}.`);
    return found;
  }

  async create(ctx: RequestContext, args: MethodArgs<'create_family'>): Promise<FamilyView> {
    if (!ctx.projectId) throw badRequest('gimming.family.no_project', 'A family belongs to a project.');
    const now = new Date();
    const row: FamilyRow = {
      id: randomUUID(),
      owner: ctx.projectId,
      name: args.name,
      description: args.description ?? '',
      createdAt: now,
      updatedAt: now,
    };
    try {
      await this.db.getRepository(FamilyRow).insert(row);
    } catch (err) {
      if ((err as { code?: string }).code === 'ER_DUP_ENTRY')
        throw conflict(
          'gimming.family.exists',
          `Project ${ctx.projectId} has a family ${args.name} already.`,
        );
      throw err;
    }
    await this.db
      .getRepository(FamilyChannelRow)
      .insert({ familyId: row.id, name: LATEST, versionId: null, updatedAt: now });
    this.notify.family(ctx, 'gimming.image.family.create', { ...familyFields(row) });
    await this.changed();
    return this.view(row);
  }

  async list(ctx: RequestContext, args: MethodArgs<'list_families'>): Promise<FamilyView[]> {
    const all = args.all_projects === true && ctx.isAdmin;
    const rows = await this.db
      .getRepository(FamilyRow)
      .find({ where: all ? {} : { owner: ctx.projectId ?? '' }, order: { name: 'ASC' } });
    return Promise.all(rows.map((r) => this.view(r)));
  }

  async get(ctx: RequestContext, ref: string): Promise<FamilyView> {
    return this.view(await this.find(ctx, ref));
  }

  /** Forgets the family, its versions, channels and history; the images stay as they are. */
  async delete(ctx: RequestContext, ref: string): Promise<void> {
    const family = await this.find(ctx, ref);
    await this.db.transaction(async (m) => {
      await m.getRepository(ChannelHistoryRow).delete({ familyId: family.id });
      await m.getRepository(FamilyChannelRow).delete({ familyId: family.id });
      await m.getRepository(FamilyVersionRow).delete({ familyId: family.id });
      await m.getRepository(FamilyRow).delete({ id: family.id });
    });
    this.notify.family(ctx, 'gimming.image.family.delete', { ...familyFields(family) });
    await this.changed();
  }

  async addVersion(ctx: RequestContext, args: MethodArgs<'add_family_version'>): Promise<FamilyVersionView> {
    const family = await this.find(ctx, args.family);
    const image = await this.db.getRepository(ImageRow).findOneBy({ id: args.image_id });
    if (!image || image.status === 'deleted' || !canSeeImage(ctx, image))
      throw notFound('gimming.image.not_found', `Image ${args.image_id} was not found.`);
    if (image.owner !== family.owner) {
      throw conflict(
        'gimming.family.foreign_image',
        `Image ${image.id} belongs to project ${image.owner}, family ${family.name} to ${family.owner}: ` +
          "a family's versions are its project's images.",
      );
    }
    const row = await this.db.transaction(async (m) => {
      // The family row locked: versions of one family are numbered one at a time.
      await m
        .getRepository(FamilyRow)
        .createQueryBuilder('f')
        .setLock('pessimistic_write')
        .where('f.id = :id', { id: family.id })
        .getOne();
      const versions = await this.versions(family.id, m);
      if (versions.some((v) => v.imageId === image.id))
        throw conflict(
          'gimming.family.image_is_version',
          `Image ${image.id} is a version of ${family.name} already.`,
        );
      if (args.label !== undefined && versions.some((v) => v.label === args.label))
        throw conflict(
          'gimming.family.label_exists',
          `Family ${family.name} has a version ${args.label} already.`,
        );
      const parent = args.parent !== undefined ? this.findVersion(family, versions, args.parent) : null;
      const now = new Date();
      const version: FamilyVersionRow = {
        id: randomUUID(),
        familyId: family.id,
        imageId: image.id,
        sequence: (versions[versions.length - 1]?.sequence ?? 0) + 1,
        label: args.label ?? null,
        parentId: parent?.id ?? null,
        // A new version is active whatever its parent is: revoking cascades only when asked.
        lifecycle: 'active',
        scheduledState: null,
        scheduledAt: null,
        scheduledCascade: false,
        propagated: true,
        propagationError: null,
        createdAt: now,
        updatedAt: now,
      };
      await m.getRepository(FamilyVersionRow).insert(version);
      await m.getRepository(FamilyRow).update({ id: family.id }, { updatedAt: now });
      await this.followLatest(ctx, family, m);
      return version;
    });
    this.notify.family(ctx, 'gimming.image.version.create', {
      ...familyFields(family),
      ...versionFields(row),
      name: image.specName,
    });
    log.info({ family: family.name, sequence: row.sequence, image_id: image.id }, 'family version added');
    await this.changed();
    return (await this.versionViews(family)).find((v) => v.id === row.id) as FamilyVersionView;
  }

  /**
   * Moves `latest` to the newest version that is not revoked (none: no version), with a history entry
   * when it moved. Called in the transaction of every change that can move it.
   */
  async followLatest(ctx: RequestContext | null, family: FamilyRow, m: EntityManager): Promise<void> {
    const versions = await this.versions(family.id, m);
    const newest = [...versions].reverse().find((v) => v.lifecycle !== 'revoked') ?? null;
    const channels = m.getRepository(FamilyChannelRow);
    const current = await channels.findOneBy({ familyId: family.id, name: LATEST });
    const was = current?.versionId ?? null;
    const now = newest?.id ?? null;
    if (current && was === now) return;
    const time = new Date();
    if (current)
      await channels.update({ familyId: family.id, name: LATEST }, { versionId: now, updatedAt: time });
    else await channels.insert({ familyId: family.id, name: LATEST, versionId: now, updatedAt: time });
    await this.record(ctx, m, family.id, LATEST, 'follow', now, was, time);
    if (ctx && now !== was)
      this.notify.family(ctx, 'gimming.image.version.follow', {
        ...familyFields(family),
        channel: LATEST,
        version: newest?.sequence ?? null,
        previous_version: versions.find((v) => v.id === was)?.sequence ?? null,
      });
  }

  /** One move of a channel, in its history. */
  async record(
    ctx: RequestContext | null,
    m: EntityManager,
    familyId: string,
    channel: string,
    action: string,
    versionId: string | null,
    previousId: string | null,
    at: Date,
  ): Promise<void> {
    await m.getRepository(ChannelHistoryRow).insert({
      id: randomUUID(),
      familyId,
      channel,
      action,
      versionId,
      previousVersionId: previousId,
      userId: ctx?.userId ?? null,
      requestId: ctx?.requestId ?? null,
      createdAt: at,
    });
  }

  async view(family: FamilyRow): Promise<FamilyView> {
    return {
      id: family.id,
      name: family.name,
      owner: family.owner,
      description: family.description,
      versions: await this.versionViews(family),
      channels: await this.channelViews(family),
      created_at: family.createdAt.toISOString(),
      updated_at: family.updatedAt.toISOString(),
    };
  }

  async versionViews(family: FamilyRow): Promise<FamilyVersionView[]> {
    const versions = await this.versions(family.id);
    const channels = await this.db.getRepository(FamilyChannelRow).findBy({ familyId: family.id });
    const ids = versions.map((v) => v.imageId);
    const images = ids.length
      ? await this.db
          .getRepository(ImageRow)
          .createQueryBuilder('i')
          .where('i.id IN (:...ids)', { ids })
          .getMany()
      : [];
    const names = new Map(images.map((i) => [i.id, i.specName]));
    const sequences = new Map(versions.map((v) => [v.id, v.sequence]));
    return versions.map((v) => versionView(v, names.get(v.imageId) ?? null, sequences, channels));
  }

  async channelViews(family: FamilyRow): Promise<ChannelView[]> {
    const versions = new Map((await this.versions(family.id)).map((v) => [v.id, v.sequence]));
    const rows = await this.db
      .getRepository(FamilyChannelRow)
      .find({ where: { familyId: family.id }, order: { name: 'ASC' } });
    return rows.map((c) => channelView(c, versions));
  }

  async channelView(family: FamilyRow, name: string): Promise<ChannelView> {
    return (await this.channelViews(family)).find((c) => c.name === name) as ChannelView;
  }
}

export function versionView(
  v: FamilyVersionRow,
  imageName: string | null,
  sequences: Map<string, number>,
  channels: FamilyChannelRow[],
): FamilyVersionView {
  return {
    id: v.id,
    sequence: v.sequence,
    label: v.label,
    image_id: v.imageId,
    image_name: imageName,
    parent: v.parentId ? (sequences.get(v.parentId) ?? null) : null,
    lifecycle: v.lifecycle,
    scheduled:
      v.scheduledState && v.scheduledAt
        ? { state: v.scheduledState, at: v.scheduledAt.toISOString(), cascade: v.scheduledCascade }
        : null,
    propagated: v.propagated,
    propagation_error: v.propagationError,
    channels: channels
      .filter((c) => c.versionId === v.id)
      .map((c) => c.name)
      .sort(),
    created_at: v.createdAt.toISOString(),
    updated_at: v.updatedAt.toISOString(),
  };
}

function channelView(c: FamilyChannelRow, sequences: Map<string, number>): ChannelView {
  return {
    name: c.name,
    version: c.versionId ? (sequences.get(c.versionId) ?? null) : null,
    version_id: c.versionId,
    managed: c.name === LATEST,
    updated_at: c.updatedAt.toISOString(),
  };
}

export function familyFields(f: FamilyRow): Record<string, unknown> {
  return { family_id: f.id, family: f.name, owner: f.owner };
}

export function versionFields(v: FamilyVersionRow): Record<string, unknown> {
  return {
    version: v.sequence,
    version_id: v.id,
    label: v.label,
    image_id: v.imageId,
    lifecycle: v.lifecycle,
  };
}
