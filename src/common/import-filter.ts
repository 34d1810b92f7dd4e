/**
 * Which URLs an image may be imported from ([import_filtering]), the way Glance's web-download filters
 * them: allowed or disallowed schemes, hosts and ports (an allow list, when set, wins over its deny
 * list), and on top of Glance's rules, no address that is not public unicast (loopback, private,
 * link-local, ...) unless the operator allows its network. The API checks the URL a user gives; the agent
 * checks it again, every redirect, and every address a host name resolves to when it connects.
 */
import ipaddr from 'ipaddr.js';
import type { GimmingConfig } from './config/schema';
import { type Networks, parseNetworks, permittedAddress } from './endpoint-filter';
import { GimmingError } from './errors';

export interface ImportRules {
  allowedSchemes: string[];
  disallowedSchemes: string[];
  allowedHosts: string[];
  disallowedHosts: string[];
  allowedPorts: number[];
  disallowedPorts: number[];
  allowedNetworks: Networks;
  maxRedirects: number;
}

/** Only these are ever fetched, whatever the configuration allows. */
const FETCHABLE = new Set(['http', 'https']);

const lower = (items: string[]) => items.map((i) => i.trim().toLowerCase()).filter((i) => i !== '');

function ports(items: string[], option: string): number[] {
  return items.map((p) => {
    const n = Number(p);
    if (!Number.isInteger(n) || n < 1 || n > 65535) {
      throw new Error(`[import_filtering] ${option}: ${p} is not a port`);
    }
    return n;
  });
}

/** The rules of the configuration; a bad port or network stops the daemon at start-up. */
export function importRules(conf: GimmingConfig['import_filtering']): ImportRules {
  return {
    allowedSchemes: lower(conf.allowed_schemes),
    disallowedSchemes: lower(conf.disallowed_schemes),
    allowedHosts: lower(conf.allowed_hosts).map(canonicalHost),
    disallowedHosts: lower(conf.disallowed_hosts).map(canonicalHost),
    allowedPorts: ports(conf.allowed_ports, 'allowed_ports'),
    disallowedPorts: ports(conf.disallowed_ports, 'disallowed_ports'),
    allowedNetworks: parseNetworks(
      conf.allowed_private_networks,
      '[import_filtering] allowed_private_networks',
    ),
    maxRedirects: conf.max_redirects,
  };
}

function refused(message: string): GimmingError {
  return new GimmingError('gimming.import.url_refused', 400, message);
}

/**
 * A host as the lists compare it: lower case, `[::1]` -> `::1` (URL.hostname keeps the brackets of an
 * IPv6 literal), and without the dots that end a fully qualified name (`example.com.` is `example.com`).
 */
function canonicalHost(host: string): string {
  const lowered = host.toLowerCase();
  if (lowered.startsWith('[') && lowered.endsWith(']')) return lowered.slice(1, -1);
  let end = lowered.length;
  while (end > 0 && lowered.charCodeAt(end - 1) === 0x2e) end -= 1;
  return lowered.slice(0, end);
}

function permitted<T>(value: T, allowed: T[], disallowed: T[]): boolean {
  return allowed.length > 0 ? allowed.includes(value) : !disallowed.includes(value);
}

/**
 * The URL, parsed, when the rules let it be fetched; a 400 saying what is refused otherwise. Credentials
 * in the URL are refused: they would be seen by whoever reads a log or an error of the import.
 */
export function checkImportUrl(rules: ImportRules, raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refused('The import URL is not a valid absolute URL.');
  }
  const scheme = url.protocol.replace(/:$/, '').toLowerCase();
  if (!FETCHABLE.has(scheme) || !permitted(scheme, rules.allowedSchemes, rules.disallowedSchemes)) {
    throw refused(`Importing from ${scheme} URLs is not allowed.`);
  }
  if (url.username || url.password) throw refused('The import URL must not carry credentials.');
  const host = canonicalHost(url.hostname);
  if (host === '') throw refused('The import URL names no host.');
  if (!permitted(host, rules.allowedHosts, rules.disallowedHosts)) {
    throw refused(`Importing from host ${host} is not allowed.`);
  }
  const port = url.port ? Number(url.port) : scheme === 'https' ? 443 : 80;
  if (!permitted(port, rules.allowedPorts, rules.disallowedPorts)) {
    throw refused(`Importing from port ${port} is not allowed.`);
  }
  if (ipaddr.isValid(host)) checkImportAddress(rules, host);
  return url;
}

/** Refuses an address that is not public unicast, unless it lies in a network the operator allows. */
export function checkImportAddress(rules: ImportRules, address: string): void {
  let judged: ReturnType<typeof permittedAddress>;
  try {
    judged = permittedAddress(address, rules.allowedNetworks);
  } catch {
    throw refused(`Address ${address} is not an IP address.`);
  }
  if (!judged.ok) throw refused(`Importing from ${judged.shown} (${judged.range} address) is not allowed.`);
}

/** The URL without query, fragment or credentials: what may appear in a log line. */
export function redactedUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}
