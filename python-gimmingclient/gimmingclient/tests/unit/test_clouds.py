"""Clouds of the three kinds through the plugin's commands and a real local
HTTP server: ``cloud create --type gcp`` sends the project, bucket, storage
location and family as the API names them, and ``matrix`` says in a table
the kind of each cloud's column (the cloud names in every other format)."""

import http.server
import io
import json
import threading
import unittest

from keystoneauth1 import session
from keystoneauth1 import token_endpoint

from gimmingclient import exceptions
from gimmingclient.osc.v1 import cloud
from gimmingclient.osc.v1 import matrix
from gimmingclient.v1 import client

CLOUDS = [
    {'id': 'c-a', 'name': 'zone-a', 'type': 'openstack'},
    {'id': 'c-e', 'name': 'ec2-east', 'type': 'aws'},
    {'id': 'c-g', 'name': 'gce', 'type': 'gcp'},
]
MATRIX = {
    'clouds': [{'id': c['id'], 'name': c['name']} for c in CLOUDS],
    'images': [{'id': 'i-1', 'name': 'debian', 'owner': 'p',
                'cells': {'zone-a': 'active', 'ec2-east': 'copying',
                          'gce': None}}],
}


# A cloud's capabilities as the API answers them from 1.8 on (below it,
# without native_copy_limit, native_copy_unavailable, incremental_conversion).
CAPABILITIES = {
    'can_export': True, 'can_import': True, 'native_copy': ['openstack'],
    'incremental': True,
    'native_copy_limit': {'image_bytes': 0, 'image_bytes_from': ''},
    'native_copy_unavailable': {'aws': 'No native copy from EC2.'},
    'incremental_conversion': True,
}
SINCE_1_8 = ('native_copy_limit', 'native_copy_unavailable',
             'incremental_conversion')


class API(http.server.BaseHTTPRequestHandler):
    posted = []
    sent = []

    def answer(self, status, body):
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(payload)))
        self.send_header('x-openstack-request-id', 'req-test')
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self):
        if self.path == '/v1/':
            return self.answer(200, {'version': {
                'id': 'v1.0', 'status': 'CURRENT', 'min_version': '1.0',
                'version': '1.9'}})
        header = self.headers.get('OpenStack-API-Version') or ''
        type(self).sent.append(header)
        if self.path == '/v1/clouds/zone-a':
            at = tuple(int(n) for n in (header.split()[1:] or ['1.0'])[0]
                       .split('.'))
            caps = {k: v for k, v in CAPABILITIES.items()
                    if at >= (1, 8) or k not in SINCE_1_8}
            return self.answer(200, dict(CLOUDS[0], capabilities=caps))
        if self.path.startswith('/v1/matrix'):
            return self.answer(200, MATRIX)
        if self.path == '/v1/clouds':
            return self.answer(200, {'clouds': CLOUDS})
        self.answer(404, {'error': {'code': 'x', 'message': 'no'}})

    def do_POST(self):
        body = json.loads(self.rfile.read(
            int(self.headers['Content-Length'])))
        self.posted.append(body)
        if body.get('project') == 'My_Project':
            return self.answer(400, {'error': {
                'code': 'gimming.cloud.bad_project',
                'message': 'A gcp cloud needs project: a Google Cloud '
                           'project ID.'}})
        self.answer(201, dict(body, id='c-new', agents_up=0))

    def log_message(self, *args):
        pass


class ClientManager(object):
    def __init__(self, image_manager):
        self.image_manager = image_manager


class App(object):
    def __init__(self, image_manager):
        self.client_manager = ClientManager(image_manager)
        self.stdout = io.StringIO()
        self.stderr = io.StringIO()


class TestClouds(unittest.TestCase):

    def setUp(self):
        self.server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), API)
        threading.Thread(target=self.server.serve_forever,
                         daemon=True).start()
        self.addCleanup(self.server.server_close)
        self.addCleanup(self.server.shutdown)
        url = 'http://127.0.0.1:%d' % self.server.server_address[1]
        auth = token_endpoint.Token(url, 'tok')
        self.app = App(client.Client(session=session.Session(auth=auth),
                                     endpoint_override=url))
        API.posted = []
        API.sent = []

    def run_command(self, cls, argv):
        cmd = cls(self.app, None)
        cmd.run(cmd.get_parser('test').parse_args(argv))
        return self.app.stdout.getvalue()

    def test_show_asks_1_8_and_prints_native_and_incremental_capabilities(
            self):
        shown = json.loads(self.run_command(cloud.ShowCloud,
                                            ['zone-a', '-f', 'json']))
        self.assertEqual(['image-manager 1.8'], API.sent)
        self.assertEqual(CAPABILITIES, shown['capabilities'])
        table = self.run_command(cloud.ShowCloud, ['zone-a', '-f', 'table'])
        for text in ('"native_copy_limit":{"image_bytes":0,',
                     '"native_copy_unavailable":{"aws":"No native copy',
                     '"incremental_conversion":true'):
            self.assertIn(text, table.replace('\n', ''))

    def test_create_gcp_sends_the_fields_the_api_names(self):
        out = self.run_command(cloud.CreateCloud, [
            'gce', '--type', 'gcp', '--region', 'global', '--zone', 'zone-b',
            '--gcp-project', 'my-project', '--bucket', 'my-transfers',
            '--storage-location', 'europe-west1', '--family', 'debian',
            '-f', 'json'])
        self.assertEqual([{
            'name': 'gce', 'type': 'gcp', 'region_name': 'global',
            'zone': 'zone-b', 'project': 'my-project',
            'bucket': 'my-transfers', 'storage_location': 'europe-west1',
            'family': 'debian'}], API.posted)
        self.assertEqual('my-project', json.loads(out)['project'])

    def test_a_project_gcp_cloud_with_its_secret(self):
        self.run_command(cloud.CreateCloud, [
            'mine', '--type', 'gcp', '--region', 'global', '--project',
            '--gcp-project', 'my-project', '--bucket', 'my-transfers',
            '--credentials-ref', 'a5e1b1c0-0000-4000-8000-000000000001',
            '-f', 'json'])
        self.assertEqual('project', API.posted[0]['scope'])
        self.assertEqual('a5e1b1c0-0000-4000-8000-000000000001',
                         API.posted[0]['credentials_ref'])
        self.assertNotIn('storage_location', API.posted[0])
        self.assertNotIn('family', API.posted[0])

    def test_the_servers_refusal_in_its_words(self):
        with self.assertRaises(exceptions.GimmingClientError) as e:
            self.run_command(cloud.CreateCloud, [
                'gce', '--type', 'gcp', '--region', 'global',
                '--gcp-project', 'My_Project', '--bucket', 'my-transfers'])
        self.assertIn('needs project: a Google Cloud project ID',
                      str(e.exception))

    def test_other_kinds_send_no_gcp_field(self):
        self.run_command(cloud.CreateCloud, [
            'ec2', '--type', 'aws', '--region', 'us-east-1', '--bucket',
            'my-transfers', '-f', 'json'])
        self.assertEqual({'name', 'type', 'region_name', 'bucket'},
                         set(API.posted[0]))

    def test_matrix_table_says_the_kind_of_each_column(self):
        table = self.run_command(matrix.Matrix, ['-f', 'table'])
        lines = table.splitlines()
        self.assertRegex(lines[1], r'^\| Image +\| ID +\| '
                                   r'zone-a \(openstack\) +\| '
                                   r'ec2-east \(aws\) +\| gce \(gcp\) +\|$')
        self.assertRegex(table, r'\| debian +\| i-1 +\| ok +\| '
                                r'\.\. copying +\| - +\|')

    def test_matrix_json_and_c_keep_the_cloud_names(self):
        rows = json.loads(self.run_command(matrix.Matrix, ['-f', 'json']))
        self.assertEqual([{'Image': 'debian', 'ID': 'i-1',
                           'zone-a': 'active', 'ec2-east': 'copying',
                           'gce': None}], rows)
        picked = self.run_command(matrix.Matrix, [
            '-f', 'table', '-c', 'Image', '-c', 'gce'])
        self.assertIn('| Image  | gce |', picked)
