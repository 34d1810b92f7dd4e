"""Image families, their versions, channels and lifecycle:
``/v1/families`` (REST microversion 1.2; the client refuses them before any
call when the server is older).

A version is named by its sequence number, its label or its GIMinG image ID;
a family by its name or ID. A channel (``stable``, ``latest``) points at one
version; ``resolve`` turns it into the image's own ID in each cloud (a Glance
UUID, an ``ami-...``), what a deployment tool boots.
"""

import datetime

from gimmingclient.v1 import api_versions
from gimmingclient.v1.http import quote

SINCE = '1.2'
LIFECYCLE_STATES = ('active', 'deprecated', 'obsolete', 'revoked')


def _at(when):
    """A time as the API takes it: ISO 8601 with its zone (a naive datetime
    is taken as UTC)."""
    if isinstance(when, datetime.datetime):
        if when.tzinfo is None:
            when = when.replace(tzinfo=datetime.timezone.utc)
        return when.isoformat()
    return str(when)


class FamilyManager(object):

    def __init__(self, http):
        self.http = http

    def _path(self, family, rest=''):
        api_versions.require(self.http.api_version(), SINCE, 'Families')
        return '/v1/families/%s%s' % (quote(family), rest)

    def list(self, all_projects=False):
        api_versions.require(self.http.api_version(), SINCE, 'Families')
        params = {'all_projects': 'true'} if all_projects else None
        return self.http.get_json('/v1/families', params=params)['families']

    def get(self, family):
        """The family with its ``versions`` and ``channels``."""
        return self.http.get_json(self._path(family))

    def create(self, name, description=None):
        api_versions.require(self.http.api_version(), SINCE, 'Families')
        body = {'name': name}
        if description is not None:
            body['description'] = description
        return self.http.send_json('POST', '/v1/families', body)

    def delete(self, family):
        self.http.request('DELETE', self._path(family))

    # Versions

    def versions(self, family):
        """The family's versions, oldest first."""
        return self.http.get_json(self._path(family, '/versions'))['versions']

    def add_version(self, family, image_id, label=None, parent=None):
        """Adds an image as the family's newest version; ``parent`` is the
        version it was built from (a revoke may cascade to it)."""
        body = {'image_id': image_id}
        if label is not None:
            body['label'] = label
        if parent is not None:
            body['parent'] = str(parent)
        return self.http.send_json('POST', self._path(family, '/versions'),
                                   body)

    def set_lifecycle(self, family, version, state, at=None, cascade=False):
        """Sets a version's lifecycle (``active``, ``deprecated``,
        ``obsolete``, ``revoked``) in every cloud, now or ``at`` a time (a
        datetime or an ISO 8601 string; the answer's ``scheduled`` is then
        true). ``cascade``: a revoke's descendants too. The answer:
        ``versions`` changed and each copy's outcome in ``copies``."""
        if state not in LIFECYCLE_STATES:
            raise ValueError('state must be one of %s.' %
                             ', '.join(LIFECYCLE_STATES))
        body = {'state': state}
        if at is not None:
            body['at'] = _at(at)
        if cascade:
            body['cascade'] = True
        return self.http.send_json('POST', self._path(
            family, '/versions/%s/lifecycle' % quote(version)), body)

    def deprecate(self, family, version, at=None):
        return self.set_lifecycle(family, version, 'deprecated', at=at)

    def obsolete(self, family, version, at=None):
        return self.set_lifecycle(family, version, 'obsolete', at=at)

    def revoke(self, family, version, at=None, cascade=False):
        return self.set_lifecycle(family, version, 'revoked', at=at,
                                  cascade=cascade)

    def restore(self, family, version, at=None):
        """Undoes a deprecate, obsolete or revoke: active again."""
        return self.set_lifecycle(family, version, 'active', at=at)

    # Channels

    def channels(self, family):
        return self.http.get_json(self._path(family, '/channels'))['channels']

    def promote(self, family, channel, version):
        """Points ``channel`` at ``version`` (made when new)."""
        return self.http.send_json(
            'PUT', self._path(family, '/channels/%s' % quote(channel)),
            {'version': str(version)})

    def rollback(self, family, channel):
        """Points ``channel`` back at the version it held before."""
        return self.http.send_json('POST', self._path(
            family, '/channels/%s/rollback' % quote(channel)))

    def history(self, family, channel):
        """The channel's moves, newest first."""
        return self.http.get_json(self._path(
            family, '/channels/%s/history' % quote(channel)))['history']

    def resolve(self, family, channel, cloud=None):
        """The channel's version and its image's own ID in each cloud
        (``clouds``: ``cloud``, ``type``, ``region_name``, ``remote_id``),
        or in ``cloud`` only."""
        params = {'cloud': cloud} if cloud is not None else None
        return self.http.get_json(self._path(
            family, '/channels/%s/resolve' % quote(channel)), params=params)

    def id_map(self, family, channel, cloud=None):
        """``resolve`` as {cloud name: the image's ID there}."""
        resolved = self.resolve(family, channel, cloud=cloud)
        return {c['cloud']: c['remote_id'] for c in resolved['clouds']}
