"""``openstack gimming family ...`` and ``openstack gimming channel ...``
(REST microversion 1.2), as ``gimming family`` and ``gimming channel``: image
families, their versions and lifecycle, and the channels that point at
versions. A version is named by its sequence number, its label or its ID."""

from osc_lib.command import command
from osc_lib import exceptions as osc_exc

from gimmingclient.osc.v1 import common

VERSION_COLUMNS = ('Version', 'Label', 'Image', 'Lifecycle', 'Channels',
                   'Parent')
VERSION_LONG = ('Scheduled', 'Propagated', 'Created At')
STATES = (('deprecate', 'deprecated'), ('obsolete', 'obsolete'),
          ('revoke', 'revoked'), ('restore', 'active'))


def version_row(v):
    s = v.get('scheduled')
    return {
        'Version': v['sequence'], 'Label': v.get('label'),
        'Image': v['image_id'], 'Lifecycle': v['lifecycle'],
        'Channels': ', '.join(v.get('channels') or []),
        'Parent': v.get('parent'),
        'Scheduled': '%s at %s%s' % (s['state'], s['at'],
                                     ' (cascade)' if s.get('cascade')
                                     else '') if s else '',
        'Propagated': 'yes' if v.get('propagated')
        else 'no: %s' % (v.get('propagation_error') or ''),
        'Created At': v.get('created_at'),
    }


def family_fields(f):
    """A family as ``family show`` prints it in a table: its versions and
    channels one a line."""
    out = {k: v for k, v in f.items()
           if k not in ('versions', 'channels', 'created_at', 'updated_at')}
    out['versions'] = ['%s%s: %s %s' % (
        v['sequence'], ' (%s)' % v['label'] if v.get('label') else '',
        v['image_id'], v['lifecycle']) for v in f.get('versions') or []]
    out['channels'] = ['%s: %s' % (c['name'], '-' if c.get('version') is None
                                   else c['version'])
                       for c in f.get('channels') or []]
    out['created_at'] = f.get('created_at')
    out['updated_at'] = f.get('updated_at')
    return out


def _family(parser):
    parser.add_argument('family', metavar='<family>', help='Name or ID')


def _channel(parser):
    parser.add_argument('channel', metavar='<channel>',
                        help='The channel name')


class CreateFamily(common.ShowOne):
    """Create an image family in your project"""

    def get_parser(self, prog_name):
        parser = super(CreateFamily, self).get_parser(prog_name)
        parser.add_argument('name', metavar='<name>', help='The family name')
        parser.add_argument('--description', metavar='<text>',
                            help='What the family is')
        return parser

    def take_action(self, a):
        client = self.app.client_manager.image_manager
        return common.show(family_fields(client.families.create(
            a.name, description=a.description or None)))


class ListFamily(common.Lister):
    """List image families"""

    def get_parser(self, prog_name):
        parser = super(ListFamily, self).get_parser(prog_name)
        parser.add_argument('--all-projects', action='store_true',
                            help="Every project's (administrators)")
        return parser

    def take_action(self, a):
        client = self.app.client_manager.image_manager
        out = []
        for f in client.families.list(all_projects=a.all_projects):
            latest = [c.get('version') for c in f.get('channels') or []
                      if c['name'] == 'latest']
            out.append({'ID': f['id'], 'Name': f['name'],
                        'Versions': len(f.get('versions') or []),
                        'Latest': latest[0] if latest else None,
                        'Owner': f.get('owner')})
        return common.rows(('ID', 'Name', 'Versions', 'Latest', 'Owner'), out)


class ShowFamily(common.ShowOne):
    """Show a family"""

    def get_parser(self, prog_name):
        parser = super(ShowFamily, self).get_parser(prog_name)
        _family(parser)
        return parser

    def take_action(self, a):
        client = self.app.client_manager.image_manager
        shown = client.families.get(a.family)
        return common.show(family_fields(shown)
                           if a.formatter == 'table' else shown)


class DeleteFamily(command.Command):
    """Forget a family, its versions and channels (the images stay)"""

    def get_parser(self, prog_name):
        parser = super(DeleteFamily, self).get_parser(prog_name)
        _family(parser)
        return parser

    def take_action(self, a):
        self.app.client_manager.image_manager.families.delete(a.family)


class AddFamilyVersion(common.ShowOne):
    """Add an image as the family's newest version"""

    def get_parser(self, prog_name):
        parser = super(AddFamilyVersion, self).get_parser(prog_name)
        _family(parser)
        parser.add_argument('image', metavar='<image>',
                            help='The GIMinG image ID')
        parser.add_argument('--label', metavar='<label>',
                            help='A name for the version besides its number '
                                 '(such as 20261203)')
        parser.add_argument('--parent', metavar='<version>',
                            help='The version it was built from')
        return parser

    def take_action(self, a):
        client = self.app.client_manager.image_manager
        return common.show(client.families.add_version(
            a.family, a.image, label=a.label or None,
            parent=a.parent or None))


class ListFamilyVersion(common.Lister):
    """List a family's versions"""

    def get_parser(self, prog_name):
        parser = super(ListFamilyVersion, self).get_parser(prog_name)
        _family(parser)
        parser.add_argument('--long', action='store_true',
                            help='More columns')
        return parser

    def take_action(self, a):
        client = self.app.client_manager.image_manager
        cols = VERSION_COLUMNS + (VERSION_LONG if a.long else ())
        return common.rows(cols, [version_row(v) for v in
                                  client.families.get(a.family)['versions']])


class SetFamilyVersion(common.ExitCode, common.Lister):
    """Set a version's lifecycle in every cloud, now or at a time"""

    def get_parser(self, prog_name):
        parser = super(SetFamilyVersion, self).get_parser(prog_name)
        _family(parser)
        parser.add_argument('version', metavar='<version>',
                            help='Number, label or ID')
        for flag, state in STATES:
            parser.add_argument('--' + flag, action='store_true',
                                help='Make the version %s' % state)
        parser.add_argument('--at', metavar='<time>',
                            help='An ISO 8601 time (2026-12-24T00:00:00Z): '
                                 'the change waits until then')
        parser.add_argument('--cascade', action='store_true',
                            help='With --revoke: revoke the versions built '
                                 'from this one too')
        return parser

    def take_action(self, a):
        chosen = [state for flag, state in STATES if getattr(a, flag)]
        if len(chosen) != 1:
            raise osc_exc.CommandError(
                'Give one of --deprecate, --obsolete, --revoke or '
                '--restore.')
        client = self.app.client_manager.image_manager
        change = client.families.set_lifecycle(
            a.family, a.version, chosen[0], at=a.at or None,
            cascade=a.cascade)
        if any(c.get('error') for c in change.get('copies') or []):
            self.exit_code = 1
        return common.rows(VERSION_COLUMNS + ('Scheduled', 'Propagated'),
                           [version_row(v) for v in change['versions']])


class ListChannel(common.Lister):
    """List a family's channels"""

    def get_parser(self, prog_name):
        parser = super(ListChannel, self).get_parser(prog_name)
        _family(parser)
        return parser

    def take_action(self, a):
        client = self.app.client_manager.image_manager
        return common.rows(
            ('Name', 'Version', 'Managed', 'Updated At'),
            [{'Name': c['name'], 'Version': c.get('version'),
              'Managed': c.get('managed'), 'Updated At': c.get('updated_at')}
             for c in client.families.channels(a.family)])


class PromoteChannel(common.ShowOne):
    """Point a channel at a version (the channel is made if it is new)"""

    def get_parser(self, prog_name):
        parser = super(PromoteChannel, self).get_parser(prog_name)
        _family(parser)
        _channel(parser)
        parser.add_argument('version', metavar='<version>',
                            help='Number, label or ID')
        return parser

    def take_action(self, a):
        client = self.app.client_manager.image_manager
        return common.show(client.families.promote(a.family, a.channel,
                                                   a.version))


class RollbackChannel(common.ShowOne):
    """Point a channel back at the version it had before its last
    promotion"""

    def get_parser(self, prog_name):
        parser = super(RollbackChannel, self).get_parser(prog_name)
        _family(parser)
        _channel(parser)
        return parser

    def take_action(self, a):
        client = self.app.client_manager.image_manager
        return common.show(client.families.rollback(a.family, a.channel))


class HistoryChannel(common.Lister):
    """A channel's moves, newest first"""

    def get_parser(self, prog_name):
        parser = super(HistoryChannel, self).get_parser(prog_name)
        _family(parser)
        _channel(parser)
        return parser

    def take_action(self, a):
        client = self.app.client_manager.image_manager
        return common.rows(
            ('Action', 'Version', 'Previous Version', 'User', 'Created At'),
            [{'Action': h['action'], 'Version': h.get('version'),
              'Previous Version': h.get('previous_version'),
              'User': h.get('user_id'), 'Created At': h.get('created_at')}
             for h in client.families.history(a.family, a.channel)])


class ResolveChannel(common.Lister):
    """The image ID of the channel's version in each cloud"""

    def get_parser(self, prog_name):
        parser = super(ResolveChannel, self).get_parser(prog_name)
        _family(parser)
        _channel(parser)
        parser.add_argument('--cloud', metavar='<cloud>',
                            help='In this cloud only')
        return parser

    def take_action(self, a):
        client = self.app.client_manager.image_manager
        r = client.families.resolve(a.family, a.channel, cloud=a.cloud)
        return common.rows(
            ('Cloud', 'Type', 'Region', 'ID', 'Version', 'Image'),
            [{'Cloud': c['cloud'], 'Type': c.get('type'),
              'Region': c.get('region_name'), 'ID': c['remote_id'],
              'Version': r['version'], 'Image': r['image_id']}
             for c in r['clouds']])
