"""The GIMinG API v1 client: one manager per REST resource.

    from keystoneauth1 import loading, session
    from gimmingclient import client

    auth = loading.get_plugin_loader('password').load_from_options(...)
    gimming = client.Client('1', session=session.Session(auth=auth))
    for image in gimming.images.list(status='active'):
        print(image['name'], [l['cloud'] for l in image['locations']])
    # What a deployment boots: the image behind a family's channel, by cloud.
    ids = gimming.families.id_map('ubuntu-24.04', 'stable')

Or from clouds.yaml with ``openstack.config``:
``Client(session=openstack.config.get_cloud_region(cloud='x').get_session())``.
"""

from gimmingclient.v1 import clouds
from gimmingclient.v1 import families
from gimmingclient.v1 import http
from gimmingclient.v1 import images
from gimmingclient.v1 import tasks
from gimmingclient.v1 import webhooks


class Client(object):
    """A client of the API v1 on a keystoneauth1 session.

    ``endpoint_override`` skips the catalog; otherwise the ``image-manager``
    endpoint of ``interface`` (and ``region_name``) is used.
    ``cloud_credentials`` maps a project cloud's name to its ``auth``, for
    clouds with their own identity service. ``api_version`` is the REST
    microversion (``'1.N'`` or ``'latest'``); by default the highest both the
    server and this client know (see ``gimmingclient.v1.api_versions``).
    """

    def __init__(self, session=None, endpoint_override=None, region_name=None,
                 interface='public', user_agent=http.USER_AGENT,
                 cloud_credentials=None, timeout=None, api_version=None,
                 **kwargs):
        if session is None:
            raise ValueError('A keystoneauth1 session is required.')
        self.http = http.HTTPClient(
            session, endpoint_override=endpoint_override,
            region_name=region_name, interface=interface,
            user_agent=user_agent, cloud_credentials=cloud_credentials,
            timeout=timeout, api_version=api_version)
        self.clouds = clouds.CloudManager(self.http)
        self.families = families.FamilyManager(self.http)
        self.images = images.ImageManager(self.http)
        self.tasks = tasks.TaskManager(self.http)
        self.webhooks = webhooks.WebhookManager(self.http)

    def matrix(self, name=None, clouds=None, all_projects=False, limit=None):
        """Images x clouds: the state of each copy."""
        params = {}
        if name:
            params['name'] = name
        if clouds:
            params['cloud'] = list(clouds)
        if all_projects:
            params['all_projects'] = 'true'
        if limit:
            params['limit'] = str(limit)
        return self.http.get_json('/v1/matrix', params=params or None)
