/**
 * The gRPC service of gimming-agent (protos/gimming/agent/v2/agent.proto).
 *
 * Each handler reads the request context from the call's metadata, runs with it (so log lines carry the
 * request id), and turns any failure into a gRPC status plus the GimmingError in trailing metadata.
 */
import { parseNetworks } from '../common/endpoint-filter';
import { CredentialOpener } from '../common/cloud-credentials/seal';
import { ClientTls } from '../common/http/tls';
import { CloudSessions } from './cloud-sessions';
import type * as grpc from '@grpc/grpc-js';
import type { GimmingConfig } from '../common/config/schema';
import { type RequestContext, runWithContext } from '../common/context';
import { GimmingError, badRequest, describeError } from '../common/errors';
import { contextFromMetadata } from '../common/grpc/context-metadata';
import { toServiceError } from '../common/grpc/errors';
import type { AgentHandlers } from '../common/grpc/generated/gimming/agent/v2/Agent';
import { getLogger } from '../common/log';
import { VERSION } from '../common/version';
import type { CloudDriver, LifecycleState } from './drivers/driver';
import { type DriverRegistry, loadDrivers } from './drivers/registry';
import { type DriverDescription, driverInfo, toImageMember, toRemoteImage } from './remote-image';
import { type CopyOptions, runCopy } from './transfer/copy';
import type { Readable } from 'node:stream';
import type { StagingStore } from './staging/store';
import { serveRead } from './transfer/read';
import { serveDelta } from './transfer/delta';
import { STAGING_SHARED_WINDOW_BYTES, SharedReads } from './transfer/shared-read';
import { type ImportOptions, runImport } from './transfer/import-url';
import { importRules } from '../common/import-filter';
import type { TransferMeter } from './metrics';
import type { SourceMeter } from './transfer/shared-read';
import { conversionConfig } from './conversion/config';
import { CONVERTIBLE_FORMATS } from '../common/disk-formats';

const log = getLogger('agent.service');

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

/**
 * A member as the wire may carry it: a project ID where owners are projects (Glance); elsewhere what the
 * cloud names its principals with (an AWS account ID, an IAM principal such as user:a@example.com),
 * checked by its driver, here only held to characters that cannot change a URL's meaning.
 */
function memberId(raw: string, driver: CloudDriver): string {
  if (driver.capabilities.ownersAreProjects === false) {
    if (!/^[\w.@:+-]{1,320}$/.test(raw)) {
      throw new GimmingError('gimming.agent.bad_request', 400, 'A member is an ID of the cloud.');
    }
    return raw;
  }
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

/**
 * The cloud drivers [agent] enabled_drivers names, ready to open sessions; throws DriverLoadError naming
 * an unknown or misconfigured driver (the agent then does not start).
 */
export function agentDrivers(config: GimmingConfig): DriverRegistry {
  const sessions = new CloudSessions(
    CredentialOpener.fromFiles(config.cloud_credentials.private_key_files),
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
  );
  return loadDrivers(config, { sessions });
}

/** The disk formats this agent converts between: every one qemu-img serves here, or none. */
export function convertibleFormats(config: GimmingConfig): readonly string[] {
  return conversionConfig(config).image_conversion ? CONVERTIBLE_FORMATS : [];
}

/**
 * A driver as GetInfo and the heartbeats describe it: what its kind of cloud can do, the formats this
 * agent converts for it, and the sizes a copy into it must stay within (the cloud's image size limit as
 * its driver knows it; the scratch space a conversion has, [agent] staging_max_bytes), the limit a copy
 * the cloud makes itself is held to, and why it makes none now from a kind of cloud (for the plan).
 */
export function agentDriverInfo(config: GimmingConfig, driver: CloudDriver): DriverDescription {
  const convertible = convertibleFormats(config);
  const limit = driver.imageSizeLimit?.(config);
  const nativeCopy = driver.nativeCopyNow?.(config);
  const nativeLimit = driver.nativeCopyLimit?.(config);
  const unavailable = driver.nativeCopyUnavailable?.(config);
  return driverInfo(
    driver,
    convertible,
    {
      image_bytes: limit?.bytes ?? 0,
      image_bytes_from: limit?.from ?? '',
      scratch_bytes:
        driver.capabilities.canImport && convertible.length > 0 ? config.agent.staging_max_bytes : 0,
    },
    config.agent.shared_read_window_bytes > 0,
    nativeCopy,
    {
      ...(nativeLimit ? { limit: nativeLimit } : {}),
      ...(unavailable ? { unavailable } : {}),
    },
  );
}

export function agentHandlers(
  config: GimmingConfig,
  identity: AgentIdentity,
  staging: StagingStore,
  drivers: DriverRegistry,
  meter?: TransferMeter & SourceMeter,
): AgentHandlers {
  const open = (ctx: RequestContext, cloud: Parameters<DriverRegistry['open']>[1]) =>
    drivers.open(ctx, cloud).then((opened) => opened.session);
  const conversion = conversionConfig(config);
  const shared = new SharedReads({
    windowBytes: config.agent.shared_read_window_bytes,
    stagingWindowBytes: STAGING_SHARED_WINDOW_BYTES,
    joinTimeoutMs: config.agent.shared_read_join_timeout * 1000,
    ...(meter ? { meter } : {}),
  });
  const copyOptions: CopyOptions = {
    drivers,
    peer: {
      flowControlWindow: config.agent.flow_control_window,
      maxMessageBytes: config.agent.chunk_size + 65536,
    },
    progressIntervalMs: 1000,
    local: { staging, shared, address: () => identity.address },
    directReadZones: config.agent.direct_read_zones,
    ...(meter ? { meter } : {}),
    ...(conversion.image_conversion
      ? { conversion: { qemuImgPath: conversion.qemu_img_path, staging } }
      : {}),
  };
  const importOptions: ImportOptions = {
    rules: importRules(config.import_filtering),
    idleTimeoutMs: drivers.idleTimeoutMs,
    progressIntervalMs: 1000,
    tls: new ClientTls('import_filtering', config.import_filtering, { addToSystemStore: true }),
  };
  return {
    GetInfo: unaryHandler('GetInfo', async () => ({
      ...identity,
      version: VERSION,
      drivers: drivers.names.map((name) => agentDriverInfo(config, drivers.driver(name) as CloudDriver)),
    })),
    DescribeImage: unaryHandler('DescribeImage', async (ctx, req) =>
      toRemoteImage(await (await open(ctx, req.cloud)).describe(req.image_id)),
    ),
    SetImageProperties: unaryHandler('SetImageProperties', async (ctx, req) =>
      toRemoteImage(await (await open(ctx, req.cloud)).setProperties(req.image_id, req.properties)),
    ),
    UpdateImage: unaryHandler('UpdateImage', async (ctx, req) => {
      const session = await open(ctx, req.cloud);
      return toRemoteImage(
        await session.update(req.image_id, { name: req.name, visibility: req.visibility }),
      );
    }),
    SetLifecycle: unaryHandler('SetLifecycle', async (ctx, req) => {
      const { driver, session } = await drivers.open(ctx, req.cloud);
      const state = req.state as LifecycleState;
      if (!session.setLifecycle || !(driver.capabilities.lifecycleStates ?? []).length) {
        throw new GimmingError(
          'gimming.cloud.lifecycle_unsupported',
          409,
          `Clouds of type ${driver.name} have no lifecycle states this agent can set.`,
        );
      }
      if (!['active', 'deprecated', 'obsolete', 'revoked'].includes(state)) {
        throw badRequest('gimming.lifecycle.bad_state', `${req.state} is not a lifecycle state.`);
      }
      return toRemoteImage(await session.setLifecycle(req.image_id, state, req.replacement_id || undefined));
    }),
    AddMember: unaryHandler('AddMember', async (ctx, req) => {
      const { driver, session } = await drivers.open(ctx, req.cloud);
      return toImageMember(await session.addMember(req.image_id, memberId(req.member_id, driver)));
    }),
    RemoveMember: unaryHandler('RemoveMember', async (ctx, req) => {
      const { driver, session } = await drivers.open(ctx, req.cloud);
      return { deleted: await session.removeMember(req.image_id, memberId(req.member_id, driver)) };
    }),
    ListMembers: unaryHandler('ListMembers', async (ctx, req) => {
      const session = await open(ctx, req.cloud);
      return { members: (await session.listMembers(req.image_id)).map(toImageMember) };
    }),
    DeleteImage: unaryHandler('DeleteImage', async (ctx, req) => ({
      deleted: await (await open(ctx, req.cloud)).delete(req.image_id),
    })),
    ListImages: unaryHandler('ListImages', async (ctx, req, deadline) => {
      const session = await open(ctx, req.cloud);
      const limit = req.limit > 0 ? Math.min(req.limit, 1000) : 1000;
      if (req.paged && session.listPage) {
        const page = await session.listPage(limit, req.marker, deadline);
        return { images: page.images.map(toRemoteImage), next_marker: page.next ?? '', paged: true };
      }
      const images = await session.list(req.filters, req.limit > 0 ? req.limit : 1000, deadline);
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
          const offset = firstString(call.metadata, 'x-gimming-offset');
          const sha256 = firstString(call.metadata, 'x-gimming-sha256');
          const staged = await staging.write(imageId, data, {
            declaredSize: size,
            limitBytes: limit !== undefined && /^\d{1,15}$/.test(limit) ? Number(limit) : undefined,
            cancelled: () => call.cancelled,
            // A writer that says so ends its data with an empty chunk (see the proto).
            endMarker: firstString(call.metadata, 'x-gimming-end-marker') === '1',
            resumable: firstString(call.metadata, 'x-gimming-resumable') === '1',
            offset: offset !== undefined && /^\d{1,15}$/.test(offset) ? Number(offset) : 0,
            md5: firstString(call.metadata, 'x-gimming-md5') === '1',
            sha256: sha256 !== undefined && /^[0-9a-fA-F]{64}$/.test(sha256) ? sha256 : undefined,
          });
          const digests = [{ algo: 'sha512', value: staged.sha512 }];
          if (staged.md5 !== undefined) digests.push({ algo: 'md5', value: staged.md5 });
          if (staged.sha256 !== undefined) digests.push({ algo: 'sha256', value: staged.sha256 });
          callback(null, { size: staged.size, digests });
        } catch (err) {
          logFailure('WriteStaging', err);
          callback(toServiceError(err));
        }
      });
    },
    DeleteStaging: unaryHandler('DeleteStaging', async (_ctx, req) => ({
      deleted: await staging.delete(req.image_id),
    })),
    StagingOffset: unaryHandler('StagingOffset', async (_ctx, req) => {
      const offset = await staging.partialOffset(req.image_id);
      return { offset: offset ?? 0, partial: offset !== undefined };
    }),
    LinkStaging: unaryHandler('LinkStaging', async (_ctx, req) => {
      const size = await staging.link(req.source_image_id, req.target_image_id, req.sha256);
      return { linked: size !== undefined, size: size ?? 0 };
    }),
    CopyImage: streamHandler('CopyImage', async (ctx, call) => {
      await runCopy(ctx, call, copyOptions);
    }),
    ImportToStaging: streamHandler('ImportToStaging', (_ctx, call) =>
      runImport(call, staging, importOptions),
    ),
    ReadImage: streamHandler('ReadImage', (ctx, call) =>
      serveRead(
        ctx,
        call as unknown as grpc.ServerWritableStream<typeof call.request, Buffer>,
        drivers,
        config.agent.chunk_size,
        staging,
        shared,
        meter,
      ),
    ),
    ReadImageDelta: streamHandler('ReadImageDelta', (ctx, call) =>
      serveDelta(ctx, call, drivers, config.agent.chunk_size, staging, meter, copyOptions.conversion),
    ),
  };
}
