"""``openstack gimming cloud ...``: the clouds GIMinG keeps images in."""

from osc_lib.command import command

from gimmingclient.osc.v1 import common

CLOUD_COLUMNS = ('ID', 'Name', 'Type', 'Region', 'Zone', 'Scope',
                 'Agents Up')
CLOUD_LONG = ('Bucket', 'Owner', 'Created At')
_CLOUD_FIELDS = {'ID': 'id', 'Name': 'name', 'Type': 'type',
                 'Region': 'region_name', 'Zone': 'zone', 'Scope': 'scope',
                 'Agents Up': 'agents_up', 'Bucket': 'bucket',
                 'Owner': 'owner',
                 'Created At': 'created_at'}


class ListCloud(common.Lister):
    """List clouds"""

    def get_parser(self, prog_name):
        parser = super(ListCloud, self).get_parser(prog_name)
        parser.add_argument('--long', action='store_true',
                            help='More columns')
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.image_manager
        cols = CLOUD_COLUMNS + (CLOUD_LONG if parsed_args.long else ())
        clouds = [{k: c.get(f) for k, f in _CLOUD_FIELDS.items()}
                  for c in client.clouds.list()]
        # Only aws and gcp clouds have a bucket: the others show an empty
        # cell.
        for c in clouds:
            c['Bucket'] = c['Bucket'] or ''
        return common.rows(cols, clouds)


class ShowCloud(common.ShowOne):
    """Show a cloud"""

    def get_parser(self, prog_name):
        parser = super(ShowCloud, self).get_parser(prog_name)
        parser.add_argument('cloud', metavar='<cloud>', help='Name or ID')
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.image_manager
        return common.show(client.clouds.get(parsed_args.cloud))


class CreateCloud(common.ShowOne):
    """Register a shared cloud (administrators), or one of your project's
    (--project)"""

    def get_parser(self, prog_name):
        parser = super(CreateCloud, self).get_parser(prog_name)
        parser.add_argument('name', metavar='<name>', help='The cloud name')
        parser.add_argument(
            '--region', metavar='<region>', required=True,
            help='The region of its image endpoint in the Keystone catalog '
                 '(aws: the AWS region, such as us-east-1; gcp: global)')
        parser.add_argument(
            '--zone', metavar='<zone>',
            help='The zone of the agents that serve it (default: the name)')
        parser.add_argument('--type', metavar='<type>', default='openstack',
                            help='The cloud type: openstack (default), aws '
                                 'or gcp')
        parser.add_argument('--project', action='store_true',
                            help="A cloud of your project's own, not shared")
        parser.add_argument(
            '--auth-url', metavar='<url>',
            help="The cloud's own identity service (openstack project "
                 "clouds)")
        parser.add_argument(
            '--credentials-ref', metavar='<secret>',
            help='The key-manager secret (UUID or href) holding its '
                 'credentials')
        parser.add_argument(
            '--bucket', metavar='<bucket>',
            help='The S3 or Cloud Storage bucket GIMinG may use for '
                 'transfers (aws, gcp)')
        parser.add_argument(
            '--gcp-project', metavar='<id>',
            help='The Google Cloud project of a gcp cloud')
        parser.add_argument(
            '--storage-location', metavar='<location>',
            help="Where a gcp cloud's images are stored (us, europe-west1)")
        parser.add_argument(
            '--family', metavar='<family>',
            help="The default image family of a gcp cloud's copies")
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.image_manager
        created = client.clouds.create(
            parsed_args.name, parsed_args.region, zone=parsed_args.zone,
            type=parsed_args.type, project=parsed_args.project,
            auth_url=parsed_args.auth_url,
            credentials_ref=parsed_args.credentials_ref,
            bucket=parsed_args.bucket,
            gcp_project=parsed_args.gcp_project,
            storage_location=parsed_args.storage_location,
            family=parsed_args.family)
        return common.show(created)


class DeleteCloud(command.Command):
    """Remove clouds that hold no tracked copy (shared ones:
    administrators)"""

    def get_parser(self, prog_name):
        parser = super(DeleteCloud, self).get_parser(prog_name)
        parser.add_argument('clouds', metavar='<cloud>', nargs='+',
                            help='Names or IDs')
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.image_manager
        failed = 0
        for ref in parsed_args.clouds:
            try:
                client.clouds.delete(ref)
            except Exception as e:
                failed += 1
                common.report(e, 'Failed to delete cloud %s' % ref)
        return 1 if failed else 0


class ListCloudImage(common.Lister):
    """List, live, the images you can see in a cloud, and which GIMinG image
    tracks each"""

    BASE = ('ID', 'Name', 'Status', 'Size', 'Visibility', 'Tracked By')
    LONG = ('Disk Format', 'Container Format', 'Owner', 'Checksum')
    FIELDS = {'ID': 'id', 'Name': 'name', 'Status': 'status', 'Size': 'size',
              'Visibility': 'visibility', 'Tracked By': 'tracked_by',
              'Disk Format': 'disk_format',
              'Container Format': 'container_format', 'Owner': 'owner',
              'Checksum': 'checksum'}

    def get_parser(self, prog_name):
        parser = super(ListCloudImage, self).get_parser(prog_name)
        parser.add_argument('cloud', metavar='<cloud>', help='Name or ID')
        parser.add_argument('--limit', metavar='<n>', type=int,
                            help='At most this many images (default: all, '
                                 'page after page)')
        parser.add_argument('--page-size', metavar='<n>', type=int,
                            help='How many images to ask the server for at '
                                 'a time')
        parser.add_argument('--marker', metavar='<id>',
                            help="Start after this image (a cloud's image "
                                 "ID)")
        parser.add_argument('--long', action='store_true',
                            help='More columns')
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.image_manager
        images = client.clouds.images(parsed_args.cloud,
                                      limit=parsed_args.limit,
                                      page_size=parsed_args.page_size,
                                      marker=parsed_args.marker)
        cols = self.BASE + (self.LONG if parsed_args.long else ())
        return common.rows(cols, [{k: i.get(f) for k, f in self.FIELDS.items()}
                                  for i in images])
