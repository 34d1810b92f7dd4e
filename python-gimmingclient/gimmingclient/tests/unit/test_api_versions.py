"""Microversion negotiation of the Python client, on a keystoneauth1 session,
against a local server that answers as GIMinG's API does (its version
document's range, the version echoed, browse pages with next links at 1.1):
the highest version both know is sent, the one asked for is sent or refused
before any call, and browsing follows next at 1.1 only."""

import http.server
import json
import threading
import unittest
from urllib.parse import parse_qs
from urllib.parse import urlsplit

from keystoneauth1 import session

from gimmingclient import exceptions
from gimmingclient.osc import plugin
from gimmingclient.v1 import api_versions
from gimmingclient.v1 import client

IMAGES = [{'id': 'ami-%d' % i, 'name': 'image-%d' % i} for i in range(5)]


class _Api(http.server.BaseHTTPRequestHandler):
    max_version = '1.1'
    sent = []

    def log_message(self, *args):
        pass

    def _answer(self, status, body, version=None):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(data)))
        if version:
            self.send_header('OpenStack-API-Version',
                             'image-manager ' + version)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urlsplit(self.path)
        if url.path == '/v1/':
            return self._answer(200, {'version': {
                'id': 'v1.0', 'status': 'CURRENT', 'min_version': '1.0',
                'version': self.max_version}})
        header = self.headers.get('OpenStack-API-Version')
        type(self).sent.append(header)
        version = header.split()[1] if header else '1.0'
        pages = tuple(map(int, version.split('.'))) >= (1, 1)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        limit = int(query.get('limit', 2))
        start = 0
        if pages and 'marker' in query:
            start = [i['id'] for i in IMAGES].index(query['marker']) + 1
        page = IMAGES[start:start + limit]
        body = {'images': page}
        if pages and start + limit < len(IMAGES):
            body['next'] = '%s?limit=%d&marker=%s' % (
                url.path, limit, page[-1]['id'])
        self._answer(200, body, version)


class TestNegotiation(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), _Api)
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()
        cls.base = 'http://127.0.0.1:%d' % cls.server.server_address[1]

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.server.server_close()

    def setUp(self):
        _Api.sent = []
        _Api.max_version = '1.1'

    def _client(self, api_version=None):
        return client.Client(session=session.Session(),
                             endpoint_override=self.base,
                             api_version=api_version)

    def test_the_highest_both_know_and_the_pages_at_it(self):
        c = self._client()
        images = c.clouds.images('zone-a', page_size=2)
        self.assertEqual([i['id'] for i in IMAGES], [i['id'] for i in images])
        self.assertEqual(['image-manager 1.1'] * 3, _Api.sent)
        self.assertEqual(
            ['ami-0', 'ami-1', 'ami-2'],
            [i['id'] for i in c.clouds.images('zone-a', limit=3,
                                              page_size=2)])

    def test_an_older_server_is_sent_its_version(self):
        _Api.max_version = '1.0'
        images = self._client().clouds.images('zone-a', page_size=2)
        self.assertEqual(2, len(images))
        self.assertEqual(['image-manager 1.0'], _Api.sent)

    def test_the_version_asked_for(self):
        self.assertEqual(2, len(self._client('1.0').clouds.images(
            'zone-a', page_size=2)))
        self.assertEqual(['image-manager 1.0'], _Api.sent)
        self.assertEqual('1.1', self._client('latest').http.api_version())

    def test_a_version_outside_either_range_fails_before_any_call(self):
        _Api.max_version = '1.0'
        for asked, text in (('1.1', 'not served by the server, which serves '
                                    '1.0 to 1.0'),
                            ('1.9', 'not known to this client, which knows '
                                    '1.0 to 1.8'),
                            ('one', 'is not a version')):
            with self.assertRaises(exceptions.GimmingClientError) as e:
                self._client(asked).clouds.images('zone-a')
            self.assertEqual('client.api_version', e.exception.code)
            self.assertIn(text, e.exception.message)
        self.assertEqual([], _Api.sent)

    def test_the_newest_server_is_sent_1_8(self):
        _Api.max_version = '1.9'
        self._client().clouds.images('zone-a', page_size=5)
        self.assertEqual(['image-manager 1.8'], _Api.sent)

    def test_what_a_later_version_added_is_refused_before_any_call(self):
        # Each field or resource, at the version before the one that added
        # it (the server would answer 404 or 400; the client says why).
        for server, call, what in (
                ('1.1', lambda c: c.families.list(), 'Families'),
                ('1.1', lambda c: c.families.resolve('f', 'stable'),
                 'Families'),
                ('1.2', lambda c: c.images.sync('i', ['zone-b'],
                                                on_conflict='skip'),
                 'on_conflict'),
                ('1.3', lambda c: c.images.sync('i', ['zone-b'],
                                                max_bandwidth='10M'),
                 'max_bandwidth'),
                ('1.3', lambda c: c.clouds.create('c', 'RegionOne',
                                                  max_bandwidth=10 ** 6),
                 'max_bandwidth'),
                ('1.4', lambda c: c.images.sync(
                    'i', ['zone-b'],
                    incremental_from='0b3b3e9c-4f7e-4d4e-9a51-7d1d1c6f0a11'),
                 'incremental_from'),
                ('1.5', lambda c: c.images.upload_state('i'),
                 'The upload state'),
                ('1.5', lambda c: c.images.resume_upload('i', __file__),
                 'Resuming an upload'),
                ('1.5', lambda c: c.images.upload('i', __file__,
                                                  sha256=True),
                 'Gimming-Content-Sha256'),
                ('1.6', lambda c: c.images.create('n', ['zone-b'],
                                                  on_conflict='skip'),
                 'on_conflict on create'),
                ('1.6', lambda c: c.images.adopt(
                    'zone-a', 'r', ['zone-b'],
                    on_conflict={'zone-b': 'rename'}),
                 'on_conflict on create')):
            _Api.max_version = server
            with self.assertRaises(exceptions.GimmingClientError) as e:
                call(self._client())
            self.assertEqual('client.api_version', e.exception.code)
            self.assertIn('%s needs API microversion' % what,
                          e.exception.message)
            self.assertIn('made at %s' % server, e.exception.message)
        self.assertEqual([], _Api.sent)


class TestChoose(unittest.TestCase):

    def test_ranges(self):
        self.assertEqual('1.0', api_versions.choose(('1.0', '1.0')))
        self.assertEqual('1.8', api_versions.choose(('1.0', '1.9')))
        self.assertEqual('1.8', api_versions.choose(('1.0', '1.9'), 'latest'))
        self.assertEqual('1.3', api_versions.choose(('1.0', '1.3')))
        self.assertRaisesRegex(exceptions.GimmingClientError,
                               'upgrade the client',
                               api_versions.choose, ('1.9', '1.10'))
        self.assertIsNone(api_versions.choose(None))
        self.assertIsNone(api_versions.choose(None, '1.0'))
        self.assertRaisesRegex(exceptions.GimmingClientError,
                               'serves no microversions',
                               api_versions.choose, None, '1.1')
        self.assertIsNone(api_versions.server_versions(
            {'version': {'id': 'v1.0'}}))

    def test_the_osc_option(self):
        self.assertEqual(('1', None), plugin.split_version('1'))
        self.assertEqual(('1', None), plugin.split_version(None))
        self.assertEqual(('1', '1.1'), plugin.split_version('1.1'))
        self.assertEqual(('1', 'latest'), plugin.split_version('latest'))
