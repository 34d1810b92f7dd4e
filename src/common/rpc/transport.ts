/**
 * `transport_url` in oslo.messaging's form, turned into amqplib connection URLs.
 *
 * rabbit://user:pass@host1:5672,user:pass@host2:5672/vhost gives one URL per broker; the connection
 * manager tries them in turn, which is how a RabbitMQ cluster is reached.
 */
export interface BrokerUrl {
  url: string;
  /** The URL without its password, for log lines. */
  display: string;
}

export function parseTransportUrl(transportUrl: string): BrokerUrl[] {
  const match = /^(rabbit|amqp|amqps)(?:\+[a-z0-9]+)?:\/\/([^/]*)(?:\/(.*))?$/i.exec(transportUrl.trim());
  if (!match) {
    throw new Error('transport_url must look like rabbit://user:pass@host:port/vhost');
  }
  const scheme = (match[1] as string).toLowerCase() === 'amqps' ? 'amqps' : 'amqp';
  const hosts = (match[2] as string).split(',').filter((h) => h !== '');
  const vhostPart = (match[3] ?? '').split('?')[0] ?? '';
  const vhost = vhostPart === '' ? '/' : decodeURIComponent(vhostPart);
  if (hosts.length === 0) throw new Error('transport_url names no broker host');
  return hosts.map((hostPart) => {
    const at = hostPart.lastIndexOf('@');
    const creds = at >= 0 ? hostPart.slice(0, at) : '';
    const address = at >= 0 ? hostPart.slice(at + 1) : hostPart;
    const [user, pass] = creds.includes(':')
      ? [creds.slice(0, creds.indexOf(':')), creds.slice(creds.indexOf(':') + 1)]
      : [creds, ''];
    const hostPort = address.includes(':') || address.startsWith('[') ? address : `${address}:5672`;
    const auth = user ? `${user}:${pass}@` : '';
    const encodedVhost = encodeURIComponent(vhost);
    return {
      url: `${scheme}://${auth}${hostPort}/${encodedVhost}?heartbeat=30`,
      display: `${scheme}://${user ? `${user}:***@` : ''}${hostPort}/${encodedVhost}`,
    };
  });
}
