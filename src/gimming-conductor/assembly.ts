/**
 * The conductor's parts, made once and handed to each other: one agent gateway, the services behind the
 * RPC methods, the task engine with its registry and end-of-task hooks, and the periodic work (the task
 * scheduler, the drift refresh, the presence report). cmd/gimming-conductor.ts reads the configuration,
 * opens the database and the messaging connections, and starts what this returns.
 */
import type { DataSource } from 'typeorm';
import type { GimmingConfig } from '../common/config/schema';
import { parseNetworks } from '../common/endpoint-filter';
import { ClientTls } from '../common/http/tls';
import type { ServiceUser } from '../common/keystone/service-user';
import type { MessagingConnection } from '../common/rpc/connection';
import { VERSION } from '../common/version';
import { ImageAdoption } from './adoption';
import { type AgentGateway, GrpcAgentGateway } from './agent-gateway';
import { AgentRegistry } from './agents';
import { CloudService } from './clouds';
import { ConductorPresence } from './conductors';
import { dbTimeIn } from './db/clock';
import { TaskRow } from './db/entities';
import { DriftCheck } from './drift';
import { ImageDeletion } from './image-deletion';
import { ChannelService } from './channels';
import { FamilyService } from './families';
import { IdMapPublisher } from './id-map';
import type { ImageChangeWatch } from './image-change-watch';
import { ImageQueries } from './image-queries';
import { LifecycleScheduler, LifecycleService } from './lifecycle';
import { LocationService } from './locations';
import { ConductorManager } from './manager';
import { NameReplacement } from './name-replacement';
import { ConductorMetrics, taskCounts } from './metrics';
import type { ConductorNotifier } from './notify';
import { PeriodicRefresh } from './periodic-refresh';
import { ProjectQuotas } from './quotas';
import { RemoteMetadata } from './remote-metadata';
import { RemoteTags } from './remote-tags';
import { RPC_API_VERSION } from './rpc-schemas';
import { ConductorAPI } from './rpcapi';
import { SharingService } from './sharing';
import { TargetService } from './targets';
import { TaskControl } from './task-control';
import { TaskQueries } from './task-queries';
import { TaskQueue } from './task-queue';
import { TaskEngine } from './tasks/engine';
import { TaskRegistry } from './tasks/registry';
import { TaskScheduler } from './tasks/scheduler';
import { Trusts } from './trusts';
import { UploadService } from './uploads';
import { WebhookDelivery } from './webhook-delivery';
import { WebhookOutbox } from './webhook-outbox';
import { WebhookSecrets } from './webhook-secrets';
import { WebhookService } from './webhooks';

/** Seconds an upload's lease lasts when the API server receiving it does not renew it (before RPC 1.7). */
const UNRENEWED_UPLOAD_LEASE_S = 86400;

export interface ConductorParts {
  manager: ConductorManager;
  agents: AgentRegistry;
  engine: TaskEngine;
  scheduler: TaskScheduler;
  refresher: PeriodicRefresh;
  /** The periodic lifecycle task: scheduled changes of family versions, copies not yet reached. */
  lifecycle: LifecycleScheduler;
  presence: ConductorPresence;
  /** The RPC client to the other conductors (cancels go to the conductor running the task). */
  conductors: ConductorAPI;
  metrics: ConductorMetrics;
  /** Sends the webhooks' deliveries (a periodic scan, as the task scheduler). */
  webhookDelivery: WebhookDelivery;
}

export function assembleConductor(input: {
  config: GimmingConfig;
  db: DataSource;
  messaging: MessagingConnection;
  notify: ConductorNotifier;
  serviceUser: ServiceUser;
  /** Signs this conductor's casts to the other conductors (agent RPC authentication), if on. */
  signer: ConstructorParameters<typeof ConductorAPI>[2];
  /** The agents' API: by default the gRPC one. */
  gateway?: AgentGateway;
  /** Where `notify` records the webhooks' deliveries (the same one); by default a new one. */
  webhookOutbox?: WebhookOutbox;
  /** Tells the API processes which images changed (their read caches); none: nobody is told. */
  imageChanges?: ImageChangeWatch;
}): ConductorParts {
  const { config, db, messaging, notify, serviceUser } = input;
  const host = config.DEFAULT.host;
  const c = config.conductor;
  const gateway = input.gateway ?? new GrpcAgentGateway();
  const trusts = new Trusts(db, serviceUser, c.use_trusts, c.trust_lifetime, c.trust_roles);
  const agents = new AgentRegistry(db, c.agent_down_time, (windowMs) => messaging.deafMs(windowMs));
  const quotas = new ProjectQuotas({
    runningTasks: config.quota.running_tasks,
    stagedBytes: config.quota.staged_bytes,
    clouds: config.quota.clouds,
  });
  const clouds = new CloudService(
    db,
    agents,
    gateway,
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
  const registry = new TaskRegistry({
    db,
    agents,
    gateway,
    host,
    progressIntervalMs: c.task_progress_interval * 1000,
    retry: { maxAttempts: c.task_max_attempts, delayS: c.task_retry_delay },
    notify,
  });
  const engine = new TaskEngine(
    registry.make,
    c.workers,
    async (ids) => {
      await db
        .createQueryBuilder()
        .update(TaskRow)
        .set({ leaseExpiresAt: dbTimeIn(c.task_lease_time) })
        .where('id IN (:...ids) AND conductor = :host', { ids, host })
        .execute();
    },
    c.task_lease_time,
    c.task_deadline * 1000,
  );
  const watch = input.imageChanges;
  const remotes = new RemoteMetadata(
    agents,
    gateway,
    c.remote_cache_time,
    watch ? (cloudId, remoteId) => watch.remoteChanged(cloudId, remoteId) : undefined,
  );
  const queries = new ImageQueries(db, clouds, remotes);
  const queue = new TaskQueue(db, engine, host, { trusts, leaseS: c.task_lease_time });
  const tags = new RemoteTags(gateway);
  const maxStaged = config.agent.staging_max_upload_bytes;
  const adoption = new ImageAdoption(
    db,
    clouds,
    agents,
    gateway,
    queries,
    queue,
    tags,
    trusts,
    notify,
    quotas,
    maxStaged,
  );
  const deletion = new ImageDeletion(db, clouds, agents, gateway, queries, queue, tags, notify);
  const drift = new DriftCheck(db, queries, remotes, notify);
  const tasks = new TaskQueries(db, clouds);
  const conductors = new ConductorAPI(messaging, config.DEFAULT.rpc_response_timeout * 1000, input.signer);
  const locations = new LocationService(db, clouds, agents, gateway, queries, tags);
  const control = new TaskControl(db, tasks, engine, conductors);
  const uploads = new UploadService(db, agents, gateway, queries, queue, quotas, maxStaged, {
    leaseS: c.task_lease_time,
    legacyLeaseS: UNRENEWED_UPLOAD_LEASE_S,
  });
  const sharing = new SharingService(db, agents, gateway, queries, remotes);
  const replacement = new NameReplacement(db, agents, gateway);
  const targets = new TargetService(db, clouds, agents, gateway, queries, adoption, locations);
  registry.connect(engine, {
    db,
    uploads,
    deletion,
    trusts,
    afterCopy: async (ctx, imageId, cloud, remoteId) => {
      await sharing.applyToNewCopy(ctx, imageId, cloud, remoteId);
      await replacement.afterCopy(ctx, imageId, cloud, remoteId); // on_conflict replace
    },
  });
  const w = config.webhooks;
  const webhookSecrets = new WebhookSecrets(w.encryption_keys);
  const webhookNetworks = parseNetworks(w.allowed_private_networks, '[webhooks] allowed_private_networks');
  const outbox = input.webhookOutbox ?? new WebhookOutbox(db, `gimming-conductor.${host}`);
  const webhooks = new WebhookService(db, webhookSecrets, outbox, {
    networks: webhookNetworks,
    maxPerProject: w.max_per_project,
  });
  const webhookDelivery = new WebhookDelivery(db, webhookSecrets, {
    maxAttempts: w.max_attempts,
    backoff: { initialMs: w.retry_delay * 1000, factor: 2, maxMs: w.retry_max_delay * 1000 },
    timeoutMs: w.timeout * 1000,
    scanIntervalMs: w.scan_interval * 1000,
    batchSize: w.batch_size,
    networks: webhookNetworks,
  });
  const publisher = new IdMapPublisher(db, config.families.publish_dir, config.families.publish_all_projects);
  const published = () => publisher.publish();
  const families = new FamilyService(db, notify, published);
  const channels = new ChannelService(db, families, notify, published);
  const lifecycle = new LifecycleService(db, families, agents, gateway, notify, published);
  const presence = new ConductorPresence(
    db,
    host,
    VERSION,
    RPC_API_VERSION,
    Math.max(1, Math.floor(c.agent_down_time / 3)),
    c.agent_down_time,
  );
  const manager = new ConductorManager({
    presence,
    agents,
    clouds,
    images: queries,
    adoption,
    deletion,
    drift,
    locations,
    tasks,
    control,
    uploads,
    sharing,
    targets,
    webhooks,
    families,
    channels,
    lifecycle,
    db,
    host,
  });
  const metrics = new ConductorMetrics({
    taskCounts: () => taskCounts(db),
    zoneSummary: () => agents.zoneSummary(),
  });
  const refresher = new PeriodicRefresh(db, drift, serviceUser, c.refresh_interval, c.refresh_batch_size);
  const scheduler = new TaskScheduler(db, engine, trusts, host, c.task_lease_time, c.task_scan_interval);
  const lifecycleTask = new LifecycleScheduler(lifecycle, serviceUser, config.families.lifecycle_interval);
  return {
    manager,
    agents,
    engine,
    scheduler,
    refresher,
    lifecycle: lifecycleTask,
    presence,
    conductors,
    metrics,
    webhookDelivery,
  };
}
