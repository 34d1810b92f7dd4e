/**
 * The cloud drivers an agent has, chosen by the cloud's type. Only OpenStack (Glance v2) for now.
 */
import type { RequestContext } from '../common/context';
import { GimmingError } from '../common/errors';
import type { CloudRef__Output } from '../common/grpc/generated/gimming/agent/v1/CloudRef';
import type { ClientTls } from '../common/http/tls';
import type { CloudSessions } from './cloud-sessions';
import { GlanceClient } from './drivers/glance/client';
import { glanceEndpoint } from './drivers/glance/endpoint';

export interface CloudAccessOptions {
  glanceInterface: string;
  timeoutMs: number;
  /** Sessions with clouds that have their own Keystone. */
  sessions: CloudSessions;
  /** TLS to the image endpoints of the clouds reached with the caller's catalog ([glance]). */
  glanceTls?: ClientTls;
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
  const own = await opts.sessions.glanceAccess(ctx, cloud, opts.glanceInterface);
  return new GlanceClient({
    endpoint: own?.endpoint ?? glanceEndpoint(ctx, cloud.region_name, opts.glanceInterface),
    token: own?.token ?? ctx.authToken,
    requestId: ctx.requestId,
    timeoutMs: opts.timeoutMs,
    cloudName: cloud.name || cloud.id,
    ...(own
      ? { lookup: own.lookup, ...(own.tls ? { tls: own.tls } : {}) }
      : opts.glanceTls
        ? { tls: opts.glanceTls }
        : {}),
  });
}
