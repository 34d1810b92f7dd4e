/**
 * gimming-conductor: the only process with database access. Serves the conductor RPC topic and drives
 * the copies through the agents.
 */
import { parseNetworks } from '../common/endpoint-filter';
import { getLogger } from '../common/log';
import { Notifier } from '../common/notifications';
import { MessagingConnection } from '../common/rpc/connection';
import { RpcServer } from '../common/rpc/server';
import { closeAgentClients } from '../common/grpc/agent-client';
import { VERSION } from '../common/version';
import { AgentRegistry } from '../gimming-conductor/agents';
import { CloudService } from '../gimming-conductor/clouds';
import { ConductorPresence } from '../gimming-conductor/conductors';
import { initializeDataSource, makeDataSource, pendingMigrations } from '../gimming-conductor/db/data-source';
import { ImageService } from '../gimming-conductor/images';
import { ConductorNotifier } from '../gimming-conductor/notify';
import { RemoteMetadata } from '../gimming-conductor/remote-metadata';
import { ConductorManager } from '../gimming-conductor/manager';
import {
  CONDUCTOR_TOPIC,
  ConductorAPI,
  HEARTBEAT_METHOD,
  heartbeatExchange,
} from '../gimming-conductor/rpcapi';
import { loadPolicy } from '../common/policy/rules';
import { ConductorAuthenticator } from '../gimming-conductor/rpc-auth';
import { KeystoneValidator } from '../common/keystone/validator';
import { RPC_API_VERSION } from '../gimming-conductor/rpc-schemas';
import { LocationService } from '../gimming-conductor/locations';
import { TaskControl } from '../gimming-conductor/task-control';
import { ProjectQuotas } from '../gimming-conductor/quotas';
import { UploadService } from '../gimming-conductor/uploads';
import { TaskRow } from '../gimming-conductor/db/entities';
import { Trusts } from '../gimming-conductor/trusts';
import { TaskScheduler } from '../gimming-conductor/tasks/scheduler';
import { TaskQueries } from '../gimming-conductor/task-queries';
import { CopyTask, type CopyTaskDeps } from '../gimming-conductor/tasks/copy-task';
import { TargetService } from '../gimming-conductor/targets';
import { SharingService } from '../gimming-conductor/sharing';
import { PeriodicRefresh } from '../gimming-conductor/periodic-refresh';
import { ServiceUser } from '../common/keystone/service-user';
import { ClientTls } from '../common/http/tls';
import { brokerTls } from '../common/rpc/transport';
import { DeleteTask } from '../gimming-conductor/tasks/delete-task';
import { ImportTask } from '../gimming-conductor/tasks/import-task';
import { type RunnableTask, TaskEngine } from '../gimming-conductor/tasks/engine';
import { startMetrics } from '../common/metrics';
import { ConductorMetrics, taskCounts } from '../gimming-conductor/metrics';
import { bootstrap, fatal, onShutdown } from './bootstrap';

const NAME = 'gimming-conductor';

async function main(): Promise<void> {
  const { config, agentAuth } = bootstrap(NAME, [['database', 'connection']], { agentRpc: true });
  const log = getLogger('conductor');
  // The conductor decides with the API's rules who is an administrator (context_is_admin), and checks
  // the rules only it can (gimming:image:adopt_unowned): a policy file that does not parse stops it too.
  const policyFile = loadPolicy(config.oslo_policy.policy_file);
  log.info({ policy_file: policyFile ?? null }, 'policy loaded');
  const db = makeDataSource(
    config.database.connection,
    config.database.max_pool_size,
    config.database.connection_timeout,
  );
  await initializeDataSource(db);
  const pending = await pendingMigrations(db);
  if (pending.length > 0) {
    throw new Error(
      `the database schema is not current (${pending.length} migrations pending): run gimming-manage db sync`,
    );
  }
  const host = config.DEFAULT.host;
  const c = config.conductor;
  const rabbitTls = brokerTls(config.oslo_messaging_rabbit);
  const messaging = new MessagingConnection(
    config.DEFAULT.transport_url,
    config.DEFAULT.control_exchange,
    rabbitTls,
  );
  const n = config.oslo_messaging_notifications;
  // Notifications may go to a messaging service of their own; by default they share the RPC connection.
  const notifyMessaging = n.transport_url
    ? new MessagingConnection(n.transport_url, config.DEFAULT.control_exchange, rabbitTls)
    : messaging;
  const notifier = new Notifier({
    drivers: n.driver,
    topics: n.topics,
    publisherId: `gimming-conductor.${host}`,
    connection: notifyMessaging,
  });
  const notify = new ConductorNotifier(notifier);
  const serviceUser = new ServiceUser(config.keystone_authtoken);
  const trusts = new Trusts(db, serviceUser, c.use_trusts, c.trust_lifetime, c.trust_roles);
  const agents = new AgentRegistry(db, config.conductor.agent_down_time);
  const quotas = new ProjectQuotas({
    runningTasks: config.quota.running_tasks,
    stagedBytes: config.quota.staged_bytes,
    clouds: config.quota.clouds,
  });
  const clouds = new CloudService(
    db,
    agents,
    {
      interface: config.key_manager.interface,
      regionName: config.key_manager.region_name,
      timeoutMs: config.key_manager.timeout * 1000,
      tls: new ClientTls('key_manager', config.key_manager),
    },
    parseNetworks(
      config.project_clouds.allowed_private_networks,
      '[project_clouds] allowed_private_networks',
    ),
    quotas,
  );
  const copyDeps: CopyTaskDeps = {
    db,
    agents,
    host,
    progressIntervalMs: c.task_progress_interval * 1000,
    retry: { maxAttempts: c.task_max_attempts, delayS: c.task_retry_delay },
    notify,
  };
  // The import tasks need the upload service, which needs the engine: it is filled in below.
  const late: { uploads?: UploadService } = {};
  const engine: TaskEngine = new TaskEngine(
    (type, taskId, ctx): RunnableTask => {
      switch (type) {
        case 'delete':
          return new DeleteTask(copyDeps, taskId, ctx);
        case 'import':
          return new ImportTask({ ...copyDeps, uploads: late.uploads as UploadService }, taskId, ctx);
        default:
          return new CopyTask(copyDeps, taskId, ctx);
      }
    },
    c.workers,
    async (ids) => {
      await db
        .createQueryBuilder()
        .update(TaskRow)
        .set({ leaseExpiresAt: new Date(Date.now() + c.task_lease_time * 1000) })
        .where('id IN (:...ids) AND conductor = :host', { ids, host })
        .execute();
    },
    c.task_lease_time,
    c.task_deadline * 1000,
  );
  const remotes = new RemoteMetadata(agents, config.conductor.remote_cache_time);
  const images = new ImageService(
    db,
    clouds,
    agents,
    engine,
    host,
    remotes,
    { trusts, leaseS: c.task_lease_time },
    notify,
    quotas,
    config.agent.staging_max_upload_bytes,
  );
  const tasks = new TaskQueries(db, clouds);
  const conductors = new ConductorAPI(
    messaging,
    config.DEFAULT.rpc_response_timeout * 1000,
    agentAuth.signer,
  );
  const locations = new LocationService(db, clouds, agents, images);
  const control = new TaskControl(db, tasks, engine, conductors);
  const uploads = new UploadService(
    db,
    agents,
    images,
    engine,
    quotas,
    config.agent.staging_max_upload_bytes,
  );
  late.uploads = uploads;
  const sharing = new SharingService(db, agents, images, remotes);
  const targets = new TargetService(db, clouds, agents, images, locations);
  copyDeps.afterCopy = (ctx, imageId, cloud, remoteId) =>
    sharing.applyToNewCopy(ctx, imageId, cloud, remoteId);
  engine.onTaskEnd = async (ctx, taskId) => {
    const task = await db.getRepository(TaskRow).findOneBy({ id: taskId });
    if (!task || !['pending', 'running', 'cancelling'].includes(task.status)) {
      engine.forgetCloudCredentials(taskId);
    }
    if (!task) return;
    await uploads.releaseStaging(ctx, task.imageId);
    await images.settleDeletion(ctx, task.imageId);
    if (task.trustId) await trusts.releaseIfDone(task.trustId);
  };
  const manager = new ConductorManager({
    agents,
    clouds,
    images,
    locations,
    tasks,
    control,
    uploads,
    sharing,
    targets,
    db,
    host,
  });
  const metrics = new ConductorMetrics({
    taskCounts: () => taskCounts(db),
    zoneSummary: () => agents.zoneSummary(),
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
  const refresher = new PeriodicRefresh(
    db,
    images,
    serviceUser,
    config.conductor.refresh_interval,
    config.conductor.refresh_batch_size,
  );
  refresher.start();
  const scheduler = new TaskScheduler(db, engine, trusts, host, c.task_lease_time, c.task_scan_interval);
  await scheduler.releaseOwn();
  scheduler.start();
  const presence = new ConductorPresence(
    db,
    host,
    VERSION,
    RPC_API_VERSION,
    Math.max(1, Math.floor(c.agent_down_time / 3)),
  );
  await presence.report();
  presence.start();
  log.info(
    {
      version: VERSION,
      host,
      queue: server.queueName,
      notifications: notifier.enabled ? { drivers: n.driver, topics: n.topics } : 'off',
    },
    'gimming-conductor started',
  );
  onShutdown(async () => {
    presence.stop();
    await server.stop();
    await refresher.stop();
    await scheduler.stop();
    await engine.stop(20000);
    await conductors.close();
    closeAgentClients();
    await notifier.close();
    if (notifyMessaging !== messaging) await notifyMessaging.close();
    await messaging.close();
    await stopMetrics();
    await db.destroy();
  });
}

main().catch((err: unknown) => fatal(NAME, err));
