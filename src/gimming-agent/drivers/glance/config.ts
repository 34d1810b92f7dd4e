/**
 * The options of the OpenStack (Glance) driver: the [glance] TLS group and [agent] glance_interface and
 * glance_timeout, composed into the configuration schema under the names operators already use.
 */
import { type ConfigValues, choice, clientTlsOptions, int } from '../../../common/config/schema';
import type { GimmingConfig } from '../../../common/config/schema';
import type { ConfigFragment } from '../driver';

const AGENT_OPTIONS = {
  glance_interface: choice(
    'Interface of the image endpoints taken from the service catalog.',
    ['public', 'internal', 'admin'] as const,
    'public',
  ),
  glance_timeout: int('Seconds without any progress after which a request to Glance is abandoned.', 300, 1),
  glance_image_size_cap: int(
    "The largest image (bytes) the Glance of this zone's clouds takes: set it to that Glance's own " +
      '[DEFAULT] image_size_cap (which Glance does not show through its API). A copy of a larger image ' +
      'is refused by its plan before any byte moves. 0: no limit.',
    1099511627776,
    0,
  ),
};

const GLANCE_GROUP = {
  ...clientTlsOptions(
    'the image services (Glance) of the shared clouds',
    " The image endpoints of a project's own cloud are verified with [project_clouds] cafile instead.",
  ),
  native_import: choice(
    "Whether a copy into this zone's Glance is made by that Glance itself, which pulls the image from " +
      "the source region's Glance with the user's token (its glance-download import method, Zed and " +
      'later): no byte passes through the agents. auto: wherever this Glance advertises glance-download ' +
      '(GET /v2/info/import) and the source is another region of the same Keystone whose zone allows it ' +
      'too; never: every copy streams through the agents (for example when the agents are on a faster ' +
      "network than the Glance hosts, or the Glance workers' CPU is needed elsewhere).",
    ['auto', 'never'] as const,
    'auto',
  ),
};

export const CONFIG: ConfigFragment = {
  options: { agent: { after: 'flow_control_window', options: AGENT_OPTIONS } },
  groups: { glance: { after: 'oslo_messaging_rabbit', options: GLANCE_GROUP } },
};

export interface GlanceConfig {
  agent: ConfigValues<typeof AGENT_OPTIONS>;
  glance: ConfigValues<typeof GLANCE_GROUP>;
}

/** The driver's options in a loaded configuration (loaded with this fragment composed in). */
export function glanceConfig(config: GimmingConfig): GlanceConfig {
  const groups = config as unknown as Record<string, Record<string, unknown>>;
  return { agent: groups.agent, glance: groups.glance } as unknown as GlanceConfig;
}
