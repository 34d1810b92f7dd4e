"""What the commands share: image look-up by name, cells, exit codes, and
following tasks."""

import json
import re
import sys

from cliff import columns
from osc_lib.command import command
from osc_lib import exceptions as osc_exc

from gimmingclient import exceptions
from gimmingclient.osc.v1 import progress

UUID_RE = re.compile(
    r'^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$', re.I)
ENDED = ('succeeded', 'failed', 'cancelled')


def compact(value):
    """An object as the gimming CLI writes it in a cell: compact JSON."""
    return json.dumps(value, separators=(',', ':'), ensure_ascii=False)


class JSONCell(columns.FormattableColumn):
    """An object or list: kept as is in json/yaml, compact JSON elsewhere."""

    def human_readable(self):
        return compact(self._value)

    def machine_readable(self):
        return self._value


class LinesCell(columns.FormattableColumn):
    """A list of strings: one a line in a table, a list in json/yaml."""

    def human_readable(self):
        return '\n'.join(str(v) for v in self._value)

    def machine_readable(self):
        return list(self._value)


def cell(value):
    if isinstance(value, (dict, list)):
        return JSONCell(value)
    return value


def show(fields):
    """(names, values) of one object for a ShowOne, lists one item a line."""
    names = tuple(fields)
    values = tuple(LinesCell(v) if isinstance(v, list) and
                   all(isinstance(i, str) for i in v)
                   else cell(v) for v in fields.values())
    return names, values


def rows(columns_, dicts):
    """(columns, rows) for a Lister."""
    return (tuple(columns_),
            [tuple(cell(d.get(c)) for c in columns_) for d in dicts])


def key_values(pairs, what):
    out = {}
    for pair in pairs or []:
        key, sep, value = pair.partition('=')
        if not sep or not key:
            raise osc_exc.CommandError(
                '%s must be key=value, not %s.' % (what, pair))
        out[key] = value
    return out


def image_id(client, ref):
    """An image by ID, or by name when exactly one of the user's images has
    it, as the gimming CLI (and the openstack client) find them."""
    if UUID_RE.match(ref):
        return ref
    found = list(client.images.list(name=ref, limit=2))
    if not found:
        raise exceptions.GimmingClientError(
            "No image with a name or ID of '%s' exists." % ref, 404,
            'client.not_found')
    if len(found) > 1:
        raise exceptions.GimmingClientError(
            "More than one image exists with the name '%s'." % ref, 409,
            'client.ambiguous')
    return found[0]['id']


def report(err, prefix=None, stream=None):
    stream = stream or sys.stderr
    stream.write('%s%s\n' % (prefix + ': ' if prefix else '', err))


def tasks_of(client, image, all_=False, type_=None, except_=()):
    """The image's tasks (all, or those not ended yet), maybe of one type."""
    return [t['id'] for t in client.tasks.list(image_id=image)
            if (all_ or t['status'] not in ENDED) and
            (not type_ or t['type'] == type_) and t['id'] not in except_]


def location_tasks(image):
    return [loc['task_id'] for loc in image['locations']
            if loc.get('task_id') and loc['status'] in ('queued', 'copying')]


def follow(client, task_ids, stream=None):
    """Follows tasks to their end; 1 when any of them did not succeed."""
    stream = stream or sys.stderr
    if not task_ids:
        return 0
    board = progress.TaskBoard(stream)
    tasks = client.tasks.wait(task_ids, on_update=board.update)
    if not stream.isatty():
        for t in tasks:
            stream.write(progress.task_line(t) + '\n')
    failed = [t for t in tasks if t['status'] != 'succeeded']
    if failed:
        stream.write('%d of %d tasks did not succeed.\n' % (
            len(failed), len(tasks)))
        return 1
    return 0


def follow_image(client, image, importing, stream=None):
    """After create: the import (for a URL), then every copy."""
    if importing:
        imports = tasks_of(client, image, all_=True, type_='import')
        code = follow(client, imports, stream)
        if code:
            return code
        return follow(client, tasks_of(client, image, all_=True,
                                       except_=imports), stream)
    return follow(client, tasks_of(client, image, all_=True), stream)


def upload(client, image, path, stream=None):
    """Streams the file, with a progress bar on a terminal."""
    import os
    size = os.stat(path).st_size
    bar = progress.ProgressBar('Uploading', size, stream or sys.stderr)
    sent = [0]

    def on_progress(done):
        sent[0] = done
        bar.update(done)

    client.images.upload(image, path, size=size, on_progress=on_progress)
    bar.finish(sent[0])


class ExitCode(object):
    """For display commands, whose run() always answers 0 in cliff: the
    code take_action left in ``self.exit_code`` (``--wait`` that failed)."""

    exit_code = 0

    def run(self, parsed_args):
        result = super(ExitCode, self).run(parsed_args)
        return self.exit_code or result


def _flat(value):
    """A cell as the gimming CLI writes it in value, shell and csv: an object
    or a list as compact JSON (cliff would write a Python repr), nothing for
    null (not None)."""
    if isinstance(value, (JSONCell, LinesCell)):
        return compact(value.machine_readable())
    return '' if value is None else value


class _Output(object):
    """Output as the gimming CLI prints it: columns chosen with -c in the
    order given (cliff keeps its own); in value, shell and csv objects and
    lists as compact JSON (cliff would write a Python repr); null as nothing
    but in json and yaml."""

    def produce_output(self, parsed_args, column_names, data):
        many = isinstance(self, command.Lister)
        rows = list(data) if many else [tuple(data)]
        wanted = [c for c in (parsed_args.columns or []) if c in column_names]
        if wanted:
            order = [column_names.index(c) for c in wanted] + [
                i for i, c in enumerate(column_names) if c not in wanted]
            column_names = tuple(column_names[i] for i in order)
            rows = [tuple(row[i] for i in order) for row in rows]
        if parsed_args.formatter in ('value', 'shell', 'csv'):
            rows = [tuple(_flat(v) for v in row) for row in rows]
        elif parsed_args.formatter == 'table':
            rows = [tuple('' if v is None else v for v in row) for row in rows]
        return super(_Output, self).produce_output(
            parsed_args, column_names, rows if many else rows[0])


class Lister(_Output, command.Lister):
    """A list command."""


class ShowOne(_Output, command.ShowOne):
    """A command that shows one object."""
