/**
 * The configuration of every GIMinG daemon: one schema, one ini file (`gimming.conf`).
 *
 * Groups and option names follow OpenStack's so DevStack's helpers (`iniset`, `iniset_rpc_backend`,
 * `configure_keystone_authtoken_middleware`) write them as they are. Every option has help text in
 * oslo.config's style; the sample file is generated from this schema (`gimming-config-generator`).
 * Environment overrides are named mechanically: `[database] connection` -> `OS_DATABASE__CONNECTION`.
 */
import { apiOptions, cloudCredentialsOptions, healthcheckOptions } from './groups/api';
import { agentOptions } from './groups/agent';
import { conductorOptions, quotaOptions } from './groups/conductor';
import { keystoneAuthtokenOptions, osloPolicyOptions } from './groups/identity';
import {
  osloMessagingNotificationsOptions,
  osloMessagingRabbitOptions,
  upgradeLevelsOptions,
} from './groups/messaging';
import { metricsOptions } from './groups/metrics';
import { importFilteringOptions, keyManagerOptions, projectCloudsOptions } from './groups/outbound';
import { databaseOptions, defaultOptions } from './groups/service';
import { webhooksOptions } from './groups/webhooks';
import { familiesOptions } from './groups/families';
import type { GroupSpec } from './option-spec';

export { type GroupSpec, type OptionSpec, choice, clientTlsOptions, int } from './option-spec';

/** The groups in the order of the sample file and the reference. */
export const SCHEMA = {
  DEFAULT: defaultOptions,
  database: databaseOptions,
  keystone_authtoken: keystoneAuthtokenOptions,
  api: apiOptions,
  cloud_credentials: cloudCredentialsOptions,
  oslo_policy: osloPolicyOptions,
  healthcheck: healthcheckOptions,
  metrics: metricsOptions,
  conductor: conductorOptions,
  agent: agentOptions,
  quota: quotaOptions,
  families: familiesOptions,
  oslo_messaging_rabbit: osloMessagingRabbitOptions,
  oslo_messaging_notifications: osloMessagingNotificationsOptions,
  upgrade_levels: upgradeLevelsOptions,
  import_filtering: importFilteringOptions,
  project_clouds: projectCloudsOptions,
  key_manager: keyManagerOptions,
  webhooks: webhooksOptions,
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
