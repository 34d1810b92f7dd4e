/**
 * gimming-conductor: the only process with database access. Serves the conductor RPC topic and drives
 * the copies through the agents.
 */
import { getLogger } from '../common/log';
import { ImageChangePublisher } from '../common/image-changes';
import { Notifier } from '../common/notifications';
import { MessagingConnection } from '../common/rpc/connection';
import { RpcServer } from '../common/rpc/server';
import { closeAgentClients } from '../common/grpc/agent-client';
import { VERSION } from '../common/version';
import { assembleConductor } from '../gimming-conductor/assembly';
import { initializeDataSource, makeDataSource, pendingMigrations } from '../gimming-conductor/db/data-source';
import { dbRetrySettings, installTransactionRetry } from '../gimming-conductor/db/transaction-retry';
import { ImageChangeWatch } from '../gimming-conductor/image-change-watch';
import { ConductorNotifier } from '../gimming-conductor/notify';
import { WebhookOutbox } from '../gimming-conductor/webhook-outbox';
import { CONDUCTOR_TOPIC, HEARTBEAT_METHOD, heartbeatExchange } from '../gimming-conductor/rpcapi';
import { loadPolicy } from '../common/policy/rules';
import { ConductorAuthenticator } from '../gimming-conductor/rpc-auth';
import { KeystoneValidator } from '../common/keystone/validator';
import { ServiceUser } from '../common/keystone/service-user';
import { brokerOptions, brokerTls } from '../common/rpc/transport';
import { startMetrics } from '../common/metrics';
import { bootstrap, fatal, onShutdown } from './bootstrap';
import { applyClockOffset } from '../common/test-hooks';

const NAME = 'gimming-conductor';

async function main(): Promise<void> {
  const clockOffsetMs = applyClockOffset(); // tests only: a conductor whose clock drifted
  const { config, agentAuth, onReload } = bootstrap(NAME, [['database', 'connection']], { agentRpc: true });
  const log = getLogger('conductor');
  // The conductor decides with the API's rules who is an administrator (context_is_admin), and checks
  // the rules only it can (gimming:image:adopt_unowned): a policy file that does not parse stops it too.
  const policyFile = loadPolicy(config.oslo_policy.policy_file);
  log.info({ policy_file: policyFile ?? null }, 'policy loaded');
  onReload((next) => {
    log.info({ policy_file: loadPolicy(next.oslo_policy.policy_file) ?? null }, 'policy reloaded');
  });
  const db = makeDataSource(
    config.database.connection,
    config.database.max_pool_size,
    config.database.connection_timeout,
  );
  installTransactionRetry(db, dbRetrySettings(config.database));
  await initializeDataSource(db);
  const pending = await pendingMigrations(db);
  if (pending.length > 0) {
    throw new Error(
      `the database schema is not current (${pending.length} migrations pending): run gimming-manage db sync`,
    );
  }
  const host = config.DEFAULT.host;
  const rabbitTls = brokerTls(config.oslo_messaging_rabbit);
  const rabbitOptions = brokerOptions(config.oslo_messaging_rabbit);
  const messaging = new MessagingConnection(
    config.DEFAULT.transport_url,
    config.DEFAULT.control_exchange,
    rabbitTls,
    rabbitOptions,
  );
  const n = config.oslo_messaging_notifications;
  // Notifications may go to a messaging service of their own; by default they share the RPC connection.
  const notifyMessaging = n.transport_url
    ? new MessagingConnection(n.transport_url, config.DEFAULT.control_exchange, rabbitTls, rabbitOptions)
    : messaging;
  const notifier = new Notifier({
    drivers: n.driver,
    topics: n.topics,
    publisherId: `gimming-conductor.${host}`,
    connection: notifyMessaging,
  });
  // Every notification also goes to the webhooks of the project it is about (webhook-outbox.ts).
  const webhookOutbox = new WebhookOutbox(db, `gimming-conductor.${host}`);
  const notify = new ConductorNotifier(notifier, webhookOutbox);
  const serviceUser = new ServiceUser(config.keystone_authtoken);
  // Every API process hears which images changed (its read cache, [api] image_cache_time): on the RPC
  // connection, as they listen there.
  const imageChangePublisher = new ImageChangePublisher(messaging);
  const imageChanges = new ImageChangeWatch(db, imageChangePublisher).install();
  const { manager, engine, scheduler, refresher, lifecycle, presence, conductors, metrics, webhookDelivery } =
    assembleConductor({
      config,
      db,
      messaging,
      notify,
      serviceUser,
      signer: agentAuth.signer,
      webhookOutbox,
      imageChanges,
    });
  const stopMetrics = await startMetrics(config, 'conductor', metrics.registry);
  const rpcAuth = new ConductorAuthenticator(
    new KeystoneValidator(config.keystone_authtoken),
    agentAuth.verifier,
    messaging.exchange,
  );
  const heartbeats = heartbeatExchange(messaging.exchange);
  const server = new RpcServer(messaging, CONDUCTOR_TOPIC, host, manager, 32, {
    observe: metrics.observeRpc,
    authenticate: rpcAuth.authenticate,
    sideQueues: [{ exchange: heartbeats, queue: heartbeats, methods: new Set([HEARTBEAT_METHOD]) }],
  });
  await server.start();
  refresher.start();
  lifecycle.start();
  await scheduler.releaseOwn();
  scheduler.start();
  webhookDelivery.start();
  await presence.report();
  presence.start();
  log.info(
    {
      version: VERSION,
      host,
      queue: server.queueName,
      ...(clockOffsetMs ? { test_clock_offset_ms: clockOffsetMs } : {}),
      notifications: notifier.enabled ? { drivers: n.driver, topics: n.topics } : 'off',
    },
    'gimming-conductor started',
  );
  onShutdown(async () => {
    presence.stop();
    await server.stop();
    await refresher.stop();
    await lifecycle.stop();
    await scheduler.stop();
    await engine.stop(20000);
    await webhookOutbox.drain();
    await webhookDelivery.stop();
    await conductors.close();
    closeAgentClients();
    await notifier.close();
    await imageChangePublisher.close();
    if (notifyMessaging !== messaging) await notifyMessaging.close();
    await messaging.close();
    await stopMetrics();
    await db.destroy();
  });
}

main().catch((err: unknown) => fatal(NAME, err));
