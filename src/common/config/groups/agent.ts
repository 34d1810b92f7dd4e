/**
 * The agent: its zone and drivers, its gRPC listener and how calls to it are authenticated, and its
 * staging area ([agent]).
 */
import { str, int, bool, port, list, type GroupSpec } from '../option-spec';

export const agentOptions = {
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
  direct_read_zones: list(
    'Zones whose clouds this agent reaches over the network itself (their image service endpoints, with ' +
      "the caller's token as the source agent would use). A copy from a cloud of such a zone to this agent's " +
      'zone reads the source cloud here and writes the target as the bytes arrive, with no gRPC stream ' +
      "from the source zone's agent: one agent on the byte path instead of two (about half the agent CPU " +
      'per GiB, no TLS between agents), as a curl GET piped into a curl PUT would. Copies of one request ' +
      'that share a read (several targets) and incremental copies still go through the source agent. ' +
      'Only for zones on the same network (one site, or a test bed on one host): across a WAN, the agent ' +
      "of the source zone is the one near the source. List a zone only where this agent can reach that zone's " +
      'clouds with its own cloud settings and the deployment allows it to (doc/source/admin/performance.rst). ' +
      "'*': every zone (DevStack and the demo, all zones on one host). Empty: every copy pulls from the " +
      "source zone's agent.",
    [],
  ),
  shared_read_window_bytes: int(
    'Most bytes of one source an agent holds in memory while it serves several copies of one request from ' +
      'one read (a sync or upload to several targets). A copy that falls this far behind the fastest ' +
      "goes on with a read of its own; a read of this agent's own staging area holds at most 4 MiB of it " +
      '(a second read of a local file costs little). 0: every copy reads the source itself.',
    33554432,
    0,
  ),
  shared_read_join_timeout: int(
    'Seconds the first bytes of a read shared by several copies wait for the copies of the group that ' +
      'did not start reading yet; a copy that comes later reads the source itself.',
    5,
    0,
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
} as const satisfies GroupSpec;
