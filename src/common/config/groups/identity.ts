/**
 * Who a request comes from and what it may do: the Keystone service user and token validation
 * ([keystone_authtoken]), and the policy override file ([oslo_policy]).
 */
import { str, int, list, clientTlsOptions, type GroupSpec } from '../option-spec';

export const keystoneAuthtokenOptions = {
  auth_url: str(
    'Keystone identity API endpoint used by the service user, for example http://host:5000/v3.',
    null,
  ),
  www_authenticate_uri: str(
    'Complete public Identity API endpoint announced to clients in the WWW-Authenticate header of a 401 ' +
      'response. Defaults to auth_url.',
    null,
  ),
  auth_type: str('Authentication type of the service user. Only password is supported.', 'password'),
  username: str('Name of the GIMinG service user.', 'gimming'),
  password: str('Password of the GIMinG service user.', null, { sensitive: true }),
  project_name: str('Project the service user is scoped to.', 'service'),
  user_domain_name: str('Domain of the service user.', 'Default'),
  project_domain_name: str('Domain of the service project.', 'Default'),
  region_name: str('Region the identity endpoint is in.', null),
  token_cache_time: int(
    'Seconds a validated token is kept in memory before it is validated again. Set to 0 to validate ' +
      'every request.',
    60,
  ),
  http_connect_timeout: int('Seconds to wait for Keystone to answer a request.', 10, 1),
  service_token_roles: list(
    'Roles the service user must hold for its token to be accepted as a service token.',
    ['service', 'admin'],
  ),
  ...clientTlsOptions('the identity service (Keystone)'),
} as const satisfies GroupSpec;

export const osloPolicyOptions = {
  policy_file: str(
    'The policy file (yaml) whose rules override the defaults in code. Relative paths are taken from the ' +
      'working directory. A missing file means the defaults; an unknown rule or a check that does not parse ' +
      'stops gimming-api at start-up.',
    '/etc/gimming/policy.yaml',
  ),
} as const satisfies GroupSpec;
