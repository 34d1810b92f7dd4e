"""Uploads through keystoneauth1 and requests to a real local HTTP server:
the data streamed with its length, progress counted, and sent again from
its start when the token was refused."""

import hashlib
import http.server
import io
import json
import os
import tempfile
import threading
import unittest

from keystoneauth1 import session
from keystoneauth1 import token_endpoint

from gimmingclient import exceptions
from gimmingclient.v1 import client


class Recorder(http.server.BaseHTTPRequestHandler):
    answers = []
    seen = []

    def do_PUT(self):
        length = int(self.headers['Content-Length'])
        body = b''
        while len(body) < length:
            chunk = self.rfile.read(min(65536, length - len(body)))
            if not chunk:
                break
            body += chunk
        self.seen.append((self.path, self.headers['X-Auth-Token'],
                          len(body), hashlib.sha256(body).hexdigest()))
        status = self.answers.pop(0)
        payload = b'' if status == 204 else json.dumps({'error': {
            'code': 'gimming.auth', 'message': 'The token was refused.',
            'status': status}}).encode()
        self.send_response(status)
        self.send_header('Content-Length', str(len(payload)))
        self.send_header('x-openstack-request-id', 'req-test')
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


class TestUpload(unittest.TestCase):

    def setUp(self):
        self.server = http.server.ThreadingHTTPServer(('127.0.0.1', 0),
                                                      Recorder)
        threading.Thread(target=self.server.serve_forever,
                         daemon=True).start()
        self.addCleanup(self.server.server_close)
        self.addCleanup(self.server.shutdown)
        url = 'http://127.0.0.1:%d' % self.server.server_address[1]
        auth = token_endpoint.Token(url, 'tok')
        self.client = client.Client(session=session.Session(auth=auth),
                                    endpoint_override=url)
        Recorder.seen = []
        self.data = os.urandom(3 * 1024 * 1024 + 7)
        f = tempfile.NamedTemporaryFile(delete=False)
        f.write(self.data)
        f.close()
        self.path = f.name
        self.addCleanup(os.unlink, f.name)

    def test_streams_the_file_with_its_length_and_progress(self):
        Recorder.answers = [204]
        progress = []
        self.client.images.upload('img-1', self.path,
                                  on_progress=progress.append)
        digest = hashlib.sha256(self.data).hexdigest()
        self.assertEqual([('/v1/images/img-1/file', 'tok', len(self.data),
                           digest)], Recorder.seen)
        self.assertEqual(len(self.data), progress[-1])
        self.assertGreater(len(progress), 10, 'counted as it went')

    def test_sent_again_from_the_start_after_a_401(self):
        Recorder.answers = [401, 204]
        with open(self.path, 'rb') as f:
            f.seek(0)
            self.client.images.upload('img-2', f)
        digest = hashlib.sha256(self.data).hexdigest()
        self.assertEqual([len(self.data)] * 2, [s[2] for s in Recorder.seen])
        self.assertEqual([digest] * 2, [s[3] for s in Recorder.seen])

    def test_an_error_answer(self):
        Recorder.answers = [409]
        with self.assertRaises(exceptions.Conflict) as e:
            self.client.images.upload('img-3', io.BytesIO(b'abc'), size=3)
        self.assertEqual(
            'The token was refused. (HTTP 409) (Request-ID: req-test)',
            str(e.exception))
