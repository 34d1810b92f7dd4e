"""Webhooks: a project's notifications, HMAC-signed, POSTed to a URL and
tried again until delivered (``/v1/webhooks``, served at every
microversion)."""

from gimmingclient.v1.http import quote

DELIVERY_STATES = ('pending', 'delivered', 'failed')


class WebhookManager(object):

    def __init__(self, http):
        self.http = http

    def create(self, url, name=None, event_types=None):
        """Registers a webhook. The answer's ``secret`` is shown this once:
        keep it to check the signatures."""
        body = {'url': url}
        if name is not None:
            body['name'] = name
        if event_types is not None:
            body['event_types'] = list(event_types)
        return self.http.send_json('POST', '/v1/webhooks', body)

    def list(self, all_projects=False):
        params = {'all_projects': 'true'} if all_projects else None
        return self.http.get_json('/v1/webhooks', params=params)['webhooks']

    def get(self, webhook_id):
        return self.http.get_json('/v1/webhooks/%s' % quote(webhook_id))

    def delete(self, webhook_id):
        self.http.request('DELETE', '/v1/webhooks/%s' % quote(webhook_id))

    def deliveries(self, webhook_id, status=None, limit=None):
        """Its deliveries, newest first (``status``: pending, delivered or
        failed; ``limit`` 1 to 1000, 100 by default)."""
        if status is not None and status not in DELIVERY_STATES:
            raise ValueError('status must be one of %s.' %
                             ', '.join(DELIVERY_STATES))
        params = {}
        if status:
            params['status'] = status
        if limit:
            params['limit'] = str(int(limit))
        return self.http.get_json(
            '/v1/webhooks/%s/deliveries' % quote(webhook_id),
            params=params or None)['deliveries']

    def ping(self, webhook_id):
        """Queues a test delivery (``gimming.webhook.ping``); answers it."""
        return self.http.send_json(
            'POST', '/v1/webhooks/%s/ping' % quote(webhook_id))
