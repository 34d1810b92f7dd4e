import base64
import json
import os
import tempfile
import unittest

from keystoneauth1 import session
from osc_lib import exceptions as osc_exc

from gimmingclient.osc import plugin
from gimmingclient.v1 import client


class TestEndpoint(unittest.TestCase):

    def test_the_override_without_its_v1(self):
        c = client.Client(session=session.Session(),
                          endpoint_override='http://gimming:9595/v1/')
        self.assertEqual('http://gimming:9595', c.http.endpoint())
        self.assertEqual('image-manager', c.http.adapter.service_type)

    def test_a_session_is_required(self):
        self.assertRaises(ValueError, client.Client)

    def test_cloud_credentials_ride_in_a_header(self):
        creds = {'private-cloud': {'username': 'u', 'password': 'p'}}
        c = client.Client(session=session.Session(), endpoint_override='x',
                          cloud_credentials=creds)
        header = c.http._headers['X-Cloud-Credentials']
        self.assertEqual(creds, json.loads(base64.b64decode(header)))


class TestCredentialsFile(unittest.TestCase):

    def _file(self, text):
        f = tempfile.NamedTemporaryFile('w', suffix='.yaml', delete=False)
        f.write(text)
        f.close()
        self.addCleanup(os.unlink, f.name)
        return f.name

    def test_yaml_or_json_by_cloud_name(self):
        self.assertEqual(
            {'c': {'username': 'u'}},
            plugin._read_credentials(self._file('c:\n  username: u\n')))
        self.assertEqual(
            {'c': {'token': 't'}},
            plugin._read_credentials(self._file('{"c": {"token": "t"}}')))

    def test_anything_else_is_an_error(self):
        self.assertRaises(osc_exc.CommandError, plugin._read_credentials,
                          self._file('- a\n- b\n'))
        self.assertRaises(osc_exc.CommandError, plugin._read_credentials,
                          '/nonexistent/creds.yaml')
