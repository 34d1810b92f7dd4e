/**
 * Where the client's credentials come from, as the openstack client finds them: a named cloud of
 * `clouds.yaml` (the current directory, then ~/.config/openstack, then /etc/openstack, with
 * `secure.yaml` beside it merged in), chosen with --os-cloud or OS_CLOUD; otherwise the OS_* environment
 * variables. Options given on the command line win over both.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { GimmingClientError } from './errors';

export interface AuthConfig {
  auth_url?: string;
  auth_type?: string;
  username?: string;
  user_id?: string;
  password?: string;
  project_name?: string;
  project_id?: string;
  user_domain_name?: string;
  user_domain_id?: string;
  project_domain_name?: string;
  project_domain_id?: string;
  token?: string;
  application_credential_id?: string;
  application_credential_name?: string;
  application_credential_secret?: string;
}

export interface CloudConfig {
  auth: AuthConfig;
  region_name?: string;
  interface?: string;
  /** The GIMinG endpoint, instead of the one in the Keystone catalog. */
  endpoint_override?: string;
  /** A CA bundle to verify Keystone and GIMinG with, instead of the CAs of the system. */
  cacert?: string;
  /** False: certificates are not verified (clouds.yaml `verify: false`, `--insecure`). */
  verify?: boolean;
  /** A client certificate, and its key, for services that ask for one. */
  cert?: string;
  key?: string;
}

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off', '']);

/** A boolean of clouds.yaml or the environment, as the openstack client reads it. */
export function parseBool(value: unknown, what: string): boolean {
  if (typeof value === 'boolean') return value;
  const text = String(value).trim().toLowerCase();
  if (TRUE.has(text)) return true;
  if (FALSE.has(text)) return false;
  throw new GimmingClientError(`${what}: ${String(value)} is not a boolean.`, 0, 'client.config');
}

/** The directories clouds.yaml is looked for in, in order. */
export function configDirs(cwd = process.cwd()): string[] {
  return [cwd, join(homedir(), '.config', 'openstack'), '/etc/openstack'];
}

function readYaml(path: string): Record<string, unknown> {
  // As openstacksdk (PyYAML) reads it: a key given twice is accepted and the last one wins. DevStack
  // appends a second top-level `functional:` to clouds.yaml on every stack.sh.
  const parsed = parseYaml(readFileSync(path, 'utf8'), { uniqueKeys: false }) as unknown;
  return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
}

function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b)
        ? merge(b as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

/** Cloud `name` from the first clouds.yaml that has it (and the secure.yaml beside it). */
export function cloudFromFiles(name: string, dirs = configDirs()): CloudConfig {
  // OS_CLIENT_CONFIG_FILE names a clouds.yaml to read before the usual places (as openstacksdk does).
  const explicit = process.env.OS_CLIENT_CONFIG_FILE;
  const places: Array<[string, string]> = [
    ...(explicit ? [[dirname(explicit), basename(explicit)] as [string, string]] : []),
    ...dirs.flatMap((dir) => [
      [dir, 'clouds.yaml'] as [string, string],
      [dir, 'clouds.yml'] as [string, string],
    ]),
  ];
  for (const [dir, file] of places) {
    {
      const path = join(dir, file);
      if (!existsSync(path)) continue;
      const clouds = (readYaml(path).clouds ?? {}) as Record<string, Record<string, unknown>>;
      if (!clouds[name]) continue;
      let cloud = clouds[name];
      for (const secure of ['secure.yaml', 'secure.yml']) {
        const sp = join(dir, secure);
        if (!existsSync(sp)) continue;
        const extra = ((readYaml(sp).clouds ?? {}) as Record<string, Record<string, unknown>>)[name];
        if (extra) cloud = merge(cloud, extra);
      }
      const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
      const authType = str(cloud.auth_type);
      const region = str(cloud.region_name);
      const iface = str(cloud.interface);
      const [cacert, cert, key] = [str(cloud.cacert), str(cloud.cert), str(cloud.key)];
      // `verify: false`, or os-client-config's older `insecure: true`.
      const verify =
        cloud.verify !== undefined
          ? parseBool(cloud.verify, `clouds.yaml verify of cloud ${name}`)
          : cloud.insecure !== undefined
            ? !parseBool(cloud.insecure, `clouds.yaml insecure of cloud ${name}`)
            : undefined;
      return {
        auth: { ...((cloud.auth ?? {}) as AuthConfig), ...(authType ? { auth_type: authType } : {}) },
        ...(region ? { region_name: region } : {}),
        ...(iface ? { interface: iface } : {}),
        ...(cacert ? { cacert } : {}),
        ...(cert ? { cert } : {}),
        ...(key ? { key } : {}),
        ...(verify !== undefined ? { verify } : {}),
      };
    }
  }
  throw new GimmingClientError(
    `Cloud ${name} was not found in clouds.yaml (looked in ${places.map(([d, f]) => join(d, f)).join(', ')}).`,
    0,
    'client.config',
  );
}

const ENV_AUTH: Array<[string, keyof AuthConfig]> = [
  ['OS_AUTH_URL', 'auth_url'],
  ['OS_AUTH_TYPE', 'auth_type'],
  ['OS_USERNAME', 'username'],
  ['OS_USER_ID', 'user_id'],
  ['OS_PASSWORD', 'password'],
  ['OS_PROJECT_NAME', 'project_name'],
  ['OS_TENANT_NAME', 'project_name'],
  ['OS_PROJECT_ID', 'project_id'],
  ['OS_TENANT_ID', 'project_id'],
  ['OS_USER_DOMAIN_NAME', 'user_domain_name'],
  ['OS_USER_DOMAIN_ID', 'user_domain_id'],
  ['OS_PROJECT_DOMAIN_NAME', 'project_domain_name'],
  ['OS_PROJECT_DOMAIN_ID', 'project_domain_id'],
  ['OS_TOKEN', 'token'],
  ['OS_APPLICATION_CREDENTIAL_ID', 'application_credential_id'],
  ['OS_APPLICATION_CREDENTIAL_NAME', 'application_credential_name'],
  ['OS_APPLICATION_CREDENTIAL_SECRET', 'application_credential_secret'],
];

/** The cloud the OS_* variables describe. */
export function cloudFromEnv(env: NodeJS.ProcessEnv = process.env): CloudConfig {
  const auth: AuthConfig = {};
  for (const [name, key] of ENV_AUTH) {
    const value = env[name];
    if (value && auth[key] === undefined) auth[key] = value;
  }
  return {
    auth,
    ...(env.OS_REGION_NAME ? { region_name: env.OS_REGION_NAME } : {}),
    ...(env.OS_INTERFACE ? { interface: env.OS_INTERFACE } : {}),
    ...(env.OS_ENDPOINT_OVERRIDE ? { endpoint_override: env.OS_ENDPOINT_OVERRIDE } : {}),
    ...tlsFromEnv(env),
  };
}

/** OS_CACERT, OS_CERT, OS_KEY and OS_INSECURE, as the openstack client reads them. */
export function tlsFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): Pick<CloudConfig, 'cacert' | 'cert' | 'key' | 'verify'> {
  return {
    ...(env.OS_CACERT ? { cacert: env.OS_CACERT } : {}),
    ...(env.OS_CERT ? { cert: env.OS_CERT } : {}),
    ...(env.OS_KEY ? { key: env.OS_KEY } : {}),
    ...(env.OS_INSECURE && parseBool(env.OS_INSECURE, 'OS_INSECURE') ? { verify: false } : {}),
  };
}

/** A named cloud (flag, then OS_CLOUD) or the environment; then the explicit overrides. */
export function resolveCloud(
  opts: { cloud?: string; overrides?: Partial<CloudConfig> & { auth?: AuthConfig } },
  env: NodeJS.ProcessEnv = process.env,
): CloudConfig {
  const name = opts.cloud ?? env.OS_CLOUD;
  const base = name ? cloudFromFiles(name) : cloudFromEnv(env);
  const over = opts.overrides ?? {};
  const defined = <T extends object>(o: T) =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== '')) as Partial<T>;
  return {
    ...base,
    ...defined({ ...over, auth: undefined }),
    auth: { ...base.auth, ...defined(over.auth ?? {}) },
  };
}
