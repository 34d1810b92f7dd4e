"""``openstack gimming image ...``: images kept in many clouds."""

import datetime
import sys

from osc_lib.command import command
from osc_lib import exceptions as osc_exc

from gimmingclient.osc.v1 import cache
from gimmingclient.osc.v1 import common

IMAGE_COLUMNS = ('ID', 'Name', 'Status', 'Locations')
IMAGE_LONG = ('Visibility', 'Size', 'Disk Format', 'Owner', 'Checksum',
              'Created At', 'Properties')


def image_row(i):
    return {
        'ID': i['id'], 'Name': i.get('name'), 'Status': i['status'],
        'Locations': ', '.join('%s=%s' % (loc['cloud'], loc['status'])
                               for loc in i['locations']),
        'Visibility': i.get('visibility'), 'Size': i.get('size'),
        'Disk Format': i.get('disk_format'), 'Owner': i.get('owner'),
        'Checksum': i.get('checksum'), 'Created At': i.get('created_at'),
        'Properties': i.get('properties'),
    }


def _location(loc):
    text = '%s: %s' % (loc['cloud'], loc['status'])
    if loc.get('image_id'):
        text += ' (%s)' % loc['image_id']
    if loc.get('remote_error'):
        text += ' [%s]' % loc['remote_error']['code']
    return text


def image_fields(i):
    """One image's fields, as ``gimming image show`` prints them."""
    out = {k: i.get(k) for k in (
        'id', 'name', 'status', 'visibility', 'owner', 'size', 'checksum',
        'os_hash_algo', 'os_hash_value', 'disk_format', 'container_format',
        'min_disk', 'min_ram', 'properties')}
    out['locations'] = [_location(loc) for loc in i['locations']]
    if i.get('available_in'):
        out['available_in'] = ', '.join(i['available_in'])
    out['created_at'] = i.get('created_at')
    out['updated_at'] = i.get('updated_at')
    return out


def _show(image):
    return common.show(image_fields(image))


ON_CONFLICT_HELP = ('A target holding another image of the name: refuse '
                    '(default), skip, rename or replace; <cloud>=<policy> '
                    'for one target (repeatable; API %s)')


def _on_conflict_option(parser, version):
    parser.add_argument('--on-conflict', metavar='<policy>',
                        action='append', help=ON_CONFLICT_HELP % version)


def _wait_option(parser, help_='Follow the copies until they end; '
                 'non-zero exit if any failed'):
    parser.add_argument('--wait', action='store_true', help=help_)


class ListImage(common.Lister):
    """List images (and keep the listing for --cached)"""

    def get_parser(self, prog_name):
        parser = super(ListImage, self).get_parser(prog_name)
        parser.add_argument('--name', metavar='<name>', help='With this name')
        parser.add_argument('--status', metavar='<status>',
                            help='In this state')
        parser.add_argument('--visibility', metavar='<visibility>',
                            help='With this visibility')
        parser.add_argument('--cloud', metavar='<cloud>',
                            help='With a copy in this cloud')
        parser.add_argument(
            '--property', metavar='<key=value>', action='append',
            help='With this property (repeatable; --cached only)')
        parser.add_argument(
            '--sort', metavar='<key[:dir]>',
            help='Sort on the server, for example name:desc')
        parser.add_argument('--limit', metavar='<n>', type=int,
                            help='At most this many images')
        parser.add_argument('--marker', metavar='<id>',
                            help='Start after this image')
        parser.add_argument('--all-projects', action='store_true',
                            help='Every project (administrators)')
        parser.add_argument(
            '--cached', action='store_true',
            help='Read the last listing kept locally, without asking GIMinG')
        parser.add_argument('--long', action='store_true',
                            help='More columns')
        return parser

    def _cached(self, a, config):
        cached = cache.load_images(config)
        if not cached:
            raise osc_exc.CommandError(
                'No cached listing yet: run `openstack gimming image list` '
                'once first.')
        saved = datetime.datetime.strptime(
            cached['saved_at'].replace('Z', '+0000'),
            '%Y-%m-%dT%H:%M:%S.%f%z')
        age = datetime.datetime.now(datetime.timezone.utc) - saved
        sys.stderr.write('Cached listing from %s (%d s ago).\n' % (
            cached['saved_at'], round(age.total_seconds())))
        props = common.key_values(a.property, '--property')
        images = [
            i for i in cached['images']
            if (not a.name or i.get('name') == a.name) and
            (not a.status or i.get('status') == a.status) and
            (not a.visibility or i.get('visibility') == a.visibility) and
            (not a.cloud or any(a.cloud in (loc['cloud'], loc.get('cloud_id'))
                                for loc in i['locations'])) and
            all((i.get('properties') or {}).get(k) == v
                for k, v in props.items())]
        return images[:a.limit] if a.limit else images

    def take_action(self, a):
        config = self.app.client_manager.get_configuration()
        if a.cached:
            images = self._cached(a, config)
        else:
            if a.property:
                raise osc_exc.CommandError(
                    '--property filters the cached listing: add --cached.')
            client = self.app.client_manager.image_manager
            images = list(client.images.list(
                name=a.name, status=a.status, visibility=a.visibility,
                cloud=a.cloud, sort=a.sort, limit=a.limit, marker=a.marker,
                all_projects=a.all_projects))
            # Only a full listing of one's own images is worth keeping.
            if not any((a.name, a.status, a.visibility, a.cloud, a.limit,
                        a.marker, a.all_projects)):
                cache.save_images(config, images)
        cols = IMAGE_COLUMNS + (IMAGE_LONG if a.long else ())
        return common.rows(cols, [image_row(i) for i in images])


class ShowImage(common.ShowOne):
    """Show an image, with what each cloud holds now"""

    def get_parser(self, prog_name):
        parser = super(ShowImage, self).get_parser(prog_name)
        parser.add_argument('image', metavar='<image>', help='Name or ID')
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.image_manager
        return _show(client.images.get(
            common.image_id(client, parsed_args.image)))


class CreateImage(common.ExitCode, common.ShowOne):
    """Create an image in many clouds, from a file (uploaded once) or a URL
    (imported)"""

    def get_parser(self, prog_name):
        parser = super(CreateImage, self).get_parser(prog_name)
        parser.add_argument('name', metavar='<name>', help='The image name')
        parser.add_argument(
            '--target', metavar='<cloud>', action='append', required=True,
            help='A cloud to make a copy in (repeatable)')
        parser.add_argument('--disk-format', metavar='<format>',
                            default='raw', help='Disk format (default: raw)')
        parser.add_argument('--container-format', metavar='<format>',
                            default='bare',
                            help='Container format (default: bare)')
        source = parser.add_mutually_exclusive_group()
        source.add_argument('--file', metavar='<path>',
                            help='Upload this file')
        source.add_argument('--url', metavar='<url>',
                            help='Import the data from this URL')
        parser.add_argument('--visibility', metavar='<visibility>',
                            help='private, shared, community or public')
        parser.add_argument('--min-disk', metavar='<gb>', type=int,
                            help='Minimum disk (GB)')
        parser.add_argument('--min-ram', metavar='<mb>', type=int,
                            help='Minimum RAM (MB)')
        parser.add_argument('--property', metavar='<key=value>',
                            action='append', help='A property (repeatable)')
        parser.add_argument(
            '--max-bandwidth', metavar='<rate>',
            help='Hold each copy to this: bytes/s, or 100M, 80MiB/s, 1Gbit '
                 '(API 1.4)')
        _on_conflict_option(parser, '1.7')
        _wait_option(parser)
        return parser

    def take_action(self, a):
        client = self.app.client_manager.image_manager
        props = common.key_values(a.property, '--property')
        created = client.images.create(
            a.name, a.target, disk_format=a.disk_format,
            container_format=a.container_format, visibility=a.visibility,
            min_disk=a.min_disk, min_ram=a.min_ram,
            properties=props or None, url=a.url,
            max_bandwidth=_bandwidth(a.max_bandwidth),
            on_conflict=on_conflict_option(a.on_conflict))
        if a.file:
            common.upload(client, created['id'], a.file)
        if a.wait:
            self.exit_code = common.follow_image(client, created['id'],
                                                 bool(a.url))
        # The image as the work left it, as the openstack client shows it.
        return _show(client.images.get(created['id']))


class UploadImage(command.Command):
    """Send an image's data, once, to every target"""

    def get_parser(self, prog_name):
        parser = super(UploadImage, self).get_parser(prog_name)
        parser.add_argument('image', metavar='<image>', help='Name or ID')
        parser.add_argument('file', metavar='<file>', help='The data')
        _wait_option(parser, 'Follow the copies until they end')
        return parser

    def take_action(self, a):
        client = self.app.client_manager.image_manager
        image = common.image_id(client, a.image)
        before = common.tasks_of(client, image, all_=True)
        common.upload(client, image, a.file)
        if a.wait:
            return common.follow(client, common.tasks_of(
                client, image, all_=True, except_=before))
        return 0


class AdoptImage(common.ExitCode, common.ShowOne):
    """Track an image that lives in one cloud, and copy it to others"""

    def get_parser(self, prog_name):
        parser = super(AdoptImage, self).get_parser(prog_name)
        parser.add_argument('remote_id', metavar='<remote-id>',
                            help='The image ID in the source cloud')
        parser.add_argument('--cloud', metavar='<cloud>', required=True,
                            help='The cloud that holds it')
        parser.add_argument('--target', metavar='<cloud>', action='append',
                            help='A cloud to copy it to (repeatable)')
        parser.add_argument('--name', metavar='<name>',
                            help='A name (default: the source image name)')
        parser.add_argument('--visibility', metavar='<visibility>',
                            help='private, shared, community or public')
        _on_conflict_option(parser, '1.7')
        _wait_option(parser, 'Follow the copies until they end')
        return parser

    def take_action(self, a):
        client = self.app.client_manager.image_manager
        adopted = client.images.adopt(
            a.cloud, a.remote_id, a.target or [], name=a.name,
            visibility=a.visibility,
            on_conflict=on_conflict_option(a.on_conflict))
        if not a.wait:
            return _show(adopted)
        self.exit_code = common.follow(client, common.location_tasks(adopted))
        return _show(client.images.get(adopted['id']))


class DeleteImage(command.Command):
    """Forget images, or delete them from every cloud"""

    def get_parser(self, prog_name):
        parser = super(DeleteImage, self).get_parser(prog_name)
        parser.add_argument('images', metavar='<image>', nargs='+',
                            help='Names or IDs')
        parser.add_argument(
            '--delete-remote', action='store_true',
            help='Delete every copy from its cloud too (a task per copy)')
        _wait_option(parser, 'Follow the delete tasks until they end')
        return parser

    def take_action(self, a):
        client = self.app.client_manager.image_manager
        failed = 0
        task_ids = []
        for ref in a.images:
            try:
                result = client.images.delete(
                    common.image_id(client, ref),
                    delete_remote=a.delete_remote)
                if result:
                    task_ids.extend(t['id'] for t in result['tasks'])
            except Exception as e:
                failed += 1
                common.report(e, 'Failed to delete image %s' % ref)
        waited = common.follow(client, task_ids) if a.wait else 0
        return 1 if failed else waited


class SetImage(common.ShowOne):
    """Change an image's name or visibility, in every copy"""

    def get_parser(self, prog_name):
        parser = super(SetImage, self).get_parser(prog_name)
        parser.add_argument('image', metavar='<image>', help='Name or ID')
        parser.add_argument('--name', metavar='<name>', help='A new name')
        parser.add_argument('--visibility', metavar='<visibility>',
                            help='private, shared, community or public')
        return parser

    def take_action(self, a):
        if not a.name and not a.visibility:
            raise osc_exc.CommandError(
                'Nothing to change: give --name or --visibility.')
        client = self.app.client_manager.image_manager
        return _show(client.images.update(
            common.image_id(client, a.image), name=a.name,
            visibility=a.visibility))


CONFLICT_POLICIES = ('refuse', 'skip', 'rename', 'replace')


def on_conflict_option(values):
    """``--on-conflict skip`` (every target) or ``zone-b=rename`` (one;
    ``*=`` the others), as the gimming CLI takes it."""
    if not values:
        return None
    per_cloud = {}
    for value in values:
        cloud, _, policy = value.rpartition('=')
        if policy not in CONFLICT_POLICIES:
            raise osc_exc.CommandError(
                '--on-conflict %s: the policy is one of %s' % (
                    value, ', '.join(CONFLICT_POLICIES)))
        per_cloud[cloud or '*'] = policy
    if list(per_cloud) == ['*']:
        return per_cloud['*']
    return per_cloud


def _bandwidth(value):
    """A --max-bandwidth value: a number of bytes/s as a number, a rate with
    a unit as the server parses it."""
    if value is None:
        return None
    return int(value) if value.isdigit() else value


class SyncImage(common.ExitCode, common.ShowOne):
    """Copy an image to more clouds, or retry failed copies"""

    def get_parser(self, prog_name):
        parser = super(SyncImage, self).get_parser(prog_name)
        parser.add_argument('image', metavar='<image>', help='Name or ID')
        parser.add_argument('--target', metavar='<cloud>', action='append',
                            required=True, help='A cloud (repeatable)')
        _on_conflict_option(parser, '1.3')
        parser.add_argument(
            '--max-bandwidth', metavar='<rate>',
            help='Hold each copy to this: bytes/s, or 100M, 80MiB/s, 1Gbit '
                 '(API 1.4)')
        parser.add_argument(
            '--incremental-from', metavar='<image>',
            help='An earlier version of the image (name or ID): targets '
                 'holding a copy of it get only the blocks that differ '
                 '(API 1.5)')
        _wait_option(parser, 'Follow the copies until they end')
        return parser

    def take_action(self, a):
        client = self.app.client_manager.image_manager
        synced = client.images.sync(
            common.image_id(client, a.image), a.target,
            on_conflict=on_conflict_option(a.on_conflict),
            max_bandwidth=_bandwidth(a.max_bandwidth),
            incremental_from=common.image_id(client, a.incremental_from)
            if a.incremental_from else None)
        if not a.wait:
            return _show(synced)
        self.exit_code = common.follow(client, common.location_tasks(synced))
        return _show(client.images.get(synced['id']))


class SetImageClouds(common.ExitCode, common.ShowOne):
    """Set the clouds an image should be in: copy it to the new ones, delete
    its copies in the others"""

    def get_parser(self, prog_name):
        parser = super(SetImageClouds, self).get_parser(prog_name)
        parser.add_argument('image', metavar='<image>', help='Name or ID')
        parser.add_argument('clouds', metavar='<cloud>', nargs='*',
                            help='Every cloud the image should be in '
                                 '(names or IDs)')
        parser.add_argument('--dry-run', action='store_true',
                            help='Only tell what would be copied, deleted '
                                 'or refused')
        _wait_option(parser, 'Follow the copies until they end')
        return parser

    def take_action(self, a):
        client = self.app.client_manager.image_manager
        plan = client.images.set_targets(common.image_id(client, a.image),
                                         a.clouds, dry_run=a.dry_run)

        def names(items):
            return ', '.join(items) if items else '-'

        refused = plan.get('refused') or []
        shown = common.show({
            'image_id': plan.get('image_id'),
            'dry_run': plan.get('dry_run'),
            'keep': names(plan.get('keep') or []),
            'add': names(plan.get('add') or []),
            'remove': names(plan.get('remove') or []),
            'refused': ' '.join(r.get('message', '') for r in refused)
            if refused else '-',
        })
        if plan.get('dry_run'):
            self.exit_code = 1 if refused else 0
        elif a.wait:
            self.exit_code = common.follow(
                client, [t['task_id'] for t in plan.get('tasks') or []])
        return shown


class RefreshImage(common.ShowOne):
    """Check every copy against its cloud now"""

    def get_parser(self, prog_name):
        parser = super(RefreshImage, self).get_parser(prog_name)
        parser.add_argument('image', metavar='<image>', help='Name or ID')
        return parser

    def take_action(self, a):
        client = self.app.client_manager.image_manager
        return _show(client.images.refresh(common.image_id(client, a.image)))


class LinkImage(common.ShowOne):
    """Link a copy that already exists in a cloud"""

    def get_parser(self, prog_name):
        parser = super(LinkImage, self).get_parser(prog_name)
        parser.add_argument('image', metavar='<image>', help='Name or ID')
        parser.add_argument('cloud', metavar='<cloud>',
                            help='The cloud that holds the copy')
        parser.add_argument('remote_id', metavar='<remote-id>',
                            help='The image ID in that cloud')
        return parser

    def take_action(self, a):
        client = self.app.client_manager.image_manager
        return common.show(client.images.link(
            common.image_id(client, a.image), a.cloud, a.remote_id))


class UnlinkImage(command.Command):
    """Forget an image's copy in a cloud, or delete it there"""

    def get_parser(self, prog_name):
        parser = super(UnlinkImage, self).get_parser(prog_name)
        parser.add_argument('image', metavar='<image>', help='Name or ID')
        parser.add_argument('cloud', metavar='<cloud>', help='Name or ID')
        parser.add_argument('--delete-remote', action='store_true',
                            help='Delete the copy from the cloud too')
        return parser

    def take_action(self, a):
        client = self.app.client_manager.image_manager
        client.images.unlink(common.image_id(client, a.image), a.cloud,
                             delete_remote=a.delete_remote)
