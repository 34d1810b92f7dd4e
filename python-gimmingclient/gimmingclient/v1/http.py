"""Calls to the GIMinG API on a keystoneauth1 session.

The session authenticates (password, token, application credential: whatever
keystoneauth1 plugin it holds, as for every OpenStack client) and renews the
token; this module finds GIMinG's endpoint, service type ``image-manager`` in
the catalog, unless one is given, and turns error answers into exceptions.
"""

import base64
import json
import re

from keystoneauth1 import adapter as ks_adapter
from keystoneauth1 import exceptions as ks_exc

from gimmingclient import __version__
from gimmingclient import exceptions
from gimmingclient.v1 import api_versions

SERVICE_TYPE = 'image-manager'
USER_AGENT = 'python-gimmingclient/%s' % __version__


class HTTPClient(object):

    def __init__(self, session, endpoint_override=None, region_name=None,
                 interface='public', user_agent=USER_AGENT,
                 cloud_credentials=None, timeout=None, api_version=None):
        self.adapter = ks_adapter.Adapter(
            session, service_type=SERVICE_TYPE,
            interface=(interface or 'public').replace('URL', ''),
            region_name=region_name, user_agent=user_agent,
            endpoint_override=endpoint_override)
        self.timeout = timeout
        # The microversion asked for ('1.N' or 'latest'; None: the highest
        # both know), and the one negotiated on the first call.
        self.requested_api_version = api_version
        self._api_version = None
        self._negotiated = False
        self._base = None
        self._headers = {}
        if cloud_credentials:
            # Credentials of clouds with their own identity service, by cloud
            # name; sent with every call, never stored by GIMinG.
            raw = json.dumps(cloud_credentials).encode()
            self._headers['X-Cloud-Credentials'] = \
                base64.b64encode(raw).decode()

    def endpoint(self):
        """GIMinG's URL: the override, or the catalog's, without a trailing
        /v1."""
        if self._base is None:
            try:
                url = self.adapter.get_endpoint()
            except ks_exc.ClientException as e:
                raise exceptions.GimmingClientError(
                    'Keystone could not be used: %s' % e, 0,
                    'client.auth')
            if not url:
                raise exceptions.GimmingClientError(
                    'No %s %s endpoint%s in the service catalog; use '
                    '--os-image-manager-endpoint-override.' % (
                        self.adapter.interface, SERVICE_TYPE,
                        ' in region %s' % self.adapter.region_name
                        if self.adapter.region_name else ''),
                    0, 'client.no_endpoint')
            self._base = re.sub(r'/v1$', '', url.rstrip('/'))
        return self._base

    def api_version(self):
        """The microversion every call is sent at, negotiated once from the
        version document (``GET /v1/``, no token needed); None when the
        server has no microversions (no header is sent)."""
        if not self._negotiated:
            url = self.endpoint() + '/v1/'
            try:
                resp = self.adapter.get(url, authenticated=False,
                                        raise_exc=False)
            except ks_exc.ClientException as e:
                raise exceptions.GimmingClientError(
                    'GIMinG at %s could not be reached: %s' % (
                        self.endpoint(), e), 0, 'client.unreachable')
            doc = None
            if resp.status_code == 200:
                try:
                    doc = resp.json()
                except ValueError:
                    doc = None
            self._api_version = api_versions.choose(
                api_versions.server_versions(doc),
                self.requested_api_version)
            self._negotiated = True
        return self._api_version

    def request(self, method, path, json=None, params=None, headers=None,
                data=None, ok=(200, 201, 202, 204), allow_reauth=True):
        url = self.endpoint() + path
        all_headers = dict(self._headers)
        version = self.api_version()
        if version:
            all_headers[api_versions.HEADER] = '%s %s' % (
                api_versions.SERVICE_TYPE, version)
        all_headers.update(headers or {})
        kwargs = {'headers': all_headers, 'raise_exc': False,
                  'allow_reauth': allow_reauth}
        if json is not None:
            kwargs['json'] = json
        if data is not None:
            kwargs['data'] = data
        if params:
            kwargs['params'] = params
        if self.timeout:
            kwargs['timeout'] = self.timeout
        try:
            resp = self.adapter.request(url, method, **kwargs)
        except ks_exc.ConnectionError as e:
            if data is not None and not isinstance(data, (bytes, str)):
                # A body streamed from a file, cut short (the connection
                # dropped, or timed out): the upload may be resumed (1.6).
                raise exceptions.GimmingClientError(
                    'The upload failed: %s' % e, 0, 'client.upload_failed')
            if not isinstance(e, ks_exc.ConnectFailure):
                raise exceptions.GimmingClientError(
                    'The call failed: %s' % e, 0, 'client.error')
            raise exceptions.GimmingClientError(
                'GIMinG at %s could not be reached: %s' % (self.endpoint(), e),
                0, 'client.unreachable')
        except (ks_exc.Unauthorized, ks_exc.http.Unauthorized) as e:
            raise exceptions.GimmingClientError(
                'Keystone refused the credentials: %s' % e, 401, 'client.auth')
        except ks_exc.ClientException as e:
            raise exceptions.GimmingClientError(
                'The call failed: %s' % e, 0, 'client.error')
        if resp.status_code not in ok and resp.status_code >= 300:
            raise exceptions.from_response(resp)
        return resp

    def get_json(self, path, params=None):
        return self.request('GET', path, params=params).json()

    def send_json(self, method, path, body=None, params=None, headers=None):
        resp = self.request(method, path, json=body, params=params,
                            headers=headers)
        return resp.json() if resp.content else None


def quote(value):
    from urllib.parse import quote as _quote
    return _quote(str(value), safe='')


def paged(http, path, key, params=None, limit=None, marker=None,
          page_size=100, all_projects=False):
    """Walks a paged list (``limit``, ``marker``, ``next``) as one sequence."""
    left = limit if limit is not None else float('inf')
    query = {k: v for k, v in (params or {}).items() if v is not None}
    while True:
        page = dict(query)
        page['limit'] = str(int(min(page_size, left)))
        if marker:
            page['marker'] = marker
        if all_projects:
            page['all_projects'] = 'true'
        body = http.get_json(path, params=page)
        items = body.get(key) or []
        for item in items:
            yield item
            left -= 1
            if left <= 0:
                return
        if not body.get('next') or not items:
            return
        marker = items[-1]['id']
