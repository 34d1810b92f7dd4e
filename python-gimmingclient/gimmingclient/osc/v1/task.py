"""``openstack gimming task ...``: the work GIMinG does."""

from osc_lib.command import command

from gimmingclient.osc.v1 import common

TASK_COLUMNS = ('ID', 'Type', 'Image', 'Cloud', 'Status', 'Progress')
TASK_LONG = ('Source', 'Bytes Done', 'Bytes Total', 'Rate', 'ETA', 'Stage',
             'Error', 'Created At', 'Finished At')


def _number(v):
    # JSON numbers as JavaScript prints them: 50, not 50.0.
    return int(v) if isinstance(v, float) and v.is_integer() else v


def stage_text(t):
    # The stage of the cloud's work as gimming prints it: import 42% converting
    if not t.get('stage'):
        return ''
    percent = t.get('stage_percent')
    parts = [t['stage'], '' if percent is None else '%s%%' % _number(percent),
             t.get('stage_detail') or '']
    return ' '.join(p for p in parts if p)


def task_row(t):
    err = t.get('error')
    return {
        'ID': t['id'], 'Type': t['type'], 'Image': t.get('image_id'),
        'Cloud': t.get('cloud'), 'Status': t['status'],
        'Progress': '' if t.get('progress') is None
        else '%s%%' % _number(t['progress']),
        'Source': t.get('source_cloud'), 'Bytes Done': t.get('bytes_done'),
        'Bytes Total': t.get('bytes_total'), 'Rate': t.get('rate'),
        'ETA': t.get('eta_seconds'),
        'Stage': stage_text(t),
        'Error': '%s: %s' % (err['code'], err['message']) if err else '',
        'Created At': t.get('created_at'),
        'Finished At': t.get('finished_at'),
    }


def task_fields(t):
    out = dict(t)
    err = t.get('error')
    out['error'] = '%s: %s' % (err['code'], err['message']) if err else None
    return out


class ListTask(common.Lister):
    """List tasks"""

    def get_parser(self, prog_name):
        parser = super(ListTask, self).get_parser(prog_name)
        parser.add_argument('--image', metavar='<image>',
                            help='Of this image (name or ID)')
        parser.add_argument('--status', metavar='<status>',
                            help='In this state')
        parser.add_argument('--cloud', metavar='<cloud>',
                            help='For this cloud')
        parser.add_argument('--limit', metavar='<n>', type=int,
                            help='At most this many tasks')
        parser.add_argument('--marker', metavar='<id>',
                            help='Start after this task')
        parser.add_argument('--all-projects', action='store_true',
                            help='Every project (administrators)')
        parser.add_argument('--long', action='store_true',
                            help='More columns')
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.image_manager
        image = common.image_id(client, parsed_args.image) \
            if parsed_args.image else None
        tasks = client.tasks.list(
            image_id=image, status=parsed_args.status,
            cloud=parsed_args.cloud, limit=parsed_args.limit,
            marker=parsed_args.marker, all_projects=parsed_args.all_projects)
        cols = TASK_COLUMNS + (TASK_LONG if parsed_args.long else ())
        return common.rows(cols, [task_row(t) for t in tasks])


class ShowTask(common.ShowOne):
    """Show a task"""

    def get_parser(self, prog_name):
        parser = super(ShowTask, self).get_parser(prog_name)
        parser.add_argument('task', metavar='<task>', help='The task ID')
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.image_manager
        return common.show(task_fields(client.tasks.get(parsed_args.task)))


class CancelTask(command.Command):
    """Cancel pending or running tasks"""

    def get_parser(self, prog_name):
        parser = super(CancelTask, self).get_parser(prog_name)
        parser.add_argument('tasks', metavar='<task>', nargs='+',
                            help='Task IDs')
        parser.add_argument('--wait', action='store_true',
                            help='Wait until they have stopped')
        return parser

    def take_action(self, parsed_args):
        client = self.app.client_manager.image_manager
        failed = 0
        for task_id in parsed_args.tasks:
            try:
                client.tasks.cancel(task_id)
            except Exception as e:
                failed += 1
                common.report(e, 'Failed to cancel task %s' % task_id)
        if parsed_args.wait:
            client.tasks.wait(parsed_args.tasks)
        return 1 if failed else 0
