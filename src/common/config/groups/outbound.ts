/**
 * What the daemons may reach on behalf of users: import URLs ([import_filtering]), project clouds
 * ([project_clouds]) and the key manager holding their credentials ([key_manager]).
 */
import { str, int, list, choice, clientTlsOptions, type GroupSpec } from '../option-spec';

export const importFilteringOptions = {
  allowed_schemes: list(
    'URL schemes an image may be imported from (source.url). When empty, any scheme not in ' +
      'disallowed_schemes (only http and https are ever fetched).',
    ['http', 'https'],
  ),
  disallowed_schemes: list('URL schemes refused when allowed_schemes is empty.', []),
  allowed_hosts: list(
    'Host names or IP addresses an image may be imported from. When empty, any host not in ' +
      'disallowed_hosts.',
    [],
  ),
  disallowed_hosts: list('Host names or IP addresses refused when allowed_hosts is empty.', []),
  allowed_ports: list('Ports an image may be imported from. When empty, any port not in disallowed_ports.', [
    '80',
    '443',
  ]),
  disallowed_ports: list('Ports refused when allowed_ports is empty.', []),
  allowed_private_networks: list(
    'Networks (CIDR) that are not public but may still be imported from, for example 10.0.0.0/8 for an ' +
      'internal mirror. Every address an import URL or one of its redirects resolves to must be a public ' +
      'unicast address or lie in one of these: loopback, private, link-local and other special ranges ' +
      'are refused otherwise.',
    [],
  ),
  max_redirects: int('Redirects an import follows, each checked like the first URL.', 5),
  cafile: str(
    'A PEM encoded CA bundle trusted, besides the CAs of the system, when an image is imported from an ' +
      'https URL (an internal mirror with its own CA).',
    null,
  ),
} as const satisfies GroupSpec;

export const projectCloudsOptions = {
  allowed_private_networks: list(
    'Networks (CIDR) that are not public but that the identity service (auth_url) and image endpoint of a ' +
      "project's own cloud may still lie in, for example 10.0.0.0/8 for clouds inside the operator's " +
      'network. Otherwise only public unicast addresses are used: loopback, private, link-local (such as ' +
      'a metadata service) and other special ranges are refused.',
    [],
  ),
  cafile: str(
    'A PEM encoded CA bundle trusted, besides the CAs of the system, when the identity service or image ' +
      "endpoint of a project's own cloud is reached over HTTPS. Certificate verification cannot be turned " +
      'off for project clouds.',
    null,
  ),
} as const satisfies GroupSpec;

export const keyManagerOptions = {
  interface: choice(
    'Interface of the key-manager (Barbican) endpoints taken from the service catalog, where the secrets ' +
      "holding project clouds' credentials (credentials_ref) are read.",
    ['public', 'internal', 'admin'] as const,
    'public',
  ),
  region_name: str('Region of the key-manager endpoint; empty for the first one of any region.', ''),
  timeout: int('Seconds a request to the key manager may take.', 30, 1),
  ...clientTlsOptions('the key manager (Barbican)'),
} as const satisfies GroupSpec;
