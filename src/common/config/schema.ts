/**
 * The configuration of every GIMinG daemon: one schema, one ini file (`gimming.conf`).
 *
 * Groups and option names follow OpenStack's so DevStack's helpers (`iniset`, `iniset_rpc_backend`,
 * `configure_keystone_authtoken_middleware`) write them as they are. Every option has help text in
 * oslo.config's style; the sample file is generated from this schema (`gimming-config-generator`).
 * Environment overrides are named mechanically: `[database] connection` -> `OS_DATABASE__CONNECTION`.
 */
import { hostname } from 'node:os';

export interface OptionSpec {
  doc: string;
  format: 'oslo-bool' | 'oslo-int' | 'oslo-port' | 'oslo-list' | 'oslo-string' | readonly string[];
  default: string | number | boolean | string[] | null;
  sensitive?: boolean;
  /** Shown in the sample instead of the default when the default depends on the machine. */
  sampleDefault?: string;
  min?: number;
  /** For a list: the values its items may take. */
  choices?: readonly string[];
}

export type GroupSpec = Record<string, OptionSpec>;

function str<D extends string | null>(doc: string, def: D, extra: Partial<OptionSpec> = {}) {
  return { doc, format: 'oslo-string' as const, default: def, ...extra };
}
export const int = (doc: string, def: number, min = 0) => ({
  doc,
  format: 'oslo-int' as const,
  default: def,
  min,
});
const bool = (doc: string, def: boolean) => ({ doc, format: 'oslo-bool' as const, default: def });
const port = (doc: string, def: number) => ({ doc, format: 'oslo-port' as const, default: def });
const list = (
  doc: string,
  def: string[],
  extra: { sensitive?: boolean; choices?: readonly string[] } = {},
) => ({
  doc,
  format: 'oslo-list' as const,
  default: def,
  ...extra,
});
export function choice<C extends string>(doc: string, choices: readonly C[], def: C) {
  return { doc, format: choices, default: def };
}

/**
 * The TLS options of a group whose requests go to one kind of service, named as keystoneauth and
 * keystonemiddleware name them.
 */
export function clientTlsOptions(service: string, note = '') {
  return {
    cafile: str(
      `A PEM encoded Certificate Authority bundle that verifies the HTTPS connections to ${service}, ` +
        `instead of the CAs of the system.${note}`,
      null,
    ),
    certfile: str(
      `A PEM encoded client certificate to present to ${service}, for a service that requires one. Needs ` +
        'keyfile.',
      null,
    ),
    keyfile: str('The PEM encoded private key of certfile.', null),
    insecure: bool(
      `If set to true, the TLS certificate of ${service} is not verified. Only for testing: anyone on the ` +
        'path can then read and change the traffic, tokens included.',
      false,
    ),
  };
}

export const SCHEMA = {
  DEFAULT: {
    host: str(
      'Name of this node. Used in agent registration, task ownership and log lines. Must be unique among ' +
        'the daemons of one kind.',
      hostname(),
      { sampleDefault: '<the machine host name>' },
    ),
    debug: bool(
      'If set to true, the logging level is set to DEBUG instead of the default INFO level.',
      false,
    ),
    transport_url: str(
      'The network address and optional user credentials for connecting to the messaging backend, in URL ' +
        'format: rabbit://user:pass@host:port[,user:pass@host:port]/virtual_host.',
      'rabbit://guest:guest@127.0.0.1:5672/',
      { sensitive: true },
    ),
    control_exchange: str('The exchange that GIMinG topics are scoped to.', 'gimming'),
    rpc_response_timeout: int('Seconds to wait for a response from an RPC call.', 60, 1),
  },
  database: {
    connection: str(
      'The SQLAlchemy-style connection string of the database, used only by gimming-conductor and ' +
        'gimming-manage, for example mysql+pymysql://user:pass@host/gimming?charset=utf8. TLS is asked for ' +
        'in its query as PyMySQL takes it: ssl_ca=<CA bundle> (the server certificate is then verified), ' +
        'ssl_cert=<client certificate> and ssl_key=<its key>, ssl_check_hostname=false to accept a ' +
        'certificate not issued to the host name, or ssl=true to use TLS verified against the CAs of the ' +
        'system.',
      null,
      { sensitive: true },
    ),
    max_pool_size: int('Maximum number of database connections to keep open per process.', 10, 1),
    connection_timeout: int('Seconds to wait for a database connection to be established.', 10, 1),
  },
  keystone_authtoken: {
    auth_url: str(
      'Keystone identity API endpoint used by the service user, for example http://host:5000/v3.',
      null,
    ),
    www_authenticate_uri: str(
      'Complete public Identity API endpoint announced to clients in the WWW-Authenticate header of a 401 ' +
        'response. Defaults to auth_url.',
      null,
    ),
    auth_type: str('Authentication type of the service user. Only password is supported.', 'password'),
    username: str('Name of the GIMinG service user.', 'gimming'),
    password: str('Password of the GIMinG service user.', null, { sensitive: true }),
    project_name: str('Project the service user is scoped to.', 'service'),
    user_domain_name: str('Domain of the service user.', 'Default'),
    project_domain_name: str('Domain of the service project.', 'Default'),
    region_name: str('Region the identity endpoint is in.', null),
    token_cache_time: int(
      'Seconds a validated token is kept in memory before it is validated again. Set to 0 to validate ' +
        'every request.',
      60,
    ),
    http_connect_timeout: int('Seconds to wait for Keystone to answer a request.', 10, 1),
    service_token_roles: list(
      'Roles the service user must hold for its token to be accepted as a service token.',
      ['service', 'admin'],
    ),
    ...clientTlsOptions('the identity service (Keystone)'),
  },
  api: {
    bind_host: str('IP address the REST API listens on.', '0.0.0.0'),
    bind_port: port('Port the REST API listens on.', 9595),
    public_endpoint: str(
      'Public URL of the API used in links in responses (version document, next links). Defaults to the ' +
        'URL of the request.',
      null,
    ),
    enable_dashboard: bool(
      'Whether the API serves the web dashboard under /dashboard/ (built by npm run build), with the ' +
        'session calls that log users in to Keystone.',
      true,
    ),
    max_request_body_size: int('Largest JSON request body accepted, in bytes.', 114688, 1024),
    client_body_timeout: int(
      'Seconds a JSON request body may pause before the request is given up and its connection closed.',
      20,
      1,
    ),
    upload_idle_timeout: int(
      'Seconds an upload body (PUT /v1/images/{id}/file) may pause before the upload is given up (408), its ' +
        'reservation and partial data freed and its connection closed.',
      60,
      1,
    ),
    upload_deadline: int(
      'Seconds an upload body may take in all, however steadily it arrives, before the upload is given up ' +
        '(408) and everything it staged freed, so that a client trickling data cannot hold a reservation ' +
        'for ever.',
      21600,
      1,
    ),
    max_limit: int('Largest number of items one list request returns.', 1000, 1),
    default_limit: int('Number of items a list request returns when it names no limit.', 100, 1),
    cloud_credentials_lifetime: int(
      'Seconds the cloud credentials given with a request (X-Cloud-Credentials) stay usable by the work the ' +
        'request queued, retries included: an agent opens them only within this time. They are kept only ' +
        'sealed in memory, never stored; work still waiting after this long, or resumed by another ' +
        'conductor, fails and asks for them again. A copy that started in time runs to its end with the ' +
        "session the agent opened with them; for work that must wait or retry longer, register the cloud's " +
        'credentials in the key manager (credentials_ref) instead, which a trust reads.',
      3600,
      60,
    ),
  },
  cloud_credentials: {
    public_key_file: str(
      'The public key (PEM; X25519, or an EC key such as P-256) gimming-api seals the cloud credentials ' +
        'given with a request (X-Cloud-Credentials) with, for the agents, which alone hold its private key: ' +
        'neither the API nor the conductor can open them. Unset: the API refuses such credentials.',
      null,
    ),
    private_key_files: list(
      'The private keys (PEM) gimming-agent opens the cloud credentials given with a request with: the one ' +
        'whose public key gimming-api seals with, and during a rotation the previous one, until no work ' +
        'sealed with it is left (at most [api] cloud_credentials_lifetime). Readable by the agent only.',
      [],
    ),
  },
  oslo_policy: {
    policy_file: str(
      'The policy file (yaml) whose rules override the defaults in code. Relative paths are taken from the ' +
        'working directory. A missing file means the defaults; an unknown rule or a check that does not parse ' +
        'stops gimming-api at start-up.',
      '/etc/gimming/policy.yaml',
    ),
  },
  healthcheck: {
    disable_by_file_path: str(
      'A file whose presence makes the /healthcheck of gimming-api answer 503 "DISABLED BY FILE", so that a ' +
        'load balancer stops sending it new requests while it still serves the ones it has (draining before ' +
        'a restart). Unset: never disabled by a file.',
      null,
    ),
    detailed: bool(
      'Show more detailed information as part of the /healthcheck response when it is asked for as JSON ' +
        '(every check with its details, the process and the platform). Security note: enabling this option ' +
        'may expose sensitive details about the service being monitored. Be sure to verify that it will not ' +
        'violate your security policies.',
      false,
    ),
    conductor_timeout: int(
      'Seconds /healthcheck waits for a conductor to answer its ping before it reports the conductor ' +
        'unreachable.',
      2,
      1,
    ),
    conductor_cache_time: int(
      'Seconds the outcome of a ping to the conductor is reused by /healthcheck before the conductor is ' +
        'pinged again, so that a load balancer polling every API does not flood the conductor. A ping is ' +
        'never sent twice at once. Set to 0 to ping on every request.',
      5,
    ),
  },
  metrics: {
    enabled: bool(
      'Serve Prometheus metrics (GET /metrics, text exposition format) on a listener of its own in each ' +
        'daemon, apart from the REST API and the agent gRPC port and without authentication: bind it to a ' +
        'management network only.',
      false,
    ),
    bind_host: str('IP address the metrics listeners listen on.', '127.0.0.1'),
    api_port: port('Port the metrics listener of gimming-api listens on.', 9597),
    conductor_port: port('Port the metrics listener of gimming-conductor listens on.', 9598),
    agent_port: port(
      'Port the metrics listener of gimming-agent listens on. Agents sharing a host each need their own ' +
        '(for example OS_METRICS__AGENT_PORT in their environment).',
      9599,
    ),
  },
  conductor: {
    workers: int('Number of copy tasks one conductor drives at the same time.', 16, 1),
    agent_down_time: int(
      'Seconds since the last heartbeat after which an agent is considered down and gets no new work.',
      30,
      2,
    ),
    task_progress_interval: int('Seconds between two writes of a running task progress.', 1, 1),
    remote_cache_time: int(
      'Seconds the live metadata of a copy, read from its cloud for a user, is reused before it is read again. ' +
        'Set to 0 to read it on every request.',
      10,
    ),
    refresh_interval: int(
      'Seconds between two periodic refreshes, and how old the last check of a copy must be for it to be ' +
        'checked again: a copy deleted or changed behind GIMinG is found within about twice this time. The ' +
        "check runs as the service user of [keystone_authtoken], who must be able to read every project's " +
        'images (admin). Set to 0 to disable.',
      3600,
    ),
    refresh_batch_size: int('Most images one periodic refresh checks.', 200, 1),
    task_lease_time: int(
      'Seconds a conductor holds a task without renewing its lease. When a conductor stops (or dies), another ' +
        'one takes its tasks over once their leases run out.',
      30,
      3,
    ),
    task_max_attempts: int(
      'Attempts of a task before it fails for good, when its failures are temporary (a cloud, an agent or a ' +
        'conductor went away).',
      5,
      1,
    ),
    task_retry_delay: int(
      'Seconds before the first retry of a task; each further retry waits twice as long (at most 10 minutes).',
      5,
      1,
    ),
    task_deadline: int(
      'Seconds one run of a copy or an import may take in all, however steadily its data arrives. Past it ' +
        'the task is stopped and fails for good (gimming.task.deadline_exceeded), and what it made (a ' +
        'half-made copy, staged data) is removed, so that a trickling source cannot hold a worker for ever. ' +
        'The agents give up a source that sends nothing for the request timeout of their cloud drivers. 0 means no ' +
        'deadline.',
      86400,
      0,
    ),
    task_scan_interval: int(
      'Seconds between two looks for tasks that are due or whose conductor is gone.',
      3,
      1,
    ),
    use_trusts: bool(
      "Run tasks with a Keystone trust from the user to GIMinG's service user, made when the work is " +
        "submitted and deleted when it is done, so that the work outlives the user's token and can be " +
        'taken over by another conductor. Without it, a task runs only with the token of the request and ' +
        'cannot be resumed elsewhere.',
      true,
    ),
    trust_lifetime: int('Seconds a trust made for submitted work stays valid at most.', 86400, 60),
    trust_roles: list(
      'The roles a trust for submitted work delegates, of those the user holds in the project: what the ' +
        'work needs to read and write images in the clouds (member, reader) and to read a project ' +
        "cloud's credentials secret from the key manager (creator, for Barbican's legacy policy). Never more " +
        'than the user holds; a user holding none of them gets no trust, and the work runs with the ' +
        "request's token only. Adding admin lets work taken over by another conductor make public copies, " +
        'at the price of handing GIMinG an administrator.',
      ['member', 'reader', 'creator'],
    ),
  },
  agent: {
    zone: str('The zone this agent serves. Clouds whose zone matches are reached through it.', 'default'),
    enabled_drivers: list(
      'The cloud drivers this agent loads, by the cloud type each serves (openstack: the image service of ' +
        'OpenStack clouds). The agent ' +
        'refuses to start with a driver it does not have or whose options are wrong, and answers a call for ' +
        'a cloud of any other type with gimming.cloud.unsupported.',
      ['openstack'],
    ),
    bind_host: str('IP address the agent gRPC service listens on.', '0.0.0.0'),
    bind_port: port('Port the agent gRPC service listens on.', 9596),
    advertise_address: str(
      'The host:port other daemons use to reach this agent. Defaults to bind_host (or the host option when bind_host is a wildcard) and bind_port.',
      null,
    ),
    heartbeat_interval: int('Seconds between two heartbeats sent to the conductor.', 10, 1),
    rpc_secrets: list(
      'Shared secrets that authenticate every call to an agent gRPC port: a caller that cannot sign with one ' +
        'of them is refused, so that nothing else on the network can read, change or delete images through ' +
        'an agent. gimming-api, gimming-conductor and gimming-agent all need them; a secret is never sent. ' +
        'The first one signs the calls this daemon makes, any one of them is accepted, which rotates a secret ' +
        'without downtime (add the new one last everywhere, then move it first, then remove the old one). ' +
        'Each at least 32 characters without commas, for example from "openssl rand -hex 32". Required unless ' +
        'rpc_allow_unauthenticated is set.',
      [],
      { sensitive: true },
    ),
    rpc_auth_window: int(
      'Seconds a signed call to an agent stays valid: a call made longer ago, or as long in the future, by ' +
        "the agent's clock is refused, and a signature is accepted only once. Keep the clocks of the daemons " +
        'closer than this (NTP).',
      60,
      1,
    ),
    rpc_allow_unauthenticated: bool(
      'Run without rpc_secrets: agents then accept calls from any process that reaches their port. Only for a ' +
        'development machine whose agents listen on 127.0.0.1. Ignored when rpc_secrets is set.',
      false,
    ),
    ssl_ca_file: str(
      'CA certificate file (PEM) of the deployment: every agent accepts gRPC calls only from clients that ' +
        'present a certificate this CA signed (mutual TLS), and every caller checks the certificate of the ' +
        'agent it calls against it. gimming-api, gimming-conductor and gimming-agent all need it. Required ' +
        'unless rpc_plaintext is set.',
      null,
    ),
    ssl_cert_file: str(
      'Certificate file (PEM) of this daemon, signed by ssl_ca_file: an agent serves it on its gRPC port, and ' +
        'every daemon presents it when it calls an agent. It must name the host or address other daemons ' +
        'reach an agent by (advertise_address). Re-read on SIGHUP and when it changes.',
      null,
    ),
    ssl_key_file: str('Private key file (PEM) of ssl_cert_file. Re-read with it.', null),
    ssl_reload_interval: int(
      'Seconds between two checks of ssl_ca_file, ssl_cert_file and ssl_key_file for a change; a changed set ' +
        'is taken for new connections without a restart once the key fits the certificate. 0: only on SIGHUP.',
      30,
      0,
    ),
    rpc_plaintext: bool(
      'Serve and call agents over plaintext gRPC, without TLS: tokens, catalogs and image data then cross the ' +
        'network in clear. Only for a closed development machine; every daemon logs a warning at start-up.',
      false,
    ),
    chunk_size: int('Size in bytes of the data chunks sent between agents.', 524288, 16384),
    flow_control_window: int(
      'The gRPC flow-control window in bytes of the streams an agent pulls image data over. Set it at least to ' +
        'the bandwidth-delay product of the network between zones.',
      8388608,
      65535,
    ),
    staging_dir: str(
      'Directory where uploaded image data waits until every target cloud has its copy. Used only by this agent.',
      '/var/lib/gimming/staging',
    ),
    staging_max_bytes: int(
      'Most bytes of uploaded data this agent keeps in its staging area at once. An upload that would exceed ' +
        'it is refused.',
      10737418240,
      0,
    ),
    staging_max_upload_bytes: int(
      'Most bytes one upload or import of undeclared size (no Content-Length) may hold. Such an upload ' +
        'reserves this much of the staging area (or what is left, if less) before its first byte, so that ' +
        'several of them cannot each count on the whole area; one that grows past it is refused (413). An ' +
        'upload that declares its size reserves exactly that size.',
      2147483648,
      1,
    ),
  },
  quota: {
    running_tasks: int(
      'Most tasks (copies and imports) one project may have pending or running at once. A request that ' +
        'would queue more (an upload, an import, an adoption, a sync) is refused with 429 ' +
        '(gimming.quota.tasks_exceeded) until some have ended; deleting is never refused. -1 means no limit.',
      50,
      -1,
    ),
    staged_bytes: int(
      "Most bytes of one project's uploads and imports the staging areas hold at once, counting what an " +
        'upload still arriving has reserved (its declared size, or at most [agent] staging_max_upload_bytes). ' +
        'An upload or import past it is refused with 413 (gimming.quota.staged_bytes_exceeded); staged data ' +
        'counts until every target has its copy. -1 means no limit.',
      5368709120,
      -1,
    ),
    clouds: int(
      'Most clouds of its own (scope project) one project may register. More are refused with 403 ' +
        '(gimming.quota.clouds_exceeded). Shared clouds, registered by administrators, do not count. -1 means ' +
        'no limit.',
      10,
      -1,
    ),
  },
  oslo_messaging_rabbit: {
    ssl: bool(
      'Connect to RabbitMQ over TLS, as an amqps:// transport_url does. The server certificate is verified ' +
        'against ssl_ca_file, or the CAs of the system.',
      false,
    ),
    ssl_ca_file: str('A PEM encoded CA bundle to verify the RabbitMQ server certificate with.', null),
    ssl_cert_file: str('A PEM encoded client certificate to present to RabbitMQ. Needs ssl_key_file.', null),
    ssl_key_file: str('The PEM encoded private key of ssl_cert_file.', null),
  },
  oslo_messaging_notifications: {
    driver: list(
      'The drivers that send notifications: messagingv2 (to the messaging service in the 2.0 envelope, as ' +
        'OpenStack services do), messaging (the same without the envelope, for consumers that read only the ' +
        '1.0 format), log (one log line per notification) or noop. Empty or noop: no notifications. Only ' +
        'gimming-conductor sends notifications.',
      [],
      { choices: ['messagingv2', 'messaging', 'log', 'noop'] },
    ),
    transport_url: str(
      'A URL of the messaging service for notifications, in the form of [DEFAULT] transport_url. Defaults to ' +
        '[DEFAULT] transport_url.',
      null,
      { sensitive: true },
    ),
    topics: list(
      'Topics notifications are sent on: each notification goes to <topic>.<priority> (for example ' +
        'notifications.info, notifications.warn, notifications.error) on the exchange [DEFAULT] ' +
        'control_exchange.',
      ['notifications'],
    ),
  },
  import_filtering: {
    allowed_schemes: list(
      'URL schemes an image may be imported from (source.url). When empty, any scheme not in ' +
        'disallowed_schemes (only http and https are ever fetched).',
      ['http', 'https'],
    ),
    disallowed_schemes: list('URL schemes refused when allowed_schemes is empty.', []),
    allowed_hosts: list(
      'Host names or IP addresses an image may be imported from. When empty, any host not in ' +
        'disallowed_hosts.',
      [],
    ),
    disallowed_hosts: list('Host names or IP addresses refused when allowed_hosts is empty.', []),
    allowed_ports: list(
      'Ports an image may be imported from. When empty, any port not in disallowed_ports.',
      ['80', '443'],
    ),
    disallowed_ports: list('Ports refused when allowed_ports is empty.', []),
    allowed_private_networks: list(
      'Networks (CIDR) that are not public but may still be imported from, for example 10.0.0.0/8 for an ' +
        'internal mirror. Every address an import URL or one of its redirects resolves to must be a public ' +
        'unicast address or lie in one of these: loopback, private, link-local and other special ranges ' +
        'are refused otherwise.',
      [],
    ),
    max_redirects: int('Redirects an import follows, each checked like the first URL.', 5),
    cafile: str(
      'A PEM encoded CA bundle trusted, besides the CAs of the system, when an image is imported from an ' +
        'https URL (an internal mirror with its own CA).',
      null,
    ),
  },
  project_clouds: {
    allowed_private_networks: list(
      'Networks (CIDR) that are not public but that the identity service (auth_url) and image endpoint of a ' +
        "project's own cloud may still lie in, for example 10.0.0.0/8 for clouds inside the operator's " +
        'network. Otherwise only public unicast addresses are used: loopback, private, link-local (such as ' +
        'a metadata service) and other special ranges are refused.',
      [],
    ),
    cafile: str(
      'A PEM encoded CA bundle trusted, besides the CAs of the system, when the identity service or image ' +
        "endpoint of a project's own cloud is reached over HTTPS. Certificate verification cannot be turned " +
        'off for project clouds.',
      null,
    ),
  },
  key_manager: {
    interface: choice(
      'Interface of the key-manager (Barbican) endpoints taken from the service catalog, where the secrets ' +
        "holding project clouds' credentials (credentials_ref) are read.",
      ['public', 'internal', 'admin'] as const,
      'public',
    ),
    region_name: str('Region of the key-manager endpoint; empty for the first one of any region.', ''),
    timeout: int('Seconds a request to the key manager may take.', 30, 1),
    ...clientTlsOptions('the key manager (Barbican)'),
  },
} as const satisfies Record<string, GroupSpec>;

type ValueOf<S> = S extends { format: 'oslo-bool' }
  ? boolean
  : S extends { format: 'oslo-int' | 'oslo-port' }
    ? number
    : S extends { format: 'oslo-list' }
      ? string[]
      : S extends { format: readonly (infer C)[] }
        ? C
        : S extends { default: null }
          ? string | null
          : string;

/** The values of a group of options, typed from its specs. */
export type ConfigValues<G> = { [K in keyof G]: ValueOf<G[K]> };

/** The core options; a driver's own options are read through its own ConfigValues (drivers/<name>/). */
export type GimmingConfig = {
  [G in keyof typeof SCHEMA]: ConfigValues<(typeof SCHEMA)[G]>;
};

/**
 * Options defined outside the core schema (by the agent's cloud drivers), composed into it: whole groups,
 * and options added to a core group, each placed after a named group or option so that the sample and
 * the reference keep their order.
 */
export interface SchemaFragment {
  groups?: Record<string, { after?: string; options: GroupSpec }>;
  options?: Record<string, { after?: string; options: GroupSpec }>;
}

function insertAfter<V>(entries: Array<[string, V]>, after: string | undefined, add: Array<[string, V]>) {
  const at = after === undefined ? -1 : entries.findIndex(([key]) => key === after);
  if (at < 0) entries.push(...add);
  else entries.splice(at + 1, 0, ...add);
}

/** The core schema with the fragments composed in; a name defined twice is refused. */
export function composeSchema(fragments: readonly SchemaFragment[] = []): Record<string, GroupSpec> {
  const groups: Array<[string, GroupSpec]> = Object.entries(SCHEMA).map(([g, o]) => [g, { ...o }]);
  for (const fragment of fragments) {
    for (const [group, { after, options }] of Object.entries(fragment.groups ?? {})) {
      if (groups.some(([g]) => g === group)) throw new Error(`config group [${group}] is defined twice`);
      insertAfter(groups, after, [[group, { ...options }]]);
    }
  }
  for (const fragment of fragments) {
    for (const [group, { after, options }] of Object.entries(fragment.options ?? {})) {
      const entry = groups.find(([g]) => g === group);
      if (!entry) throw new Error(`config group [${group}] does not exist`);
      const entries = Object.entries(entry[1]);
      for (const name of Object.keys(options)) {
        if (entries.some(([k]) => k === name)) throw new Error(`[${group}] ${name} is defined twice`);
      }
      insertAfter(entries, after, Object.entries(options));
      entry[1] = Object.fromEntries(entries);
    }
  }
  return Object.fromEntries(groups);
}
