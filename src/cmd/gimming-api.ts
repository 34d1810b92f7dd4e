/**
 * gimming-api: the REST API. Validates tokens with Keystone, checks policy and input, and hands the work
 * to the conductor over RPC. Holds no database credentials.
 */
import http from 'node:http';
import { getLogger } from '../common/log';
import { MessagingConnection } from '../common/rpc/connection';
import { ImageChangeListener } from '../common/image-changes';
import { brokerOptions, brokerTls } from '../common/rpc/transport';
import { VERSION } from '../common/version';
import { RequestContext } from '../common/context';
import { startMetrics } from '../common/metrics';
import { createApp } from '../gimming-api/app';
import { ConductorCheck, Healthcheck, disableByFileCheck, messagingCheck } from '../gimming-api/healthcheck';
import { ApiMetrics } from '../gimming-api/metrics';
import { KeystoneValidator } from '../common/keystone/validator';
import { loadPolicy } from '../gimming-api/policy';
import { ConductorAPI } from '../gimming-conductor/rpcapi';
import { superviseWorkers, servesRequests } from './api-workers';
import { bootstrap, fatal, onShutdown } from './bootstrap';

const NAME = 'gimming-api';

async function main(): Promise<void> {
  const { config, onReload } = bootstrap(
    NAME,
    [
      ['keystone_authtoken', 'auth_url'],
      ['keystone_authtoken', 'password'],
    ],
    { agentRpc: true },
  );
  const log = getLogger('api');
  let policyFile: string | undefined;
  try {
    policyFile = loadPolicy(config.oslo_policy.policy_file);
  } catch (err) {
    process.stderr.write(`${NAME}: bad policy: ${(err as Error).message}\n`);
    process.exit(2);
  }
  if (!servesRequests(config.api.workers)) {
    superviseWorkers(config.api.workers);
    return;
  }
  const messaging = new MessagingConnection(
    config.DEFAULT.transport_url,
    config.DEFAULT.control_exchange,
    brokerTls(config.oslo_messaging_rabbit),
    brokerOptions(config.oslo_messaging_rabbit),
  );
  // Capped at [upgrade_levels] conductor (auto: the oldest live conductor's version), for rolling upgrades.
  const conductor = new ConductorAPI(
    messaging,
    config.DEFAULT.rpc_response_timeout * 1000,
    null,
    config.upgrade_levels.conductor,
  );
  const keystone = new KeystoneValidator(config.keystone_authtoken);
  const hc = config.healthcheck;
  const messagingUp = () => messaging.isConnected();
  const healthcheck = new Healthcheck(
    [
      disableByFileCheck(hc.disable_by_file_path),
      messagingCheck(messagingUp),
      new ConductorCheck(
        () => conductor.ping(RequestContext.forService(), hc.conductor_timeout * 1000),
        hc.conductor_cache_time * 1000,
        messagingUp,
      ),
    ],
    hc.detailed,
  );
  const metrics = config.metrics.enabled ? new ApiMetrics() : undefined;
  // What the conductors change empties the read cache's answers ([api] image_cache_time) at once.
  const imageChanges = new ImageChangeListener(messaging);
  const app = createApp({
    config,
    conductor,
    keystone,
    healthcheck,
    imageChanges,
    ...(metrics ? { metrics } : {}),
  });
  const stopMetrics = metrics ? await startMetrics(config, 'api', metrics.registry) : async () => undefined;
  const server = http.createServer({ maxHeaderSize: 16 * 1024 }, app.callback());
  server.headersTimeout = 60_000;
  server.requestTimeout = 0; // uploads can be long; idle sockets are closed by keepAliveTimeout
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.api.bind_port, config.api.bind_host, () => resolve());
  });
  log.info(
    { version: VERSION, bind: `${config.api.bind_host}:${config.api.bind_port}` },
    'gimming-api started',
  );
  if (policyFile) log.info({ policy_file: policyFile }, 'policy overrides loaded');
  // SIGHUP: the policy file again (removed: the defaults); one that does not parse keeps the rules in use.
  onReload((next) => {
    log.info({ policy_file: loadPolicy(next.oslo_policy.policy_file) ?? null }, 'policy reloaded');
  });
  void keystone.warmUp();
  onShutdown(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await stopMetrics();
    await conductor.close();
    await imageChanges.close();
    await messaging.close();
  });
}

main().catch((err: unknown) => fatal(NAME, err));
