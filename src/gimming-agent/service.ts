/**
 * The gRPC service of gimming-agent (protos/gimming/agent/v1/agent.proto).
 *
 * Each handler reads the request context from the call's metadata, runs with it (so log lines carry the
 * request id), and turns any failure into a gRPC status plus the GimmingError in trailing metadata.
 */
import { parseNetworks } from '../common/endpoint-filter';
import { CredentialSeal } from '../common/cloud-credentials/seal';
import { ClientTls } from '../common/http/tls';
import { CloudSessions } from './cloud-sessions';
import type * as grpc from '@grpc/grpc-js';
import type { GimmingConfig } from '../common/config/schema';
import { type RequestContext, runWithContext } from '../common/context';
import { GimmingError, describeError } from '../common/errors';
import { contextFromMetadata } from '../common/grpc/context-metadata';
import { toServiceError } from '../common/grpc/errors';
import type { AgentHandlers } from '../common/grpc/generated/gimming/agent/v1/Agent';
import { getLogger } from '../common/log';
import { VERSION } from '../common/version';
import { type CloudAccessOptions, glanceFor } from './clouds';
import type { GlanceMember } from './drivers/glance/client';
import { toRemoteImage } from './remote-image';
import { type CopyOptions, runCopy } from './transfer/copy';
import type { Readable } from 'node:stream';
import type { StagingStore } from './staging/store';
import { serveRead } from './transfer/read';
import { type ImportOptions, runImport } from './transfer/import-url';
import { importRules } from '../common/import-filter';
import type { TransferMeter } from './metrics';

const log = getLogger('agent.service');

/** Glance rejects property values that are not strings; GIMinG's are all strings, removal is an empty value. */
function propertyPatch(current: Record<string, unknown>, wanted: Record<string, string>) {
  const ops: Array<{ op: string; path: string; value?: string }> = [];
  for (const [key, value] of Object.entries(wanted)) {
    const path = `/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    if (value === '') {
      if (key in current) ops.push({ op: 'remove', path });
    } else if (key in current) {
      if (current[key] !== value) ops.push({ op: 'replace', path, value });
    } else {
      ops.push({ op: 'add', path, value });
    }
  }
  return ops;
}

/** When the caller gives up on a call, in epoch milliseconds (Infinity when it set no deadline). */
function deadlineOf(call: grpc.ServerUnaryCall<unknown, unknown>): number {
  const deadline = call.getDeadline();
  return deadline instanceof Date ? deadline.getTime() : deadline;
}

function unaryHandler<Req, Res>(
  name: string,
  fn: (ctx: RequestContext, request: Req, deadline: number) => Promise<Res>,
): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    const ctx = contextFromMetadata(call.metadata);
    void runWithContext(ctx, async () => {
      try {
        callback(null, await fn(ctx, call.request, deadlineOf(call)));
      } catch (err) {
        logFailure(name, err);
        callback(toServiceError(err));
      }
    });
  };
}

function streamHandler<Req, Res>(
  name: string,
  fn: (ctx: RequestContext, call: grpc.ServerWritableStream<Req, Res>) => Promise<void>,
): grpc.handleServerStreamingCall<Req, Res> {
  return (call) => {
    const ctx = contextFromMetadata(call.metadata);
    void runWithContext(ctx, async () => {
      try {
        await fn(ctx, call);
        call.end();
      } catch (err) {
        logFailure(name, err);
        if (!call.cancelled) call.emit('error', toServiceError(err));
      }
    });
  };
}

function logFailure(method: string, err: unknown): void {
  if (err instanceof GimmingError && err.status < 500) {
    log.info({ method, code: err.code, status: err.status, reason: err.message }, 'request refused');
  } else {
    log.error({ method, err: describeError(err) }, 'request failed');
  }
}

function toImageMember(m: GlanceMember) {
  return { member_id: m.member_id, status: m.status, created_at: m.created_at, updated_at: m.updated_at };
}

function memberId(raw: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(raw)) {
    throw new GimmingError('gimming.agent.bad_request', 400, 'A member is a project ID.');
  }
  return raw;
}

function firstString(md: grpc.Metadata, key: string): string | undefined {
  const value = md.get(key)[0];
  return typeof value === 'string' ? value : undefined;
}

export interface AgentIdentity {
  host: string;
  zone: string;
  address: string;
}

export function agentHandlers(
  config: GimmingConfig,
  identity: AgentIdentity,
  staging: StagingStore,
  meter?: TransferMeter,
): AgentHandlers {
  const access: CloudAccessOptions = {
    glanceInterface: config.agent.glance_interface,
    timeoutMs: config.agent.glance_timeout * 1000,
    sessions: new CloudSessions(
      new CredentialSeal(config.agent.rpc_secrets),
      {
        interface: config.key_manager.interface,
        regionName: config.key_manager.region_name,
        tls: new ClientTls('key_manager', config.key_manager),
      },
      config.key_manager.timeout * 1000,
      parseNetworks(
        config.project_clouds.allowed_private_networks,
        '[project_clouds] allowed_private_networks',
      ),
      new ClientTls('project_clouds', config.project_clouds, { addToSystemStore: true }),
    ),
    glanceTls: new ClientTls('glance', config.glance),
  };
  const copyOptions: CopyOptions = {
    access,
    peer: {
      flowControlWindow: config.agent.flow_control_window,
      maxMessageBytes: config.agent.chunk_size + 65536,
    },
    progressIntervalMs: 1000,
    local: { staging, address: () => identity.address },
    ...(meter ? { meter } : {}),
  };
  const importOptions: ImportOptions = {
    rules: importRules(config.import_filtering),
    idleTimeoutMs: config.agent.glance_timeout * 1000,
    progressIntervalMs: 1000,
    tls: new ClientTls('import_filtering', config.import_filtering, { addToSystemStore: true }),
  };
  return {
    GetInfo: unaryHandler('GetInfo', async () => ({ ...identity, version: VERSION })),
    DescribeImage: unaryHandler('DescribeImage', async (ctx, req) => {
      const glance = await glanceFor(ctx, req.cloud, access);
      return toRemoteImage(await glance.getImage(req.image_id));
    }),
    SetImageProperties: unaryHandler('SetImageProperties', async (ctx, req) => {
      const glance = await glanceFor(ctx, req.cloud, access);
      const current = await glance.getImage(req.image_id);
      const ops = propertyPatch(current, req.properties);
      const updated = ops.length > 0 ? await glance.patchImage(req.image_id, ops) : current;
      return toRemoteImage(updated);
    }),
    UpdateImage: unaryHandler('UpdateImage', async (ctx, req) => {
      const glance = await glanceFor(ctx, req.cloud, access);
      const current = await glance.getImage(req.image_id);
      const ops: Array<{ op: string; path: string; value: string }> = [];
      if (req.name && req.name !== current.name) ops.push({ op: 'replace', path: '/name', value: req.name });
      if (req.visibility && req.visibility !== current.visibility) {
        ops.push({ op: 'replace', path: '/visibility', value: req.visibility });
      }
      return toRemoteImage(ops.length > 0 ? await glance.patchImage(req.image_id, ops) : current);
    }),
    AddMember: unaryHandler('AddMember', async (ctx, req) => {
      const glance = await glanceFor(ctx, req.cloud, access);
      return toImageMember(await glance.addMember(req.image_id, memberId(req.member_id)));
    }),
    RemoveMember: unaryHandler('RemoveMember', async (ctx, req) => {
      const glance = await glanceFor(ctx, req.cloud, access);
      return { deleted: await glance.removeMember(req.image_id, memberId(req.member_id)) };
    }),
    ListMembers: unaryHandler('ListMembers', async (ctx, req) => {
      const glance = await glanceFor(ctx, req.cloud, access);
      return { members: (await glance.listMembers(req.image_id)).map(toImageMember) };
    }),
    DeleteImage: unaryHandler('DeleteImage', async (ctx, req) => {
      const glance = await glanceFor(ctx, req.cloud, access);
      return { deleted: await glance.deleteImage(req.image_id) };
    }),
    ListImages: unaryHandler('ListImages', async (ctx, req, deadline) => {
      const glance = await glanceFor(ctx, req.cloud, access);
      const images = await glance.listImages(req.filters, req.limit > 0 ? req.limit : 1000, deadline);
      return { images: images.map(toRemoteImage) };
    }),
    WriteStaging: (call, callback) => {
      const ctx = contextFromMetadata(call.metadata);
      void runWithContext(ctx, async () => {
        try {
          const imageId = firstString(call.metadata, 'x-gimming-image-id') ?? '';
          const declared = firstString(call.metadata, 'x-gimming-declared-size');
          const size = declared !== undefined && /^\d{1,15}$/.test(declared) ? Number(declared) : undefined;
          const limit = firstString(call.metadata, 'x-gimming-limit-bytes');
          const data = call as unknown as Readable;
          const staged = await staging.write(imageId, data, {
            declaredSize: size,
            limitBytes: limit !== undefined && /^\d{1,15}$/.test(limit) ? Number(limit) : undefined,
            cancelled: () => call.cancelled,
            // A writer that says so ends its data with an empty chunk (see the proto).
            endMarker: firstString(call.metadata, 'x-gimming-end-marker') === '1',
          });
          callback(null, staged);
        } catch (err) {
          logFailure('WriteStaging', err);
          callback(toServiceError(err));
        }
      });
    },
    DeleteStaging: unaryHandler('DeleteStaging', async (_ctx, req) => ({
      deleted: await staging.delete(req.image_id),
    })),
    CopyImage: streamHandler('CopyImage', (ctx, call) => runCopy(ctx, call, copyOptions)),
    ImportToStaging: streamHandler('ImportToStaging', (_ctx, call) =>
      runImport(call, staging, importOptions),
    ),
    ReadImage: streamHandler('ReadImage', (ctx, call) =>
      serveRead(
        ctx,
        call as unknown as grpc.ServerWritableStream<typeof call.request, Buffer>,
        access,
        config.agent.chunk_size,
        staging,
        meter,
      ),
    ),
  };
}
