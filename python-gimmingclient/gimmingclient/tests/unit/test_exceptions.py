import json
import unittest

import requests

from gimmingclient import exceptions


def response(status, body, headers=None):
    r = requests.Response()
    r.status_code = status
    r._content = body if isinstance(body, bytes) else json.dumps(body).encode()
    r.headers.update(headers or {})
    return r


class TestFromResponse(unittest.TestCase):

    def test_a_gimming_error_keeps_code_status_and_request_id(self):
        err = exceptions.from_response(response(404, {'error': {
            'code': 'gimming.image.not_found', 'status': 404,
            'message': 'Image x was not found.',
            'request_id': 'req-1'}}))
        self.assertIsInstance(err, exceptions.NotFound)
        self.assertEqual('gimming.image.not_found', err.code)
        self.assertEqual(
            'Image x was not found. (HTTP 404) (Request-ID: req-1)', str(err))

    def test_any_other_answer(self):
        err = exceptions.from_response(response(
            502, b'<html>\n Bad   gateway</html>',
            {'x-openstack-request-id': 'req-2'}))
        self.assertEqual('client.http_error', err.code)
        self.assertEqual('HTTP 502: <html> Bad gateway</html> (HTTP 502) '
                         '(Request-ID: req-2)', str(err))

    def test_no_answer(self):
        err = exceptions.GimmingClientError('Unreachable.', 0, 'client.x')
        self.assertEqual('Unreachable.', str(err))
