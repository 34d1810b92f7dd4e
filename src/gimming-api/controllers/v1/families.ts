/**
 * /v1/families (microversion 1.2): image families, their versions, channels and lifecycle. Below 1.2
 * the paths do not exist (404), as a resource a microversion adds.
 */
import type Router from '@koa/router';
import type Koa from 'koa';
import { GimmingError, notFound } from '../../../common/errors';
import type { AuthState } from '../../middleware/auth-token';
import { readJsonBody } from '../../middleware/json-body';
import { atLeast } from '../../middleware/microversion';
import { authorize } from '../../policy';
import { AddFamilyVersion, CreateFamily, PromoteChannel, SetLifecycle, check } from '../../schemas/v1';
import {
  Channel,
  ChannelHistory,
  ChannelList,
  Family,
  FamilyList,
  FamilyVersion,
  FamilyVersionList,
  LifecycleChange,
  ResolvedChannel,
} from '../../schemas/v1-responses';
import { MAX_REF_LENGTH, booleanQuery, checkCloudQuery, queryString } from '../pagination';
import type { ControllerDeps } from './clouds';
import { shape } from './respond';

type Ctx = Koa.ParameterizedContext<AuthState> & { params: Record<string, string | undefined> };

/** The resource is 1.2's: before it, no such path. */
function since12(ctx: Ctx): void {
  if (!atLeast(ctx, '1.2'))
    throw new GimmingError('gimming.request.not_found', 404, 'Families need microversion 1.2 or later.');
}

function param(raw: string | undefined, code: string, what: string): string {
  const ref = raw ?? '';
  if (ref.length < 1 || ref.length > MAX_REF_LENGTH) throw notFound(code, `${what} ${ref} was not found.`);
  return ref;
}

const family = (ctx: Ctx) => param(ctx.params.family, 'gimming.family.not_found', 'Family');
const channel = (ctx: Ctx) => param(ctx.params.channel, 'gimming.channel.not_found', 'Channel');
const version = (ctx: Ctx) => param(ctx.params.version, 'gimming.family.version_not_found', 'Version');

export function familyRoutes(router: Router<AuthState>, deps: ControllerDeps): void {
  const conductor = deps.conductor;

  router.post('/v1/families', async (ctx) => {
    since12(ctx);
    authorize(ctx.state.context, 'gimming:family:create');
    const body = await readJsonBody(ctx, deps.maxBodyBytes);
    check(CreateFamily, body, 'body');
    const made = await conductor.createFamily(ctx.state.context, body as never);
    ctx.status = 201;
    ctx.set('Location', `/v1/families/${made.id}`);
    ctx.body = shape(Family, made);
  });

  router.get('/v1/families', async (ctx) => {
    since12(ctx);
    authorize(ctx.state.context, 'gimming:family:list');
    const all = booleanQuery(ctx, 'all_projects');
    if (all) authorize(ctx.state.context, 'gimming:family:list_all_projects');
    const families = await conductor.listFamilies(ctx.state.context, all ? { all_projects: true } : {});
    ctx.body = shape(FamilyList, { families });
  });

  router.get('/v1/families/:family', async (ctx) => {
    since12(ctx);
    authorize(ctx.state.context, 'gimming:family:get');
    ctx.body = shape(Family, await conductor.getFamily(ctx.state.context, family(ctx)));
  });

  router.delete('/v1/families/:family', async (ctx) => {
    since12(ctx);
    authorize(ctx.state.context, 'gimming:family:delete');
    await conductor.deleteFamily(ctx.state.context, family(ctx));
    ctx.status = 204;
  });

  router.get('/v1/families/:family/versions', async (ctx) => {
    since12(ctx);
    authorize(ctx.state.context, 'gimming:family:get');
    const found = await conductor.getFamily(ctx.state.context, family(ctx));
    ctx.body = shape(FamilyVersionList, { versions: found.versions });
  });

  router.post('/v1/families/:family/versions', async (ctx) => {
    since12(ctx);
    authorize(ctx.state.context, 'gimming:family:add_version');
    const body = await readJsonBody(ctx, deps.maxBodyBytes);
    check(AddFamilyVersion, body, 'body');
    const added = await conductor.addFamilyVersion(ctx.state.context, {
      ...(body as { image_id: string; label?: string; parent?: string }),
      family: family(ctx),
    });
    ctx.status = 201;
    ctx.body = shape(FamilyVersion, added);
  });

  router.post('/v1/families/:family/versions/:version/lifecycle', async (ctx) => {
    since12(ctx);
    authorize(ctx.state.context, 'gimming:family:set_lifecycle');
    const body = await readJsonBody(ctx, deps.maxBodyBytes);
    check(SetLifecycle, body, 'body');
    const change = await conductor.setVersionLifecycle(ctx.state.context, {
      ...(body as {
        state: 'active' | 'deprecated' | 'obsolete' | 'revoked';
        at?: string;
        cascade?: boolean;
      }),
      family: family(ctx),
      version: version(ctx),
    });
    ctx.status = change.scheduled ? 202 : 200;
    ctx.body = shape(LifecycleChange, change);
  });

  router.get('/v1/families/:family/channels', async (ctx) => {
    since12(ctx);
    authorize(ctx.state.context, 'gimming:family:get');
    const found = await conductor.getFamily(ctx.state.context, family(ctx));
    ctx.body = shape(ChannelList, { channels: found.channels });
  });

  router.put('/v1/families/:family/channels/:channel', async (ctx) => {
    since12(ctx);
    authorize(ctx.state.context, 'gimming:channel:promote');
    const body = await readJsonBody(ctx, deps.maxBodyBytes);
    check(PromoteChannel, body, 'body');
    const moved = await conductor.promoteChannel(ctx.state.context, {
      family: family(ctx),
      channel: channel(ctx),
      version: (body as { version: string }).version,
    });
    ctx.body = shape(Channel, moved);
  });

  router.post('/v1/families/:family/channels/:channel/rollback', async (ctx) => {
    since12(ctx);
    authorize(ctx.state.context, 'gimming:channel:rollback');
    ctx.body = shape(
      Channel,
      await conductor.rollbackChannel(ctx.state.context, { family: family(ctx), channel: channel(ctx) }),
    );
  });

  router.get('/v1/families/:family/channels/:channel/history', async (ctx) => {
    since12(ctx);
    authorize(ctx.state.context, 'gimming:channel:history');
    const history = await conductor.channelHistory(ctx.state.context, {
      family: family(ctx),
      channel: channel(ctx),
    });
    ctx.body = shape(ChannelHistory, { history });
  });

  router.get('/v1/families/:family/channels/:channel/resolve', async (ctx) => {
    since12(ctx);
    authorize(ctx.state.context, 'gimming:channel:resolve');
    const cloud = queryString(ctx, 'cloud');
    const resolved = await conductor.resolveChannel(ctx.state.context, {
      family: family(ctx),
      channel: channel(ctx),
      ...(cloud !== undefined ? { cloud: checkCloudQuery(cloud, 'cloud') } : {}),
    });
    ctx.body = shape(ResolvedChannel, resolved);
  });
}
