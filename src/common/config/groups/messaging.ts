/**
 * RabbitMQ ([oslo_messaging_rabbit]: TLS, quorum queues, reconnection) and where notifications go
 * ([oslo_messaging_notifications]).
 */
import { str, bool, int, list, type GroupSpec } from '../option-spec';

export const osloMessagingRabbitOptions = {
  ssl: bool(
    'Connect to RabbitMQ over TLS, as an amqps:// transport_url does. The server certificate is verified ' +
      'against ssl_ca_file, or the CAs of the system.',
    false,
  ),
  ssl_ca_file: str('A PEM encoded CA bundle to verify the RabbitMQ server certificate with.', null),
  ssl_cert_file: str('A PEM encoded client certificate to present to RabbitMQ. Needs ssl_key_file.', null),
  ssl_key_file: str('The PEM encoded private key of ssl_cert_file.', null),
  rabbit_quorum_queue: bool(
    "Declare the durable queues (the topics' queues the conductor and the agents consume, the heartbeat " +
      'queue, the notification queues) as quorum queues (x-queue-type=quorum), replicated on the nodes of ' +
      'a RabbitMQ cluster, so that they outlive the loss of a node. Needs RabbitMQ 3.10 or later. A queue ' +
      'already declared as a classic queue is not changed: delete it (rabbitmqctl delete_queue) when ' +
      'turning this on. Quorum queues keep every message on disk, calls included.',
    false,
  ),
  rabbit_retry_interval: int(
    'Seconds before the first reconnection to RabbitMQ after the connection was lost. Each host of ' +
      'transport_url is tried in turn; every failed attempt doubles the wait, up to rabbit_interval_max, ' +
      'and each wait is drawn between half and all of it (jitter).',
    1,
    1,
  ),
  // Short by default (oslo's is 30): a daemon still waiting out a long backoff after the broker came back
  // is an agent the conductors take for dead, and the copies it was to serve fail for want of one.
  rabbit_interval_max: int(
    "The longest wait, in seconds, between two reconnections to RabbitMQ. Keep it under the agents' " +
      'heartbeat timeout, or a broker restart can leave a zone without a live agent meanwhile.',
    4,
    1,
  ),
} as const satisfies GroupSpec;

export const osloMessagingNotificationsOptions = {
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
} as const satisfies GroupSpec;

export const upgradeLevelsOptions = {
  conductor: str(
    'The highest conductor RPC version this service sends, as in nova: "auto" (the oldest version of the ' +
      'conductors alive, as they record themselves in the database; asked of a conductor every 30 s), a ' +
      'version (major.minor, for example 1.12) to pin it by hand, or empty for no cap. A call that needs a ' +
      'newer version than the cap is refused (409 gimming.rpc.version_capped) rather than sent to a ' +
      'conductor that cannot serve it; every other call is sent at the version it needs, which every newer ' +
      'conductor serves. Read by gimming-api. Daemons older than this option refuse a configuration file ' +
      'that names [upgrade_levels]: set it only in the files of upgraded daemons.',
    'auto',
  ),
} as const satisfies GroupSpec;
