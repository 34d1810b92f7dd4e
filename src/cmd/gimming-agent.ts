/**
 * gimming-agent: serves one zone's clouds over gRPC and registers itself with the conductor.
 */
import { setFlagsFromString } from 'node:v8';
import * as grpc from '@grpc/grpc-js';
import { RequestContext } from '../common/context';
import { describeError } from '../common/errors';
import { closeAgentClients } from '../common/grpc/agent-client';
import { verifyingInterceptor } from '../common/grpc/auth';
import { AGENT_PROTO_PACKAGE, loadAgentService } from '../common/grpc/loader';
import { getLogger } from '../common/log';
import { MessagingConnection } from '../common/rpc/connection';
import { brokerOptions, brokerTls } from '../common/rpc/transport';
import { VERSION } from '../common/version';
import { DriverLoadError } from '../gimming-agent/drivers/registry';
import { agentDriverInfo, agentDrivers, agentHandlers } from '../gimming-agent/service';
import { checkConversion } from '../gimming-agent/conversion/config';
import { StagingStore } from '../gimming-agent/staging/store';
import { HeartbeatPublisher } from '../gimming-conductor/rpcapi';
import { startMetrics } from '../common/metrics';
import { AgentMetrics } from '../gimming-agent/metrics';
import { RPC_API_VERSION } from '../gimming-conductor/rpc-schemas';
import { bootstrap, fatal, onShutdown } from './bootstrap';
import type { CloudDriver } from '../gimming-agent/drivers/driver';

const NAME = 'gimming-agent';

/*
 * An agent's heap stays small (~10 MB) while gigabytes of image data flow through Buffers outside it, and
 * every 64 MB of those starts a V8 incremental mark of the whole heap. Incremental marking spreads each
 * such GC over many steps and tasks, which cost far more than a plain full GC of so small a heap: measured
 * with npm run bench:sync (1 GiB), turning it off took the agents from 3.2 + 2.2 to 2.0 + 1.3 CPU-seconds
 * per copied GiB, on a machine where that CPU is taken from the cloud's own upload.
 */
setFlagsFromString('--no-incremental-marking');

async function main(): Promise<void> {
  const { config, agentAuth, agentTls } = bootstrap(NAME, [], { agentRpc: true });
  const log = getLogger('agent');
  let drivers;
  try {
    drivers = agentDrivers(config);
  } catch (err) {
    // As a bad option: the agent does not start, and says which driver.
    if (!(err instanceof DriverLoadError)) throw err;
    process.stderr.write(`${NAME}: ${err.message}\n`);
    process.exit(2);
  }
  log.info({ drivers: drivers.names }, 'cloud drivers loaded');
  try {
    const qemuImg = await checkConversion(config);
    if (qemuImg) log.info({ qemu_img: qemuImg }, 'image conversion enabled');
  } catch (err) {
    // As a bad option: conversion is on, and what it runs does not.
    process.stderr.write(`${NAME}: [agent] image_conversion: ${(err as Error).message}\n`);
    process.exit(2);
  }
  const { host, transport_url, control_exchange } = config.DEFAULT;
  const { zone, bind_host, bind_port, advertise_address, heartbeat_interval, chunk_size } = config.agent;

  // The metrics read the staging area's size, and the staging area reports the bytes written to them.
  let metrics: AgentMetrics | undefined;
  const staging = new StagingStore(
    config.agent.staging_dir,
    config.agent.staging_max_bytes,
    config.agent.staging_max_upload_bytes,
    (n) => metrics?.bytes('staged', n),
  );
  if (config.metrics.enabled) metrics = new AgentMetrics(zone, staging);
  const stopMetrics = metrics ? await startMetrics(config, 'agent', metrics.registry) : async () => undefined;
  const interceptors: grpc.ServerInterceptor[] = [];
  // First, so that it also sees the calls the authentication refuses (see AgentMetrics.interceptor).
  if (metrics) interceptors.push(metrics.interceptor());
  // Every call is checked once, before its handler runs; a caller without the secret gets nothing.
  if (agentAuth.verifier) interceptors.push(verifyingInterceptor(agentAuth.verifier));
  const server = new grpc.Server({
    'grpc.max_receive_message_length': chunk_size + 65536,
    'grpc.max_send_message_length': chunk_size + 65536,
    interceptors,
  });
  const identity = { host, zone, address: '' };
  server.addService(
    loadAgentService().definition,
    agentHandlers(config, identity, staging, drivers, metrics),
  );
  const port = await new Promise<number>((resolve, reject) => {
    const credentials = agentTls?.serverCredentials() ?? grpc.ServerCredentials.createInsecure();
    server.bindAsync(`${bind_host}:${bind_port}`, credentials, (err, p) => (err ? reject(err) : resolve(p)));
  });
  identity.address =
    advertise_address ?? `${bind_host === '0.0.0.0' || bind_host === '::' ? host : bind_host}:${port}`;
  // Calls are signed for the address callers dial: a call signed for another agent is refused here.
  if (agentAuth.verifier) agentAuth.verifier.audience = identity.address;

  const messaging = new MessagingConnection(
    transport_url,
    control_exchange,
    brokerTls(config.oslo_messaging_rabbit),
    brokerOptions(config.oslo_messaging_rabbit),
  );
  // What each kind of cloud this agent serves can do: the conductor shows it and plans with it.
  // Described again for every heartbeat: what a driver learns of its clouds (Glance's import methods)
  // reaches the conductor with the next one.
  const driverInfos = () =>
    drivers.names.map((name) => {
      const info = agentDriverInfo(config, drivers.driver(name) as CloudDriver);
      return {
        ...info,
        capabilities: {
          ...info.capabilities,
          size_limits: info.capabilities.size_limits ?? undefined,
          native_copy_limit: info.capabilities.native_copy_limit ?? undefined,
        },
      };
    });
  const heartbeats = new HeartbeatPublisher(messaging, agentAuth.signer);
  const heartbeat = async () => {
    try {
      await heartbeats.send(
        RequestContext.forService(),
        {
          host,
          zone,
          address: identity.address,
          version: VERSION,
          rpc_version: RPC_API_VERSION,
          proto: AGENT_PROTO_PACKAGE,
          drivers: driverInfos(),
        },
        heartbeat_interval * 3000,
      );
      metrics?.heartbeatSent();
    } catch (err) {
      metrics?.heartbeatFailed();
      log.warn({ err: describeError(err) }, 'heartbeat not sent');
    }
  };
  await heartbeat();
  const timer = setInterval(() => void heartbeat(), heartbeat_interval * 1000);
  log.info(
    {
      version: VERSION,
      zone,
      address: identity.address,
      auth: agentAuth.verifier ? `shared secret (${config.agent.rpc_secrets.length} accepted)` : 'none',
      transport: agentTls?.certificates ? 'mutual TLS' : 'PLAINTEXT',
    },
    'gimming-agent started',
  );

  onShutdown(async () => {
    clearInterval(timer);
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    closeAgentClients();
    agentTls?.certificates?.stop();
    await stopMetrics();
    await heartbeats.close();
    await messaging.close();
  });
}

main().catch((err: unknown) => fatal(NAME, err));
