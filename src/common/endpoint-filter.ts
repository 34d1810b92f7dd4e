/**
 * Which addresses the endpoints of a project cloud with its own identity service may have. Its auth_url
 * comes from a project, and the image endpoint from that cloud's own catalog: without a check, a project
 * could make an agent send requests (with credentials) to the agent's own network, the cloud's metadata
 * service or any internal host. Only public unicast addresses are used, unless the operator allows a
 * network in `[project_clouds] allowed_private_networks`, as for import URLs.
 *
 * The check resolves the host name itself; a name that resolves differently when the connection is made
 * (DNS rebinding) is not caught here.
 */
import { lookup } from 'node:dns/promises';
import * as ipaddr from 'ipaddr.js';
import { GimmingError, unavailable } from './errors';

export type Networks = Array<[ipaddr.IPv4 | ipaddr.IPv6, number]>;

/** The networks of the configuration; a bad one stops the daemon at start-up. */
export function parseNetworks(cidrs: string[], option: string): Networks {
  return cidrs.map((cidr) => {
    try {
      return ipaddr.parseCIDR(cidr.trim());
    } catch {
      throw new Error(`${option}: ${cidr} is not a network (CIDR)`);
    }
  });
}

/**
 * Whether an address may be reached: public unicast, or in one of the networks an operator allows; also
 * what it is (as judged, and its range) for the caller's message. Shared with the import filter. Throws
 * on what is not an IP address.
 */
export function permittedAddress(
  address: string,
  networks: Networks,
): { ok: boolean; shown: string; range: string } {
  const parsed = ipaddr.process(address); // IPv4-mapped IPv6 addresses are judged as the IPv4 they are
  const ok =
    parsed.range() === 'unicast' ||
    networks.some(([net, bits]) => net.kind() === parsed.kind() && parsed.match(net, bits));
  return { ok, shown: parsed.toString(), range: parsed.range() };
}

/** Refuses (400) a URL whose host is, or resolves to, an address project clouds may not use. */
export async function checkProjectCloudUrl(raw: string, networks: Networks, what: string): Promise<void> {
  const url = new URL(raw);
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  let addresses: string[];
  if (ipaddr.isValid(host)) addresses = [host];
  else {
    try {
      addresses = (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
    } catch (err) {
      throw unavailable(
        'gimming.cloud.endpoint_unresolved',
        `The ${what} host ${host} does not resolve.`,
        err,
      );
    }
  }
  for (const address of addresses) {
    const { ok, shown, range } = permittedAddress(address, networks);
    if (!ok) {
      throw new GimmingError(
        'gimming.cloud.endpoint_refused',
        400,
        `The ${what} ${host} is ${shown} (${range} address), which a project cloud may not use; an ` +
          'operator may allow its network in [project_clouds] allowed_private_networks.',
      );
    }
  }
}
