"""Clouds: ``/v1/clouds``."""

from urllib.parse import parse_qsl
from urllib.parse import urlsplit

from gimmingclient.v1.http import quote
from gimmingclient.v1.images import with_max_bandwidth


class CloudManager(object):

    def __init__(self, http):
        self.http = http

    def list(self):
        return self.http.get_json('/v1/clouds')['clouds']

    def get(self, cloud):
        return self.http.get_json('/v1/clouds/%s' % quote(cloud))

    def create(self, name, region_name, zone=None, type='openstack',
               project=False, auth_url=None, credentials_ref=None,
               bucket=None, gcp_project=None, storage_location=None,
               family=None, max_bandwidth=None):
        """Registers a shared cloud (administrators), or one of the caller's
        project (``project=True``), which may have its own identity service.
        An ``aws`` cloud is one AWS account in one region (``region_name``,
        such as us-east-1) with the S3 bucket for its transfers
        (``bucket``). A ``gcp`` cloud is one Google Cloud project
        (``gcp_project``) with the Cloud Storage bucket for its transfers
        (``bucket``), optionally where its images are stored
        (``storage_location``) and their default image ``family``.
        ``max_bandwidth`` (microversion 1.4) holds every copy to or from the
        cloud to it: bytes per second, or a string with a unit."""
        body = {'name': name, 'type': type, 'region_name': region_name}
        if zone:
            body['zone'] = zone
        if project:
            body['scope'] = 'project'
        if auth_url:
            body['auth_url'] = auth_url
        if credentials_ref:
            body['credentials_ref'] = credentials_ref
        if bucket:
            body['bucket'] = bucket
        if gcp_project:
            body['project'] = gcp_project
        if storage_location:
            body['storage_location'] = storage_location
        if family:
            body['family'] = family
        with_max_bandwidth(self.http, body, max_bandwidth)
        return self.http.send_json('POST', '/v1/clouds', body)

    def delete(self, cloud):
        self.http.request('DELETE', '/v1/clouds/%s' % quote(cloud))

    def images(self, cloud, limit=None, page_size=None, marker=None):
        """The images the user can see in the cloud, live, each with the
        GIMinG image tracking it (or None): at most ``limit``, in pages of
        ``page_size`` whose ``next`` links are followed (microversion 1.1; a
        1.0 server answers one page)."""
        left = limit if limit else float('inf')
        path = '/v1/clouds/%s/images' % quote(cloud)
        params = {}
        if page_size or limit:
            params['limit'] = str(int(min(page_size or float('inf'), left)))
        if marker:
            params['marker'] = marker
        out = []
        while path is not None and left > 0:
            body = self.http.get_json(path, params=params or None)
            page = body.get('images') or []
            if left != float('inf'):
                page = page[:int(left)]
            out.extend(page)
            left -= len(page)
            if not body.get('next') or not body.get('images'):
                break
            # Only the link's path and query: the call stays on GIMinG's
            # endpoint.
            nxt = urlsplit(body['next'])
            path = nxt.path
            params = dict(parse_qsl(nxt.query))
            if left != float('inf') and int(params.get('limit', left)) > left:
                params['limit'] = str(int(left))
        return out
