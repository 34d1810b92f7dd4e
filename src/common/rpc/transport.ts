/**
 * `transport_url` in oslo.messaging's form, turned into amqplib connection URLs.
 *
 * rabbit://user:pass@host1:5672,user:pass@host2:5672/vhost gives one URL per broker; the connection
 * manager tries them in turn, which is how a RabbitMQ cluster is reached. TLS is used for amqps://, for a
 * `?ssl=1` query, or with `[oslo_messaging_rabbit] ssl`, verified against `ssl_ca_file` (or the CAs of
 * the system), with a client certificate when `ssl_cert_file` and `ssl_key_file` are set.
 */
import { readFileSync } from 'node:fs';
import type { Backoff } from '../backoff';

export interface RabbitTlsSettings {
  ssl: boolean;
  ssl_ca_file: string | null;
  ssl_cert_file: string | null;
  ssl_key_file: string | null;
}

/** What amqplib is given for TLS: whether to use it, and the options of its TLS socket. */
export interface BrokerTls {
  ssl: boolean;
  socketOptions: { ca?: Buffer; cert?: Buffer; key?: Buffer };
}

function readOption(option: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new Error(`[oslo_messaging_rabbit] ${option}: cannot read ${path} (${(err as Error).message})`, {
      cause: err,
    });
  }
}

/** The TLS of `[oslo_messaging_rabbit]`, its files read (a daemon stops at start-up on a missing one). */
export function brokerTls(conf: RabbitTlsSettings | undefined): BrokerTls {
  if (!conf) return { ssl: false, socketOptions: {} };
  if (!!conf.ssl_cert_file !== !!conf.ssl_key_file) {
    throw new Error('[oslo_messaging_rabbit] ssl_cert_file and ssl_key_file must be set together');
  }
  return {
    ssl: conf.ssl,
    socketOptions: {
      ...(conf.ssl_ca_file ? { ca: readOption('ssl_ca_file', conf.ssl_ca_file) } : {}),
      ...(conf.ssl_cert_file ? { cert: readOption('ssl_cert_file', conf.ssl_cert_file) } : {}),
      ...(conf.ssl_key_file ? { key: readOption('ssl_key_file', conf.ssl_key_file) } : {}),
    },
  };
}

/** How durable queues are declared and how a lost broker is reconnected ([oslo_messaging_rabbit]). */
export interface BrokerOptions {
  /** Durable queues as quorum queues (rabbit_quorum_queue). */
  quorumQueues: boolean;
  /** The waits between reconnections (rabbit_retry_interval, doubling up to rabbit_interval_max). */
  reconnect: Backoff;
}

export const DEFAULT_BROKER_OPTIONS: BrokerOptions = {
  quorumQueues: false,
  reconnect: { initialMs: 1000, factor: 2, maxMs: 30000 },
};

export function brokerOptions(
  conf:
    { rabbit_quorum_queue: boolean; rabbit_retry_interval: number; rabbit_interval_max: number } | undefined,
): BrokerOptions {
  if (!conf) return DEFAULT_BROKER_OPTIONS;
  return {
    quorumQueues: conf.rabbit_quorum_queue,
    reconnect: {
      initialMs: conf.rabbit_retry_interval * 1000,
      factor: 2,
      maxMs: Math.max(conf.rabbit_retry_interval, conf.rabbit_interval_max) * 1000,
    },
  };
}

export interface BrokerUrl {
  url: string;
  /** The URL without its password, for log lines. */
  display: string;
}

/** One URL per broker; `ssl` ([oslo_messaging_rabbit] ssl) makes every one of them amqps. */
export function parseTransportUrl(transportUrl: string, ssl = false): BrokerUrl[] {
  const match = /^(rabbit|amqp|amqps)(?:\+[a-z0-9]+)?:\/\/([^/?]*)(?:\/([^?]*))?(?:\?(.*))?$/i.exec(
    transportUrl.trim(),
  );
  if (!match) {
    throw new Error('transport_url must look like rabbit://user:pass@host:port/vhost');
  }
  const query = new URLSearchParams(match[4] ?? '');
  const sslQuery = ['1', 'true', 'yes', 'on'].includes((query.get('ssl') ?? '').toLowerCase());
  const tls = (match[1] as string).toLowerCase() === 'amqps' || ssl || sslQuery;
  const scheme = tls ? 'amqps' : 'amqp';
  const hosts = (match[2] as string).split(',').filter((h) => h !== '');
  const vhostPart = match[3] ?? '';
  const vhost = vhostPart === '' ? '/' : decodeURIComponent(vhostPart);
  if (hosts.length === 0) throw new Error('transport_url names no broker host');
  return hosts.map((hostPart) => {
    const at = hostPart.lastIndexOf('@');
    const creds = at >= 0 ? hostPart.slice(0, at) : '';
    const address = at >= 0 ? hostPart.slice(at + 1) : hostPart;
    const [user, pass] = creds.includes(':')
      ? [creds.slice(0, creds.indexOf(':')), creds.slice(creds.indexOf(':') + 1)]
      : [creds, ''];
    const defaultPort = (match[1] as string).toLowerCase() === 'amqps' ? 5671 : 5672;
    const hostPort = address.includes(':') || address.startsWith('[') ? address : `${address}:${defaultPort}`;
    const auth = user ? `${user}:${pass}@` : '';
    const encodedVhost = encodeURIComponent(vhost);
    return {
      url: `${scheme}://${auth}${hostPort}/${encodedVhost}?heartbeat=30`,
      display: `${scheme}://${user ? `${user}:***@` : ''}${hostPort}/${encodedVhost}`,
    };
  });
}
