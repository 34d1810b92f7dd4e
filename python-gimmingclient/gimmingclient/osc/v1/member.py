"""``openstack gimming image member ...``: projects an image is shared
with."""

from osc_lib.command import command

from gimmingclient.osc.v1 import common


def copies(member):
    return ', '.join(
        '%s=%s' % (c['cloud'], c.get('status') or
                   (c['error']['code'] if c.get('error') else 'none'))
        for c in member['copies'])


class ListImageMember(common.Lister):
    """List the projects an image is shared with"""

    def get_parser(self, prog_name):
        parser = super(ListImageMember, self).get_parser(prog_name)
        parser.add_argument('image', metavar='<image>', help='Name or ID')
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.image_manager
        members = client.images.members.list(
            common.image_id(client, parsed_args.image))
        return common.rows(
            ('Member ID', 'Image ID', 'Status', 'Created At'),
            [{'Member ID': m['member_id'], 'Image ID': m['image_id'],
              'Status': copies(m), 'Created At': m.get('created_at')}
             for m in members])


class AddImageMember(common.ShowOne):
    """Share an image with a project, in every copy"""

    def get_parser(self, prog_name):
        parser = super(AddImageMember, self).get_parser(prog_name)
        parser.add_argument('image', metavar='<image>', help='Name or ID')
        parser.add_argument('project', metavar='<project>',
                            help='The project ID')
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.image_manager
        added = client.images.members.add(
            common.image_id(client, parsed_args.image), parsed_args.project)
        return common.show({'member_id': added['member_id'],
                            'image_id': added['image_id'],
                            'status': copies(added),
                            'created_at': added.get('created_at')})


class RemoveImageMember(command.Command):
    """Stop sharing an image with a project, in every copy"""

    def get_parser(self, prog_name):
        parser = super(RemoveImageMember, self).get_parser(prog_name)
        parser.add_argument('image', metavar='<image>', help='Name or ID')
        parser.add_argument('project', metavar='<project>',
                            help='The project ID')
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.image_manager
        client.images.members.remove(
            common.image_id(client, parsed_args.image), parsed_args.project)
