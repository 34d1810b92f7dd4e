/**
 * Which addresses the endpoints of a project cloud with its own identity service may have. Its auth_url
 * comes from a project, and the image endpoint from that cloud's own catalog: without a check, a project
 * could make an agent send requests (with credentials) to the agent's own network, the cloud's metadata
 * service or any internal host. Only public unicast addresses are used, unless the operator allows a
 * network in `[project_clouds] allowed_private_networks`, as for import URLs.
 *
 * The check resolves the host name once and hands back the addresses it judged: connections are made to
 * those (a `lookup` that answers them), so a name that resolves differently later (DNS rebinding) cannot
 * send the agent elsewhere.
 */
import type { LookupAddress } from 'node:dns';
import { lookup } from 'node:dns/promises';
import type { LookupFunction } from 'node:net';
import * as ipaddr from 'ipaddr.js';
import { GimmingError, unavailable } from './errors';

/** Resolves a host name to all its addresses (node:dns by default; a test may answer for it). */
export type Resolver = (host: string) => Promise<LookupAddress[]>;

const systemResolver: Resolver = (host) => lookup(host, { all: true, verbatim: true });

/** A URL that passed the check, with the addresses it was judged by: the only ones to connect to. */
export interface CheckedUrl {
  url: string;
  addresses: LookupAddress[];
  /** For http.request's `lookup`: answers the checked addresses, never asks DNS again. */
  lookup: LookupFunction;
}

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
  // IPv4-mapped IPv6 addresses are judged as the IPv4 they are.
  const v6 = address.includes(':') ? ipaddr.IPv6.parse(canonicalIPv6(address)) : undefined;
  const parsed = v6?.isIPv4MappedAddress() ? v6.toIPv4Address() : (v6 ?? ipaddr.IPv4.parse(address));
  const range = ipv4Compatible(parsed) ? 'ipv4Compatible' : parsed.range();
  const ok =
    range === 'unicast' ||
    networks.some(([net, bits]) => net.kind() === parsed.kind() && parsed.match(net, bits));
  return { ok, shown: parsed.toString(), range };
}

/**
 * An IPv6 address in the URL standard's form (`::127.0.0.1` -> `::7f00:1`), zone dropped: ipaddr.js reads
 * a dotted tail as IPv4-mapped (`::127.0.0.1` as `::ffff:127.0.0.1`), which would judge the
 * IPv4-compatible form as the IPv4 address when written one way and not the other.
 */
function canonicalIPv6(address: string): string {
  const zone = address.indexOf('%');
  const bare = zone >= 0 ? address.slice(0, zone) : address;
  try {
    return new URL(`http://[${bare}]/`).hostname.slice(1, -1);
  } catch {
    return bare; // not an address: ipaddr.js says so
  }
}

/**
 * `::a.b.c.d`, the IPv4-compatible form (deprecated by RFC 4291): ipaddr.js calls it unicast, but the
 * address it carries is an IPv4 one (`::127.0.0.1`), which some stacks reach. `::` and `::1` have ranges.
 */
function ipv4Compatible(address: ipaddr.IPv4 | ipaddr.IPv6): boolean {
  if (address.kind() !== 'ipv6') return false;
  const parts = (address as ipaddr.IPv6).parts;
  return parts.slice(0, 6).every((p) => p === 0) && (parts[6] !== 0 || (parts[7] ?? 0) > 1);
}

/**
 * Refuses (400) a URL whose host is, or resolves to, an address project clouds may not use; otherwise the
 * URL with the addresses to connect to.
 */
export async function checkProjectCloudUrl(
  raw: string,
  networks: Networks,
  what: string,
  resolve: Resolver = systemResolver,
): Promise<CheckedUrl> {
  const url = new URL(raw);
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  let addresses: LookupAddress[];
  if (ipaddr.isValid(host)) addresses = [{ address: host, family: host.includes(':') ? 6 : 4 }];
  else {
    try {
      addresses = await resolve(host);
    } catch (err) {
      throw unresolved(what, host, err);
    }
    if (addresses.length === 0) throw unresolved(what, host);
  }
  for (const { address } of addresses) {
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
  return { url: raw, addresses, lookup: pinnedLookup(addresses) };
}

function unresolved(what: string, host: string, err?: unknown): GimmingError {
  return unavailable('gimming.cloud.endpoint_unresolved', `The ${what} host ${host} does not resolve.`, err);
}

/** A `lookup` for net/http that answers only `addresses` (of the family asked for, when one is). */
export function pinnedLookup(addresses: readonly LookupAddress[]): LookupFunction {
  return (hostname, options, callback) => {
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
    const answers = family === 4 || family === 6 ? addresses.filter((a) => a.family === family) : addresses;
    const first = answers[0];
    if (!first) {
      const err: NodeJS.ErrnoException = new Error(`no checked address of ${hostname} for family ${family}`);
      err.code = 'ENOTFOUND';
      callback(err, '', 0);
    } else if (options.all) {
      (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, [...answers]);
    } else {
      callback(null, first.address, first.family);
    }
  };
}
