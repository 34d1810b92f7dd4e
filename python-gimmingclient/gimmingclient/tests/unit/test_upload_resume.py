"""Uploads that survive the network (microversion 1.6), through
keystoneauth1 and requests to a local server that stages as GIMinG's API
does: it cuts the connection of the first PUTs after some bytes and keeps
what it read, answers the staged offset to HEAD, and takes a PUT with
Content-Range from exactly that offset only. The client resumes on its own
from the offset (never reading the file whole), as many times as asked, not
below 1.6; resume_upload continues a suspended upload; sha256 is sent
(computed streaming when asked) and a deduplicated answer returned."""

import hashlib
import http.server
import json
import os
import re
import socket
import tempfile
import threading
import unittest

from keystoneauth1 import session
from keystoneauth1 import token_endpoint

from gimmingclient import exceptions
from gimmingclient.v1 import client
from gimmingclient.v1 import uploads

MiB = 1024 * 1024


class Staging(http.server.BaseHTTPRequestHandler):
    """One image's upload, as the API and its staging agent keep it."""

    protocol_version = 'HTTP/1.1'
    max_version = '1.7'
    cuts = []          # for each PUT, the bytes after which it is cut
    staged = b''
    state = 'none'
    length = None
    puts = []          # (Content-Range, Gimming-Content-Sha256, API version)
    heads = 0
    answer = None      # (status, headers, error code) for the next PUT
    lock = threading.Lock()

    def log_message(self, *args):
        pass

    def _send(self, status, body=None, headers=None):
        data = json.dumps(body).encode() if body is not None else b''
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header('Content-Length', str(len(data)))
        if body is not None:
            self.send_header('Content-Type', 'application/json')
        self.end_headers()
        if data and self.command != 'HEAD':
            self.wfile.write(data)

    def _refuse(self, status, code, message):
        self._send(status, {'error': {'code': code, 'message': message,
                                      'status': status}})

    def do_GET(self):
        if self.path == '/v1/':
            return self._send(200, {'version': {
                'id': 'v1.0', 'status': 'CURRENT', 'min_version': '1.0',
                'version': type(self).max_version}})
        self._send(404, {'error': {'code': 'x', 'message': 'no'}})

    def do_HEAD(self):
        cls = type(self)
        cls.heads += 1
        headers = {'Upload-Offset': str(len(cls.staged)),
                   'Gimming-Upload-State': cls.state}
        if cls.length is not None:
            headers['Upload-Length'] = str(cls.length)
        self._send(200, None, headers)

    def _read(self, n):
        got = []
        while n > 0:
            chunk = self.rfile.read(min(65536, n))
            if not chunk:
                break
            got.append(chunk)
            n -= len(chunk)
        return b''.join(got)

    def do_PUT(self):
        cls = type(self)
        length = int(self.headers['Content-Length'])
        rng = self.headers.get('Content-Range')
        cls.puts.append((rng, self.headers.get('Gimming-Content-Sha256'),
                         self.headers.get('OpenStack-API-Version')))
        if cls.answer:
            status, headers, code = cls.answer
            cls.answer = None
            # Answered without reading the body, as the API does.
            self.close_connection = True
            if code:
                return self._refuse(status, code, 'Refused.')
            cls.state = 'complete'
            return self._send(status, None, headers)
        offset, total = 0, length
        if rng:
            m = re.match(r'^bytes (\d+)-(\d+)/(\d+)$', rng)
            first, last, total = map(int, m.groups())
            if last != total - 1 or last - first + 1 != length:
                return self._refuse(416, 'gimming.upload.bad_range', 'Bad.')
            offset = first
            if offset and (cls.state != 'suspended' or
                           offset != len(cls.staged)):
                return self._refuse(
                    409, 'gimming.upload.offset_mismatch',
                    'The upload continues at byte %d, not %d.' % (
                        len(cls.staged), offset))
        if offset == 0:
            cls.staged = b''
        cls.length = total
        cls.state = 'receiving'
        cut = cls.cuts.pop(0) if cls.cuts else None
        if cut is not None:
            cls.staged += self._read(cut)
            # The network drops the connection: the client sees it cut.
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            cls.state = 'suspended'
            return
        cls.staged += self._read(length)
        cls.state = 'complete'
        self._send(204)


class TestResume(unittest.TestCase):

    def setUp(self):
        self.server = http.server.ThreadingHTTPServer(('127.0.0.1', 0),
                                                      Staging)
        threading.Thread(target=self.server.serve_forever,
                         daemon=True).start()
        self.addCleanup(self.server.server_close)
        self.addCleanup(self.server.shutdown)
        self.url = 'http://127.0.0.1:%d' % self.server.server_address[1]
        Staging.max_version = '1.7'
        Staging.cuts, Staging.puts = [], []
        Staging.staged, Staging.state, Staging.length = b'', 'none', None
        Staging.heads, Staging.answer = 0, None
        self.data = os.urandom(3 * MiB + 7)
        f = tempfile.NamedTemporaryFile(delete=False)
        f.write(self.data)
        f.close()
        self.path = f.name
        self.addCleanup(os.unlink, f.name)

    def _client(self):
        auth = token_endpoint.Token(self.url, 'tok')
        return client.Client(session=session.Session(auth=auth),
                             endpoint_override=self.url)

    def _range(self, offset):
        return 'bytes %d-%d/%d' % (offset, len(self.data) - 1,
                                   len(self.data))

    def test_a_cut_upload_resumes_from_the_staged_offset(self):
        Staging.cuts = [MiB]
        progress = []
        result = self._client().images.upload(
            'img', self.path, on_progress=progress.append, backoff=0.01)
        self.assertEqual(self.data, Staging.staged, 'all of it, once')
        self.assertEqual([None, self._range(MiB)],
                         [p[0] for p in Staging.puts])
        self.assertEqual(['image-manager 1.7'] * 2,
                         [p[2] for p in Staging.puts])
        self.assertEqual({'deduplicated_from': None, 'resumed_from': [MiB]},
                         result)
        self.assertEqual(len(self.data), progress[-1])
        self.assertGreaterEqual(Staging.heads, 1)

    def test_resumes_up_to_four_times_then_fails(self):
        Staging.cuts = [MiB // 4] * 5
        with self.assertRaises(exceptions.GimmingClientError) as e:
            self._client().images.upload('img', self.path, backoff=0.01)
        self.assertEqual('client.upload_failed', e.exception.code)
        self.assertEqual(5, len(Staging.puts), 'the first try and 4 more')
        self.assertEqual(
            [None] + [self._range(MiB // 4 * n) for n in range(1, 5)],
            [p[0] for p in Staging.puts])
        Staging.cuts = [MiB // 4] * 2
        Staging.staged, Staging.state, Staging.puts = b'', 'none', []
        self._client().images.upload('img', self.path, retries=2,
                                     backoff=0.01)
        self.assertEqual(3, len(Staging.puts))
        self.assertEqual(self.data, Staging.staged)

    def test_not_resumed_below_1_6(self):
        Staging.max_version = '1.5'
        Staging.cuts = [MiB]
        with self.assertRaises(exceptions.GimmingClientError) as e:
            self._client().images.upload('img', self.path, backoff=0.01)
        self.assertEqual('client.upload_failed', e.exception.code)
        self.assertEqual([(None, None, 'image-manager 1.5')], Staging.puts)
        self.assertEqual(0, Staging.heads)

    def test_an_error_answer_is_not_resumed(self):
        Staging.answer = (409, {}, 'gimming.image.not_queued')
        with self.assertRaises(exceptions.Conflict):
            self._client().images.upload('img', self.path, backoff=0.01)
        self.assertEqual(1, len(Staging.puts))
        self.assertEqual(0, Staging.heads)

    def test_waits_while_the_server_has_not_seen_the_cut(self):
        # The backoff: 0.5 s doubled, at most 4 s, while "receiving".
        c = self._client()
        answers = iter(['receiving', 'receiving', 'receiving', 'receiving',
                        'suspended'])

        def head(http, image_id):
            return {'state': next(answers), 'offset': 10, 'length': None}

        slept = []
        real = uploads.state
        uploads.state = head
        self.addCleanup(setattr, uploads, 'state', real)
        with open(self.path, 'rb') as f:
            up = uploads.Upload(c.http, 'img', f, sleep=slept.append)
            self.assertEqual(10, up._next_offset(0, uploads.BACKOFF))
            self.assertEqual([0.5, 1.0, 2.0, 4.0, 4.0], slept)
            slept[:] = []
            answers = iter(['receiving'] * 5)
            self.assertIsNone(up._next_offset(2, uploads.BACKOFF))
            self.assertEqual([2.0, 4.0, 4.0, 4.0, 4.0], slept)

    def test_resume_upload_continues_a_suspended_upload(self):
        Staging.cuts = [MiB]
        with self.assertRaises(exceptions.GimmingClientError):
            self._client().images.upload('img', self.path, retries=0)
        self.assertEqual({'state': 'suspended', 'offset': MiB,
                          'length': len(self.data)},
                         self._client().images.upload_state('img'))
        progress = []
        result = self._client().images.resume_upload(
            'img', self.path, on_progress=progress.append)
        self.assertEqual({'deduplicated_from': None, 'resumed_from': [MiB]},
                         result)
        self.assertEqual(self.data, Staging.staged)
        self.assertEqual(self._range(MiB), Staging.puts[-1][0])
        self.assertEqual(MiB + 8192, progress[0], 'from the staged offset')
        # Complete already: nothing is sent.
        self._client().images.resume_upload('img', self.path)
        self.assertEqual(2, len(Staging.puts))
        # Another size than the staged upload's: refused before sending.
        Staging.state, Staging.staged = 'suspended', self.data[:10]
        with self.assertRaises(exceptions.GimmingClientError) as e:
            self._client().images.resume_upload('img', self.path, size=100)
        self.assertEqual('client.upload_size', e.exception.code)
        self.assertEqual(2, len(Staging.puts))

    def test_the_server_refuses_an_offset_it_did_not_stage(self):
        Staging.state, Staging.staged = 'suspended', self.data[:MiB]
        Staging.length = len(self.data)
        c = self._client()
        with open(self.path, 'rb') as f:
            up = uploads.Upload(c.http, 'img', f)
            with self.assertRaises(exceptions.Conflict) as e:
                up._put(MiB + 1, True, None)
        self.assertEqual('gimming.upload.offset_mismatch', e.exception.code)
        self.assertIn('continues at byte %d' % MiB, e.exception.message)

    def test_sha256_computed_streaming_and_a_deduplicated_answer(self):
        digest = hashlib.sha256(self.data).hexdigest()
        Staging.answer = (204, {'Gimming-Deduplicated-From': 'img-0'}, None)
        result = self._client().images.upload('img', self.path, sha256=True)
        self.assertEqual('img-0', result['deduplicated_from'])
        self.assertEqual(digest, Staging.puts[0][1])
        self.assertEqual(digest, uploads.file_sha256(
            open(self.path, 'rb'), 0, len(self.data)))
        # Given, and sent with the resumed PUT too.
        Staging.cuts = [MiB]
        Staging.staged, Staging.state = b'', 'none'
        self._client().images.upload('img', self.path, sha256=digest.upper(),
                                     backoff=0.01)
        self.assertEqual([digest] * 2, [p[1] for p in Staging.puts[1:]])
        with self.assertRaises(exceptions.GimmingClientError) as e:
            self._client().images.upload('img', self.path, sha256='abc')
        self.assertEqual('client.upload_sha256', e.exception.code)

    def test_the_file_is_read_in_chunks(self):
        reads = []

        class Watched(object):
            def __init__(self, f):
                self.f = f

            def read(self, n=-1):
                reads.append(n)
                return self.f.read(n)

            def __getattr__(self, name):
                return getattr(self.f, name)

        Staging.cuts = [MiB]
        with open(self.path, 'rb') as f:
            self._client().images.upload('img', Watched(f), sha256=True,
                                         backoff=0.01)
        self.assertEqual(self.data, Staging.staged)
        self.assertTrue(reads and all(0 < n <= MiB for n in reads), reads)
