"""``openstack gimming matrix``: images x clouds, the state of each copy.

In a table whose columns are not chosen with -c, each cloud's column says
after its name the kind of cloud it is (openstack, aws, gcp), as ``gimming
matrix`` does; -c, --sort-column and the other formats use the cloud names.
"""

import sys

from cliff import columns

from gimmingclient.osc.v1 import common


def symbol(state):
    """A cell for a person: the state, marked so that problems stand out."""
    if state is None:
        return '-'
    if state == 'active':
        return 'ok'
    if state in ('queued', 'copying', 'deleting'):
        return '.. ' + state
    if state in ('missing', 'mismatch'):
        return '?? ' + state
    return '!! ' + state


class StateCell(columns.FormattableColumn):
    """The state of a copy: marked in a table, as it is anywhere else."""

    def human_readable(self):
        return symbol(self._value)

    def machine_readable(self):
        return self._value


class Matrix(common.Lister):
    """Images x clouds: the state of each copy, at a glance"""

    def get_parser(self, prog_name):
        parser = super(Matrix, self).get_parser(prog_name)
        parser.add_argument('--name', metavar='<name>',
                            help='Only images with this name')
        parser.add_argument('--cloud', metavar='<cloud>', action='append',
                            help='Only these clouds (repeatable)')
        parser.add_argument('--all-projects', action='store_true',
                            help='Every project (administrators)')
        parser.add_argument('--limit', metavar='<n>', type=int,
                            help='At most this many images')
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.image_manager
        m = client.matrix(name=parsed_args.name, clouds=parsed_args.cloud,
                          all_projects=parsed_args.all_projects,
                          limit=parsed_args.limit)
        names = [c['name'] for c in m['clouds']]
        table = parsed_args.formatter == 'table'
        heads = names
        if table and not parsed_args.columns and not parsed_args.sort_columns:
            types = {c['id']: c['type'] for c in client.clouds.list()}
            heads = ['%s (%s)' % (c['name'], types[c['id']])
                     if c['id'] in types else c['name'] for c in m['clouds']]
        data = [(i['name'], i['id']) +
                tuple(StateCell(i['cells'].get(c)) if table
                      else i['cells'].get(c) for c in names)
                for i in m['images']]
        if table and data:
            sys.stderr.write(
                '  ok = active   .. = queued/copying   !! = error   '
                '?? = missing/mismatch   - = no copy\n')
        return ('Image', 'ID') + tuple(heads), data
