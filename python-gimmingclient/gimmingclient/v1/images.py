"""Images, their data, locations and members: ``/v1/images``."""

import os

from gimmingclient import exceptions
from gimmingclient.v1 import api_versions
from gimmingclient.v1.http import paged
from gimmingclient.v1.http import quote


class MemberManager(object):

    def __init__(self, http):
        self.http = http

    def list(self, image_id):
        return self.http.get_json(
            '/v1/images/%s/members' % quote(image_id))['members']

    def add(self, image_id, project_id):
        return self.http.send_json(
            'POST', '/v1/images/%s/members' % quote(image_id),
            {'member': project_id})

    def remove(self, image_id, project_id):
        self.http.request('DELETE', '/v1/images/%s/members/%s' % (
            quote(image_id), quote(project_id)))


class _CountingReader(object):
    """A file read in chunks by the HTTP library, counting what went."""

    def __init__(self, fileobj, size, on_progress):
        self._file = fileobj
        self._size = size
        self._done = 0
        self._on_progress = on_progress

    def __len__(self):
        return self._size

    def read(self, n=-1):
        chunk = self._file.read(n)
        self._done += len(chunk)
        if self._on_progress:
            self._on_progress(self._done)
        return chunk


def with_max_bandwidth(http, body, max_bandwidth):
    """``max_bandwidth`` (1.4) in a body: bytes per second, or a string
    with a unit (``100M``, ``80MiB/s``, ``1Gbit``)."""
    if max_bandwidth is not None:
        api_versions.require(http.api_version(), '1.4', 'max_bandwidth')
        body['max_bandwidth'] = max_bandwidth
    return body


def _image_body(name=None, disk_format=None, container_format=None,
                targets=None, visibility=None, min_disk=None, min_ram=None,
                properties=None):
    body = {'name': name, 'disk_format': disk_format,
            'container_format': container_format, 'targets': targets or []}
    if visibility:
        body['visibility'] = visibility
    if min_disk is not None:
        body['min_disk'] = min_disk
    if min_ram is not None:
        body['min_ram'] = min_ram
    if properties:
        body['properties'] = properties
    return body


class ImageManager(object):

    def __init__(self, http):
        self.http = http
        self.members = MemberManager(http)

    def list(self, name=None, status=None, visibility=None, cloud=None,
             sort=None, limit=None, marker=None, all_projects=False,
             page_size=100):
        """Every image that matches, walking the pages as needed."""
        params = {'name': name, 'status': status, 'visibility': visibility,
                  'cloud': cloud, 'sort': sort}
        return paged(self.http, '/v1/images', 'images', params, limit=limit,
                     marker=marker, page_size=page_size,
                     all_projects=all_projects)

    def get(self, image_id):
        return self.http.get_json('/v1/images/%s' % quote(image_id))

    def create(self, name, targets, disk_format='raw',
               container_format='bare', visibility=None, min_disk=None,
               min_ram=None, properties=None, url=None, max_bandwidth=None):
        """Records an image whose data is uploaded next (upload()), or that
        GIMinG imports from ``url``; ``max_bandwidth`` caps the copies to the
        targets (microversion 1.4)."""
        body = _image_body(name, disk_format, container_format, targets,
                           visibility, min_disk, min_ram, properties)
        if url:
            body['source'] = {'url': url}
        with_max_bandwidth(self.http, body, max_bandwidth)
        return self.http.send_json('POST', '/v1/images', body)

    def adopt(self, cloud, image_id, targets=(), name=None, visibility=None,
              max_bandwidth=None):
        """Tracks an image that lives in ``cloud``, and copies it to the
        targets (one task each), held to ``max_bandwidth`` (1.4)."""
        body = {'source': {'cloud': cloud, 'image_id': image_id},
                'targets': list(targets)}
        if name:
            body['name'] = name
        if visibility:
            body['visibility'] = visibility
        with_max_bandwidth(self.http, body, max_bandwidth)
        return self.http.send_json('POST', '/v1/images', body)

    def upload(self, image_id, data, size=None, on_progress=None):
        """Streams the data (a path or a file object) once; never whole in
        memory. ``on_progress`` sees the bytes sent so far."""
        opened = None
        if isinstance(data, (str, os.PathLike)):
            opened = data = open(data, 'rb')
        try:
            if size is None:
                size = os.fstat(data.fileno()).st_size
            self._put_data(image_id, data, size, on_progress)
        finally:
            if opened:
                opened.close()

    def _put_data(self, image_id, data, size, on_progress):
        headers = {'Content-Type': 'application/octet-stream',
                   'Content-Length': str(size)}
        path = '/v1/images/%s/file' % quote(image_id)
        seekable = getattr(data, 'seekable', lambda: False)()
        start = data.tell() if seekable else None
        try:
            # keystoneauth1 would resend a token refused (revoked or expired
            # meanwhile) with the stream where the first try left it.
            self.http.request('PUT', path, headers=headers, allow_reauth=False,
                              data=_CountingReader(data, size, on_progress))
        except exceptions.GimmingClientError as e:
            if e.status != 401 or not seekable:
                raise
            self.http.adapter.invalidate()
            data.seek(start)
            self.http.request('PUT', path, headers=headers, allow_reauth=False,
                              data=_CountingReader(data, size, on_progress))

    def update(self, image_id, name=None, visibility=None):
        changes = {}
        if name:
            changes['name'] = name
        if visibility:
            changes['visibility'] = visibility
        return self.http.send_json(
            'PATCH', '/v1/images/%s' % quote(image_id), changes,
            headers={'Content-Type': 'application/merge-patch+json'})

    def delete(self, image_id, delete_remote=False):
        """Forgets the image; with ``delete_remote`` deletes every copy
        (tasks) and then the image, and returns ``{image, tasks}``."""
        params = {'delete_remote': 'true'} if delete_remote else None
        resp = self.http.request('DELETE', '/v1/images/%s' % quote(image_id),
                                 params=params)
        return resp.json() if resp.status_code == 202 else None

    def sync(self, image_id, targets, on_conflict=None, max_bandwidth=None,
             incremental_from=None, dry_run=False):
        """Copies the image to more clouds (one task each); answers the
        image, or with ``dry_run`` the plan, changing nothing.

        ``on_conflict`` (microversion 1.3): what to do when a target holds
        another image of the name with other bytes: ``refuse`` (the
        server's default from 1.3), ``skip``, ``rename`` or ``replace``; one
        for every target, or a dict of cloud to policy (``'*'``: the
        others). ``max_bandwidth`` (1.4): bytes per second, or a string with
        a unit, for these copies. ``incremental_from`` (1.5): the ID of an
        earlier version of the image; a target holding a copy of it gets
        only the blocks that differ.
        """
        body = {'targets': list(targets)}
        if on_conflict is not None:
            api_versions.require(self.http.api_version(), '1.3',
                                 'on_conflict')
            body['on_conflict'] = (dict(on_conflict)
                                   if isinstance(on_conflict, dict)
                                   else on_conflict)
        with_max_bandwidth(self.http, body, max_bandwidth)
        if incremental_from is not None:
            api_versions.require(self.http.api_version(), '1.5',
                                 'incremental_from')
            body['incremental_from'] = incremental_from
        return self.http.send_json(
            'POST', '/v1/images/%s/sync' % quote(image_id), body,
            params={'dry_run': 'true'} if dry_run else None)

    def set_targets(self, image_id, clouds, dry_run=False):
        """Sets the clouds the image should be in: GIMinG copies it to the new
        ones and deletes its copies in the others (``PUT .../targets``). The
        answer is the plan: ``keep``, ``add``, ``remove``, ``refused``,
        ``warnings`` and the ``tasks`` started (none for a dry run)."""
        body = {'clouds': list(clouds)}
        if dry_run:
            body['dry_run'] = True
        return self.http.send_json(
            'PUT', '/v1/images/%s/targets' % quote(image_id), body)

    def refresh(self, image_id):
        return self.http.send_json(
            'POST', '/v1/images/%s/refresh' % quote(image_id))

    def link(self, image_id, cloud, remote_id):
        """Links a copy that already exists in ``cloud``."""
        return self.http.send_json(
            'POST', '/v1/images/%s/locations' % quote(image_id),
            {'cloud': cloud, 'image_id': remote_id})

    def unlink(self, image_id, cloud, delete_remote=False):
        params = {'delete_remote': 'true'} if delete_remote else None
        self.http.request('DELETE', '/v1/images/%s/locations/%s' % (
            quote(image_id), quote(cloud)), params=params)
