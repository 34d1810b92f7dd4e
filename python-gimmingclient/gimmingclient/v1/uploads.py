"""An image's data, ``PUT /v1/images/{id}/file``, streamed from a file and
never whole in memory; from microversion 1.6 an upload that survives the
network, as the Node SDK's ``ImagesApi.upload`` (src/gimmingclient/client.ts)
does it.

What reached the server of an upload cut short (the connection dropped or
timed out) stays staged: ``HEAD /v1/images/{id}/file`` answers its
``Upload-Offset``, ``Upload-Length`` and ``Gimming-Upload-State`` (``none``,
``receiving``: the server has not seen the cut yet, ``suspended``,
``complete``), and a ``PUT`` with ``Content-Range: bytes N-(T-1)/T``
continues from exactly ``N``. ``upload`` resumes on its own (``RETRIES``
times, waiting ``BACKOFF`` seconds doubled up to ``MAX_BACKOFF`` before it
asks); ``resume`` continues one left suspended (by another process, or after
the retries ran out). ``Gimming-Content-Sha256`` declares the data's sha256:
the server checks it, and links data of the project already staged with that
sha256 and size instead of reading the body (``Gimming-Deduplicated-From``).
"""

import hashlib
import os
import re
import time

from gimmingclient import exceptions
from gimmingclient.v1 import api_versions
from gimmingclient.v1.http import quote

RETRIES = 4
BACKOFF = 0.5
MAX_BACKOFF = 4.0
# How many times the staged offset is asked for after a cut while the server
# has not seen it yet (``receiving``).
POLLS = 5
CHUNK = 1024 * 1024
SHA256_HEADER = 'Gimming-Content-Sha256'
DEDUPLICATED_HEADER = 'Gimming-Deduplicated-From'
_SHA256 = re.compile(r'^[0-9a-fA-F]{64}$')
_COMPLETE = 'complete'


def _error(message, code):
    return exceptions.GimmingClientError(message, 0, code)


class _CountingReader(object):
    """``size`` bytes of a file read in chunks by the HTTP library, counting
    what went (from ``base``, the bytes the server holds already)."""

    def __init__(self, fileobj, size, on_progress, base=0):
        self._file = fileobj
        self._left = size
        self._size = size
        self._done = base
        self._on_progress = on_progress

    def __len__(self):
        return self._size

    def read(self, n=-1):
        if self._left <= 0:
            return b''
        chunk = self._file.read(self._left if n is None or n < 0
                                else min(n, self._left))
        self._left -= len(chunk)
        self._done += len(chunk)
        if self._on_progress and chunk:
            self._on_progress(self._done)
        return chunk


def file_sha256(fileobj, start, size):
    """The sha256 (hex) of ``size`` bytes of ``fileobj`` from ``start``, read
    in chunks; the file is left at ``start``."""
    fileobj.seek(start)
    digest = hashlib.sha256()
    left = size
    while left > 0:
        chunk = fileobj.read(min(CHUNK, left))
        if not chunk:
            raise _error('The file holds %d bytes fewer than the size of '
                         '%d bytes.' % (left, size), 'client.upload_size')
        digest.update(chunk)
        left -= len(chunk)
    fileobj.seek(start)
    return digest.hexdigest()


def state(http, image_id):
    """The staged data of the image's upload (1.6): ``{'state', 'offset',
    'length'}``, ``length`` None when the upload did not declare it."""
    api_versions.require(http.api_version(), '1.6', 'The upload state')
    headers = http.request('HEAD', _path(image_id)).headers
    length = headers.get('Upload-Length')
    return {'state': headers.get('Gimming-Upload-State'),
            'offset': int(headers.get('Upload-Offset') or 0),
            'length': int(length) if length else None}


def _path(image_id):
    return '/v1/images/%s/file' % quote(image_id)


def _seekable(data):
    try:
        return bool(data.seekable())
    except (AttributeError, ValueError, OSError):
        return False


class Upload(object):
    """One image's data from ``data`` (a file object, at its position), of
    ``size`` bytes (default: to the end of the file)."""

    def __init__(self, http, image_id, data, size=None, on_progress=None,
                 sleep=time.sleep):
        self.http = http
        self.image_id = image_id
        self.path = _path(image_id)
        self.data = data
        self.on_progress = on_progress
        self.sleep = sleep
        self.seekable = _seekable(data)
        self.start = data.tell() if self.seekable else 0
        if size is None:
            try:
                size = os.fstat(data.fileno()).st_size - self.start
            except (AttributeError, OSError, ValueError):
                if not self.seekable:
                    raise _error('The size of the data is unknown: give '
                                 'size.', 'client.upload_size')
                size = data.seek(0, os.SEEK_END) - self.start
                data.seek(self.start)
        self.size = size

    def digest(self, sha256):
        """The Gimming-Content-Sha256 to send: ``sha256`` (hex), computed
        from the file (streaming) when True, None when None or False."""
        if sha256 is None or sha256 is False:
            return None
        api_versions.require(self.http.api_version(), '1.6',
                             'Gimming-Content-Sha256')
        if sha256 is True:
            if not self.seekable:
                raise _error('sha256=True reads the data twice: give a path '
                             'or a seekable file, or the sha256 itself.',
                             'client.upload_sha256')
            return file_sha256(self.data, self.start, self.size)
        if not isinstance(sha256, str) or not _SHA256.match(sha256):
            raise _error('sha256 %r is not a sha256 in hex (64 digits).' %
                         (sha256,), 'client.upload_sha256')
        return sha256.lower()

    def run(self, sha256=None, retries=None, backoff=BACKOFF, resume=False):
        """Sends the data, resuming after a cut; ``resume``: continues a
        suspended upload from its staged offset. Answers
        ``{'deduplicated_from', 'resumed_from'}``: the image whose staged
        data was linked (no byte read), or None; the offsets the upload
        continued from."""
        version = self.http.api_version()
        if resume:
            api_versions.require(version, '1.6', 'Resuming an upload')
            if not self.seekable:
                raise _error('Resuming an upload reads the data from the '
                             'staged offset: give a path or a seekable file.',
                             'client.upload_not_seekable')
        digest = self.digest(sha256)
        resumable = (self.seekable and self.size > 0 and
                     api_versions.at_least(version, '1.6'))
        retries = (RETRIES if retries is None else retries) if resumable \
            else 0
        resumed = []
        offset, ranged = 0, False
        if resume:
            offset = self._next_offset(0, backoff, explicit=True)
            if offset == _COMPLETE:
                return {'deduplicated_from': None, 'resumed_from': resumed}
            ranged = True
            resumed.append(offset)
        attempt = 0
        while True:
            try:
                resp = self._put(offset, ranged, digest)
                return {'deduplicated_from':
                        resp.headers.get(DEDUPLICATED_HEADER),
                        'resumed_from': resumed}
            except exceptions.GimmingClientError as e:
                if e.code != 'client.upload_failed' or attempt >= retries:
                    raise
                cut = e
            at = self._next_offset(attempt, backoff)
            attempt += 1
            if at is None:
                raise cut
            if at == _COMPLETE:
                return {'deduplicated_from': None, 'resumed_from': resumed}
            # A resumed upload says where it continues, even from byte 0.
            offset, ranged = at, True
            resumed.append(offset)

    def _next_offset(self, attempt, backoff, explicit=False):
        """Where the upload continues, once the server saw the cut: the
        staged offset (0 when nothing was kept), 'complete' (the data arrived
        whole, or was linked), None when the server could not say."""
        for poll in range(POLLS):
            if poll or not explicit:
                self.sleep(min(backoff * 2 ** (attempt + poll), MAX_BACKOFF))
            try:
                now = state(self.http, self.image_id)
            except exceptions.GimmingClientError:
                if explicit:
                    raise
                continue  # out of reach for now
            if now['state'] == _COMPLETE:
                return _COMPLETE
            if now['state'] == 'none':
                return 0
            if now['state'] == 'suspended':
                if now['length'] is not None and now['length'] != self.size:
                    raise _error(
                        'The upload of image %s was of %d bytes, not %d.' % (
                            self.image_id, now['length'], self.size),
                        'client.upload_size')
                return now['offset']
            # receiving: the server has not seen the cut yet.
        if explicit:
            raise _error('The upload of image %s is still arriving; resume '
                         'it once it stops.' % self.image_id,
                         'client.upload_receiving')
        return None

    def _put(self, offset, ranged, digest):
        headers = {'Content-Type': 'application/octet-stream',
                   'Content-Length': str(self.size - offset)}
        if ranged:
            headers['Content-Range'] = 'bytes %d-%d/%d' % (
                offset, self.size - 1, self.size)
        if digest:
            headers[SHA256_HEADER] = digest

        def send():
            if self.seekable:
                self.data.seek(self.start + offset)
            return self.http.request(
                'PUT', self.path, headers=headers, allow_reauth=False,
                data=_CountingReader(self.data, self.size - offset,
                                     self.on_progress, offset))

        try:
            # keystoneauth1 would resend a token refused (revoked or expired
            # meanwhile) with the stream where the first try left it.
            return send()
        except exceptions.GimmingClientError as e:
            if e.status != 401 or not self.seekable:
                raise
            self.http.adapter.invalidate()
            return send()


def upload(http, image_id, data, size=None, on_progress=None, sha256=None,
           retries=None, backoff=BACKOFF, resume=False, sleep=time.sleep):
    """Sends ``data`` (a path or a file object) as the image's data; see
    ``Upload.run``."""
    opened = None
    if isinstance(data, (str, os.PathLike)):
        opened = data = open(data, 'rb')
    try:
        return Upload(http, image_id, data, size, on_progress, sleep).run(
            sha256=sha256, retries=retries, backoff=backoff, resume=resume)
    finally:
        if opened:
            opened.close()
