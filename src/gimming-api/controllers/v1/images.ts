/**
 * /v1/images: one logical image across clouds. Creating one from an image that lives in a cloud (adopt)
 * answers 202 at once; the copies to the targets run as tasks.
 */
import { answerRead } from '../../read-cache';
import type Router from '@koa/router';
import { badRequest, notFound } from '../../../common/errors';
import type { AuthState } from '../../middleware/auth-token';
import { readJsonBody } from '../../middleware/json-body';
import { atLeast, requireVersionFor } from '../../middleware/microversion';
import type { ConductorAPI } from '../../../gimming-conductor/rpcapi';

type OnConflict = Parameters<ConductorAPI['syncImage']>[1]['on_conflict'];
import { authorize } from '../../policy';
import {
  AddLocation,
  CreateImage,
  CreateImportImage,
  CreateUploadImage,
  SyncImage,
  SyncImageWithConflicts,
  SetTargets,
  AddMember,
  IMAGE_SORT_KEYS,
  UpdateImage,
  check,
  isUuid,
  reservedProperty,
} from '../../schemas/v1';
import { imageFileRoutes } from './image-file';
import { taskAt, withMaxBandwidth } from '../../bandwidth-field';
import { checkImportUrl } from '../../../common/import-filter';
import {
  Image,
  ImageDeletion,
  ImageList,
  Location,
  Matrix,
  Member,
  MemberList,
  PlanResponse,
  Targets,
} from '../../schemas/v1-responses';
import { MAX_REF_LENGTH, booleanQuery, checkCloudQuery, nextLink, paging, queryString } from '../pagination';
import { type ControllerDeps, cloudParam } from './clouds';
import { shape } from './respond';

export function imageRoutes(router: Router<AuthState>, deps: ControllerDeps): void {
  router.post('/v1/images', async (ctx) => {
    authorize(ctx.state.context, 'gimming:image:create');
    let body = await readJsonBody(ctx, deps.maxBodyBytes);
    const source =
      typeof body === 'object' && body !== null ? (body as { source?: unknown }).source : undefined;
    const importing = typeof source === 'object' && source !== null && 'url' in source;
    const adopt = source !== undefined && !importing;
    check(adopt ? CreateImage : importing ? CreateImportImage : CreateUploadImage, body, 'body');
    body = withMaxBandwidth(ctx, body as { max_bandwidth?: number | string });
    body = withOnConflict(ctx, body as { on_conflict?: OnConflict });
    if (importing) {
      authorize(ctx.state.context, 'gimming:image:import');
      checkImportUrl(deps.importRules, (source as { url: string }).url);
    }
    if ((body as { visibility?: string }).visibility === 'public') {
      authorize(ctx.state.context, 'gimming:image:publicize');
    }
    const properties = (body as { properties?: Record<string, string> }).properties ?? {};
    const reserved = Object.keys(properties).filter(reservedProperty);
    if (reserved.length > 0) {
      throw badRequest(
        'gimming.image.reserved_property',
        `Property ${reserved.join(', ')} is reserved and cannot be set.`,
      );
    }
    if (booleanQuery(ctx, 'dry_run')) {
      // The plan of the copies (the conductor's planner), with nothing created.
      ctx.body = shape(PlanResponse, await deps.conductor.planCreateImage(ctx.state.context, body as never));
      return;
    }
    const image = await deps.conductor.createImage(ctx.state.context, body as never);
    // An adopted or imported image is being worked on (202); an image to upload waits for its data (201).
    ctx.status = adopt || importing ? 202 : 201;
    ctx.set('Location', `/v1/images/${image.id}`);
    ctx.body = shape(Image, image);
  });

  imageFileRoutes(router, deps);

  router.get('/v1/images', async (ctx) => {
    authorize(ctx.state.context, 'gimming:image:list');
    const allProjects = booleanQuery(ctx, 'all_projects');
    if (allProjects) authorize(ctx.state.context, 'gimming:image:list_all_projects');
    const filters: Record<string, string> = {};
    for (const name of ['name', 'status', 'visibility', 'cloud']) {
      const value = queryString(ctx, name);
      if (value !== undefined) filters[name] = value;
    }
    for (const [name, allowed] of [
      ['status', IMAGE_STATES],
      ['visibility', VISIBILITIES],
    ] as const) {
      const value = filters[name];
      if (value !== undefined && !(allowed as readonly string[]).includes(value)) {
        throw badRequest('gimming.request.invalid', `${name} must be one of ${allowed.join(', ')}.`);
      }
    }
    if (filters.name !== undefined && (filters.name === '' || filters.name.length > MAX_REF_LENGTH)) {
      throw badRequest('gimming.request.invalid', `name must be 1 to ${MAX_REF_LENGTH} characters.`);
    }
    if (filters.cloud !== undefined) checkCloudQuery(filters.cloud, 'cloud');
    const args = {
      ...paging(ctx, deps.defaultLimit, deps.maxLimit),
      all_projects: allProjects,
      ...filters,
      ...imageSort(queryString(ctx, 'sort')),
      ...(booleanQuery(ctx, 'spec_only') ? { spec_only: true } : {}),
    };
    const read = async () => {
      const page = await deps.conductor.listImages(ctx.state.context, args);
      const next = nextLink(ctx, page.next_marker);
      return shape(ImageList, { images: page.items, ...(next ? { next } : {}) });
    };
    const scope = {
      project: ctx.state.context.projectId ?? '',
      allProjects: allProjects === true,
      specOnly: args.spec_only === true,
    };
    await answerRead(deps.readCache, ctx, scope, read);
  });

  router.post('/v1/images/:image_id/sync', async (ctx) => {
    authorize(ctx.state.context, 'gimming:image:sync');
    const id = imageId(ctx.params.image_id);
    const body = await readJsonBody(ctx, deps.maxBodyBytes);
    // 1.3: on_conflict, refuse by default (a target holding another image of the name is refused).
    const conflicts = atLeast(ctx, '1.3');
    check(conflicts ? SyncImageWithConflicts : SyncImage, body, 'body');
    const { on_conflict, incremental_from, ...rest } = body as {
      targets: string[];
      on_conflict?: OnConflict;
      max_bandwidth?: number | string;
      incremental_from?: string;
    };
    if (incremental_from !== undefined) requireVersionFor(ctx, 'incremental_from', '1.5');
    const args = {
      image_id: id,
      ...withMaxBandwidth(ctx, rest),
      ...(conflicts ? { on_conflict: on_conflict ?? 'refuse' } : {}),
      ...(incremental_from ? { incremental_from: incremental_from.toLowerCase() } : {}),
    };
    if (booleanQuery(ctx, 'dry_run')) {
      // The plan of each target (the conductor's planner), with nothing changed.
      ctx.body = shape(PlanResponse, await deps.conductor.planSync(ctx.state.context, args));
      return;
    }
    const image = await deps.conductor.syncImage(ctx.state.context, args);
    ctx.status = 202;
    ctx.body = shape(Image, image);
  });

  router.put('/v1/images/:image_id/targets', async (ctx) => {
    authorize(ctx.state.context, 'gimming:image:set_targets');
    const id = imageId(ctx.params.image_id);
    const body = await readJsonBody(ctx, deps.maxBodyBytes);
    check(SetTargets, body, 'body');
    const { clouds, dry_run } = body as { clouds: string[]; dry_run?: boolean };
    const plan = await deps.conductor.setTargets(ctx.state.context, {
      image_id: id,
      clouds,
      ...(dry_run !== undefined ? { dry_run } : {}),
    });
    // Work was queued (copies run as tasks) unless this was a dry run or there was nothing to copy.
    ctx.status = plan.dry_run || plan.tasks.length === 0 ? 200 : 202;
    ctx.body = shape(Targets, plan);
  });

  router.post('/v1/images/:image_id/refresh', async (ctx) => {
    authorize(ctx.state.context, 'gimming:image:refresh');
    ctx.body = shape(
      Image,
      await deps.conductor.refreshImage(ctx.state.context, imageId(ctx.params.image_id)),
    );
  });

  router.post('/v1/images/:image_id/locations', async (ctx) => {
    authorize(ctx.state.context, 'gimming:location:create');
    const id = imageId(ctx.params.image_id);
    const body = await readJsonBody(ctx, deps.maxBodyBytes);
    check(AddLocation, body, 'body');
    const { cloud, image_id, accept_unverified } = body as {
      cloud: string;
      image_id: string;
      accept_unverified?: boolean;
    };
    const location = await deps.conductor.addLocation(ctx.state.context, {
      image_id: id,
      cloud,
      remote_id: image_id,
      ...(accept_unverified ? { accept_unverified } : {}),
    });
    ctx.status = 201;
    ctx.body = shape(Location, location);
  });

  router.delete('/v1/images/:image_id/locations/:cloud', async (ctx) => {
    authorize(ctx.state.context, 'gimming:location:delete');
    await deps.conductor.deleteLocation(ctx.state.context, {
      image_id: imageId(ctx.params.image_id),
      cloud: cloudParam(ctx.params.cloud),
      delete_remote: booleanQuery(ctx, 'delete_remote'),
    });
    ctx.status = 204;
  });

  router.delete('/v1/images/:image_id', async (ctx) => {
    authorize(ctx.state.context, 'gimming:image:delete');
    const id = imageId(ctx.params.image_id);
    if (booleanQuery(ctx, 'delete_remote')) {
      authorize(ctx.state.context, 'gimming:image:delete_remote');
      // Deleting from the clouds takes time: one task per copy, each with its own result.
      const deletion = await deps.conductor.deleteImageEverywhere(ctx.state.context, id);
      ctx.status = 202;
      ctx.body = shape(ImageDeletion, { ...deletion, tasks: deletion.tasks.map((t) => taskAt(ctx, t)) });
      return;
    }
    await deps.conductor.deleteImage(ctx.state.context, id);
    ctx.status = 204;
  });

  router.patch('/v1/images/:image_id', async (ctx) => {
    authorize(ctx.state.context, 'gimming:image:update');
    const id = imageId(ctx.params.image_id);
    const body = await readJsonBody(ctx, deps.maxBodyBytes, [
      'application/merge-patch+json',
      'application/json',
    ]);
    check(UpdateImage, body, 'body');
    const changes = body as { name?: string; visibility?: 'private' | 'shared' | 'community' | 'public' };
    if (changes.visibility === 'public') authorize(ctx.state.context, 'gimming:image:publicize');
    ctx.body = shape(
      Image,
      await deps.conductor.updateImage(ctx.state.context, { image_id: id, ...changes }),
    );
  });

  router.get('/v1/images/:image_id/members', async (ctx) => {
    authorize(ctx.state.context, 'gimming:member:list');
    const members = await deps.conductor.listMembers(ctx.state.context, imageId(ctx.params.image_id));
    ctx.body = shape(MemberList, { members });
  });

  router.post('/v1/images/:image_id/members', async (ctx) => {
    authorize(ctx.state.context, 'gimming:member:create');
    const id = imageId(ctx.params.image_id);
    const body = await readJsonBody(ctx, deps.maxBodyBytes);
    check(AddMember, body, 'body');
    const member = await deps.conductor.addMember(ctx.state.context, {
      image_id: id,
      member_id: (body as { member: string }).member,
    });
    ctx.status = 201;
    ctx.body = shape(Member, member);
  });

  router.delete('/v1/images/:image_id/members/:member_id', async (ctx) => {
    authorize(ctx.state.context, 'gimming:member:delete');
    const id = imageId(ctx.params.image_id);
    const member = ctx.params.member_id ?? '';
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(member)) {
      throw notFound('gimming.member.not_found', `No such member of image ${id}.`);
    }
    await deps.conductor.deleteMember(ctx.state.context, { image_id: id, member_id: member });
    ctx.status = 204;
  });

  router.get('/v1/matrix', async (ctx) => {
    authorize(ctx.state.context, 'gimming:image:list');
    const allProjects = booleanQuery(ctx, 'all_projects');
    if (allProjects) authorize(ctx.state.context, 'gimming:image:list_all_projects');
    const name = queryString(ctx, 'name');
    if (name !== undefined && name.length > MAX_REF_LENGTH) {
      throw badRequest('gimming.request.invalid', `name must be 1 to ${MAX_REF_LENGTH} characters.`);
    }
    const cloud = ctx.query.cloud;
    const clouds = cloud === undefined ? undefined : Array.isArray(cloud) ? cloud : [cloud];
    if (clouds && clouds.length > MAX_MATRIX_CLOUDS) {
      throw badRequest('gimming.request.invalid', `cloud is given more than ${MAX_MATRIX_CLOUDS} times.`);
    }
    for (const ref of clouds ?? []) checkCloudQuery(ref, 'cloud');
    const matrix = await deps.conductor.getMatrix(ctx.state.context, {
      all_projects: allProjects,
      limit: paging(ctx, deps.defaultLimit, deps.maxLimit).limit,
      ...(name ? { name } : {}),
      ...(clouds ? { clouds } : {}),
    });
    ctx.body = shape(Matrix, matrix);
  });

  router.get('/v1/images/:image_id', async (ctx) => {
    authorize(ctx.state.context, 'gimming:image:get');
    const id = imageId(ctx.params.image_id);
    const read = async () => shape(Image, await deps.conductor.getImage(ctx.state.context, id));
    await answerRead(deps.readCache, ctx, { image: id }, read);
  });
}

/**
 * 1.7: `on_conflict` on an image created with targets, refuse by default (as a sync's from 1.3); below
 * 1.7 the field is refused and no conflict is looked for, as before.
 */
function withOnConflict<B extends { on_conflict?: OnConflict }>(
  ctx: Parameters<typeof atLeast>[0],
  body: B,
): B {
  if (!atLeast(ctx, '1.7')) {
    if (body.on_conflict !== undefined) requireVersionFor(ctx, 'on_conflict', '1.7');
    return body;
  }
  // No target, no conflict: the call stays what an older conductor serves.
  const targets = (body as { targets?: unknown[] }).targets ?? [];
  return targets.length > 0 ? { ...body, on_conflict: body.on_conflict ?? 'refuse' } : body;
}

/** The states an image shows (`deleted` images are never shown). */
const IMAGE_STATES = ['queued', 'saving', 'importing', 'active', 'deleting'] as const;
const VISIBILITIES = ['private', 'shared', 'community', 'public'] as const;
/** The most columns one matrix asks for (as the conductor takes them). */
const MAX_MATRIX_CLOUDS = 64;

/** An image ID from the path; anything that is not one cannot name an image. */
function imageId(raw: string | undefined): string {
  const id = raw ?? '';
  if (!isUuid(id)) throw notFound('gimming.image.not_found', `Image ${id} was not found.`);
  return id.toLowerCase();
}

/** `sort=key[:asc|desc]` (one key), as Glance reads it. */
function imageSort(raw: string | undefined): {
  sort_key?: (typeof IMAGE_SORT_KEYS)[number];
  sort_dir?: 'asc' | 'desc';
} {
  if (raw === undefined) return {};
  const [key, dir] = raw.split(':');
  if (
    !(IMAGE_SORT_KEYS as readonly string[]).includes(key ?? '') ||
    (dir !== undefined && dir !== 'asc' && dir !== 'desc')
  ) {
    throw badRequest(
      'gimming.request.invalid',
      `sort must be key[:asc|desc] with key one of ${IMAGE_SORT_KEYS.join(', ')}.`,
    );
  }
  return { sort_key: key as (typeof IMAGE_SORT_KEYS)[number], ...(dir ? { sort_dir: dir } : {}) };
}
