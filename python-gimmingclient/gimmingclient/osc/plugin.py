"""The openstack client plugin: ``openstack gimming <object> <verb>``.

osc-lib finds this module through the ``openstack.cli.extension`` entry point
and the commands through ``openstack.image_manager.v1``. The client gets the
openstack client's keystoneauth1 session, so clouds.yaml, ``OS_*`` and every
auth type work as for any other service.
"""

import logging

from osc_lib import utils

LOG = logging.getLogger(__name__)

API_NAME = 'image_manager'
API_VERSION_OPTION = 'os_image_manager_api_version'
DEFAULT_API_VERSION = '1'
API_VERSIONS = {'1': 'gimmingclient.v1.client.Client'}
SERVICE_TYPE = 'image-manager'


def _read_credentials(path):
    import yaml

    from osc_lib import exceptions
    try:
        with open(path) as f:
            parsed = yaml.safe_load(f)
    except (OSError, yaml.YAMLError) as e:
        raise exceptions.CommandError(
            'Cannot read the cloud credentials file %s: %s' % (path, e))
    if not isinstance(parsed, dict):
        raise exceptions.CommandError(
            'The cloud credentials file %s must hold an object of cloud '
            'names.' % path)
    return parsed


def split_version(version):
    """``--os-image-manager-api-version`` as (major, microversion): ``1``
    is the v1 client at the highest microversion both sides know (None),
    ``1.N`` and ``latest`` ask for that microversion."""
    text = str(version or DEFAULT_API_VERSION).strip()
    if text.lower() == 'latest':
        return DEFAULT_API_VERSION, 'latest'
    if '.' in text:
        return text.split('.')[0], text
    return text, None


def make_client(instance):
    """The GIMinG client on the openstack client's session."""
    major, microversion = split_version(instance._api_version[API_NAME])
    cls = utils.get_client_class(API_NAME, major, API_VERSIONS)
    config = instance.get_configuration()
    override = config.get('image_manager_endpoint_override')
    credentials = config.get('gimming_cloud_credentials')
    LOG.debug('GIMinG client: endpoint %s, region %s, interface %s',
              override or '(catalog)', instance.region_name,
              instance.interface)
    return cls(session=instance.session, endpoint_override=override,
               region_name=instance.region_name,
               interface=instance.interface,
               cloud_credentials=_read_credentials(credentials)
               if credentials else None,
               api_version=microversion)


def build_option_parser(parser):
    """The plugin's global options."""
    parser.add_argument(
        '--os-image-manager-api-version',
        metavar='<image-manager-api-version>',
        default=utils.env('OS_IMAGE_MANAGER_API_VERSION'),
        help='GIMinG API version: 1 (the highest microversion both the '
             'server and this client know, the default), a microversion '
             '1.N, or latest (Env: OS_IMAGE_MANAGER_API_VERSION)')
    parser.add_argument(
        '--os-image-manager-endpoint-override',
        metavar='<url>',
        default=utils.env('OS_IMAGE_MANAGER_ENDPOINT_OVERRIDE'),
        help='GIMinG\'s URL, instead of the image-manager endpoint of the '
             'catalog (Env: OS_IMAGE_MANAGER_ENDPOINT_OVERRIDE; clouds.yaml: '
             'image_manager_endpoint_override)')
    parser.add_argument(
        '--gimming-cloud-credentials',
        metavar='<file>',
        default=utils.env('GIMMING_CLOUD_CREDENTIALS'),
        help='A JSON or YAML file of credentials for project clouds with '
             'their own identity service, by cloud name, sent with every '
             'call (Env: GIMMING_CLOUD_CREDENTIALS)')
    return parser
