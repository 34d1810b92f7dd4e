/**
 * The cloud drivers an agent has, chosen by the cloud's type. Only OpenStack (Glance v2) for now.
 */
import type { RequestContext } from '../common/context';
import { GimmingError } from '../common/errors';
import type { CloudRef__Output } from '../common/grpc/generated/gimming/agent/v1/CloudRef';
import type { CloudSessions } from './cloud-sessions';
import { GlanceClient } from './drivers/glance/client';
import { glanceEndpoint, glanceEndpointIn } from './drivers/glance/endpoint';

export interface CloudAccessOptions {
  glanceInterface: string;
  timeoutMs: number;
  /** Sessions with clouds that have their own Keystone. */
  sessions: CloudSessions;
}

export async function glanceFor(
  ctx: RequestContext,
  cloud: CloudRef__Output | null | undefined,
  opts: CloudAccessOptions,
): Promise<GlanceClient> {
  if (!cloud) throw new GimmingError('gimming.agent.bad_request', 400, 'The request names no cloud.');
  if (cloud.type !== 'openstack') {
    throw new GimmingError(
      'gimming.cloud.unsupported',
      400,
      `Cloud type ${cloud.type} is not supported by this agent.`,
    );
  }
  if (!ctx.authToken) {
    throw new GimmingError(
      'gimming.agent.no_credentials',
      401,
      'The request carries no credentials for the cloud.',
    );
  }
  const session = await opts.sessions.sessionFor(ctx, cloud);
  let endpoint: string;
  if (session) {
    // The endpoint comes from the cloud's own catalog: it is held to the same rules as its auth_url.
    endpoint = glanceEndpointIn(session.catalog, cloud.region_name, opts.glanceInterface);
    await opts.sessions.checkEndpoint(endpoint, 'image endpoint');
  } else {
    endpoint = glanceEndpoint(ctx, cloud.region_name, opts.glanceInterface);
  }
  return new GlanceClient({
    endpoint,
    token: session?.token ?? ctx.authToken,
    requestId: ctx.requestId,
    timeoutMs: opts.timeoutMs,
    cloudName: cloud.name || cloud.id,
  });
}
