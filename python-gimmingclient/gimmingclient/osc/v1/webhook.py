"""``openstack gimming webhook ...``, as ``gimming webhook``: receivers of
the project's notifications (HMAC-signed POSTs)."""

from osc_lib.command import command

from gimmingclient.osc.v1 import common

WEBHOOK_COLUMNS = ('ID', 'Name', 'URL', 'Event Types')
DELIVERY_COLUMNS = ('ID', 'Event Type', 'Status', 'Attempts', 'Response',
                    'Created At')
DELIVERY_LONG = ('Last Error', 'Next Attempt At', 'Delivered At',
                 'Message ID')


def webhook_fields(w):
    out = dict(w)
    out['event_types'] = ', '.join(w.get('event_types') or [])
    return out


def delivery_row(d):
    return {'ID': d['id'], 'Event Type': d['event_type'],
            'Status': d['status'], 'Attempts': d.get('attempts'),
            'Response': d.get('response_status'),
            'Created At': d.get('created_at'),
            'Last Error': d.get('last_error'),
            'Next Attempt At': d.get('next_attempt_at'),
            'Delivered At': d.get('delivered_at'),
            'Message ID': d.get('message_id')}


def _webhook(parser):
    parser.add_argument('webhook', metavar='<webhook>',
                        help='The webhook ID')


class CreateWebhook(common.ShowOne):
    """Register a webhook; its secret is shown this once"""

    def get_parser(self, prog_name):
        parser = super(CreateWebhook, self).get_parser(prog_name)
        parser.add_argument('url', metavar='<url>',
                            help='Where the notifications are POSTed (http '
                                 'or https)')
        parser.add_argument('--name', metavar='<name>',
                            help='A name (default: the URL host)')
        parser.add_argument('--event-type', metavar='<pattern>',
                            action='append',
                            help='Notifications to receive, such as image.* '
                                 '(repeatable; default: every one)')
        return parser

    def take_action(self, a):
        client = self.app.client_manager.image_manager
        return common.show(webhook_fields(client.webhooks.create(
            a.url, name=a.name or None, event_types=a.event_type)))


class ListWebhook(common.Lister):
    """List the project's webhooks"""

    def get_parser(self, prog_name):
        parser = super(ListWebhook, self).get_parser(prog_name)
        parser.add_argument('--all-projects', action='store_true',
                            help='Every project (administrators)')
        return parser

    def take_action(self, a):
        client = self.app.client_manager.image_manager
        return common.rows(WEBHOOK_COLUMNS, [
            {'ID': w['id'], 'Name': w.get('name'), 'URL': w['url'],
             'Event Types': ', '.join(w.get('event_types') or [])}
            for w in client.webhooks.list(all_projects=a.all_projects)])


class ShowWebhook(common.ShowOne):
    """Show a webhook"""

    def get_parser(self, prog_name):
        parser = super(ShowWebhook, self).get_parser(prog_name)
        _webhook(parser)
        return parser

    def take_action(self, a):
        client = self.app.client_manager.image_manager
        return common.show(webhook_fields(client.webhooks.get(a.webhook)))


class DeleteWebhook(command.Command):
    """Delete webhooks and their delivery history"""

    def get_parser(self, prog_name):
        parser = super(DeleteWebhook, self).get_parser(prog_name)
        parser.add_argument('webhooks', metavar='<webhook>', nargs='+',
                            help='Webhook IDs')
        return parser

    def take_action(self, a):
        client = self.app.client_manager.image_manager
        failed = 0
        for webhook_id in a.webhooks:
            try:
                client.webhooks.delete(webhook_id)
            except Exception as e:
                failed += 1
                common.report(e, 'Failed to delete webhook %s' % webhook_id)
        return 1 if failed else 0


class ListWebhookDelivery(common.Lister):
    """List a webhook's deliveries, newest first"""

    def get_parser(self, prog_name):
        parser = super(ListWebhookDelivery, self).get_parser(prog_name)
        _webhook(parser)
        parser.add_argument('--status', metavar='<status>',
                            choices=('pending', 'delivered', 'failed'),
                            help='pending, delivered or failed')
        parser.add_argument('--limit', metavar='<n>', type=int,
                            help='At most this many (default 100)')
        parser.add_argument('--long', action='store_true',
                            help='More columns')
        return parser

    def take_action(self, a):
        client = self.app.client_manager.image_manager
        cols = DELIVERY_COLUMNS + (DELIVERY_LONG if a.long else ())
        return common.rows(cols, [delivery_row(d) for d in
                                  client.webhooks.deliveries(
                                      a.webhook, status=a.status,
                                      limit=a.limit)])


class PingWebhook(common.ShowOne):
    """Send a test delivery (gimming.webhook.ping)"""

    def get_parser(self, prog_name):
        parser = super(PingWebhook, self).get_parser(prog_name)
        _webhook(parser)
        return parser

    def take_action(self, a):
        client = self.app.client_manager.image_manager
        return common.show(client.webhooks.ping(a.webhook))
