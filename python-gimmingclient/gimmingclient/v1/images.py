"""Images, their data, locations and members: ``/v1/images``."""

from gimmingclient.v1 import api_versions
from gimmingclient.v1.http import paged
from gimmingclient.v1.http import quote
from gimmingclient.v1 import uploads


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


def with_max_bandwidth(http, body, max_bandwidth):
    """``max_bandwidth`` (1.4) in a body: bytes per second, or a string
    with a unit (``100M``, ``80MiB/s``, ``1Gbit``)."""
    if max_bandwidth is not None:
        api_versions.require(http.api_version(), '1.4', 'max_bandwidth')
        body['max_bandwidth'] = max_bandwidth
    return body


def with_on_conflict(http, body, on_conflict):
    """``on_conflict`` (1.7) in a create's body: ``refuse`` (the server's
    default), ``skip``, ``rename`` or ``replace``, one for every target or a
    dict of cloud to policy (``'*'``: the others)."""
    if on_conflict is not None:
        api_versions.require(http.api_version(), '1.7',
                             'on_conflict on create')
        body['on_conflict'] = (dict(on_conflict)
                               if isinstance(on_conflict, dict)
                               else on_conflict)
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
               min_ram=None, properties=None, url=None, max_bandwidth=None,
               on_conflict=None):
        """Records an image whose data is uploaded next (upload()), or that
        GIMinG imports from ``url``; ``max_bandwidth`` caps the copies to the
        targets (microversion 1.4). ``on_conflict`` (1.7): what to do with a
        target that holds an image of the name already (an image with no
        bytes yet conflicts with any): ``refuse`` (the server's default
        from 1.7), ``skip``, ``rename`` or ``replace``, one for every target
        or a dict of cloud to policy (``'*'``: the others)."""
        body = _image_body(name, disk_format, container_format, targets,
                           visibility, min_disk, min_ram, properties)
        if url:
            body['source'] = {'url': url}
        with_max_bandwidth(self.http, body, max_bandwidth)
        with_on_conflict(self.http, body, on_conflict)
        return self.http.send_json('POST', '/v1/images', body)

    def adopt(self, cloud, image_id, targets=(), name=None, visibility=None,
              max_bandwidth=None, on_conflict=None):
        """Tracks an image that lives in ``cloud``, and copies it to the
        targets (one task each), held to ``max_bandwidth`` (1.4);
        ``on_conflict`` (1.7) as for create(), for a target holding another
        image of the name with other bytes."""
        body = {'source': {'cloud': cloud, 'image_id': image_id},
                'targets': list(targets)}
        if name:
            body['name'] = name
        if visibility:
            body['visibility'] = visibility
        with_max_bandwidth(self.http, body, max_bandwidth)
        with_on_conflict(self.http, body, on_conflict)
        return self.http.send_json('POST', '/v1/images', body)

    def upload(self, image_id, data, size=None, on_progress=None,
               sha256=None, retries=None, backoff=uploads.BACKOFF):
        """Streams the data (a path or a file object, from its position),
        never whole in memory; ``on_progress`` sees the bytes the server
        holds so far.

        From microversion 1.6 an upload of a path or a seekable file cut
        short by the network resumes on its own from the bytes the server
        kept: ``retries`` times (default 4), asking for the staged offset
        after ``backoff`` seconds (default 0.5), doubled each time up to 4.
        ``sha256`` (1.6): the data's sha256 in hex, or True to compute it
        (reading the file once more, streaming), sent as
        ``Gimming-Content-Sha256``: the server checks it, and links data of
        the project already staged with it instead of reading the body.
        Answers ``{'deduplicated_from': <image ID or None>, 'resumed_from':
        [<offsets>]}``."""
        return uploads.upload(self.http, image_id, data, size=size,
                              on_progress=on_progress, sha256=sha256,
                              retries=retries, backoff=backoff)

    def resume_upload(self, image_id, data, size=None, on_progress=None,
                      sha256=None, retries=None, backoff=uploads.BACKOFF):
        """Continues an upload cut short (1.6), from the offset the server
        staged (``upload_state``), with the same data: a path or a seekable
        file at the data's first byte. Nothing is sent when the data arrived
        whole; all of it when nothing was kept. Answers as upload()."""
        return uploads.upload(self.http, image_id, data, size=size,
                              on_progress=on_progress, sha256=sha256,
                              retries=retries, backoff=backoff, resume=True)

    def upload_state(self, image_id):
        """What the server staged of the image's upload (1.6, ``HEAD
        .../file``): ``{'state': 'none' | 'receiving' | 'suspended' |
        'complete', 'offset': <bytes staged>, 'length': <size or None>}``."""
        return uploads.state(self.http, image_id)

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
