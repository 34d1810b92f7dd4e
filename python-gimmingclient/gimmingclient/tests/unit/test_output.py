"""The plugin's output through cliff's own formatters: columns in the order
of -c, structured cells as compact JSON outside json and yaml."""

import io
import json
import unittest

from gimmingclient.osc.v1 import common


class App(object):
    """What cliff's display commands need of the application: streams."""

    def __init__(self):
        self.stdout = io.StringIO()
        self.stderr = io.StringIO()


class Images(common.Lister):
    """List"""

    def take_action(self, parsed_args):
        return common.rows(('Name', 'Props', 'Size'), [
            {'Name': 'a', 'Props': {'k': 'v'}, 'Size': 3},
            {'Name': 'b', 'Props': None, 'Size': 1}])


class Image(common.ShowOne):
    """Show"""

    def take_action(self, parsed_args):
        return common.show({'name': 'a', 'locations': ['x: ok', 'y: ok'],
                            'properties': {'k': 'v'}})


def run(cls, argv):
    app = App()
    cmd = cls(app, None)
    cmd.run(cmd.get_parser('test').parse_args(argv))
    return app.stdout.getvalue()


class TestOutput(unittest.TestCase):

    def test_value_in_the_order_of_c_with_compact_json(self):
        self.assertEqual(
            '3 {"k":"v"} a\n1  b\n',
            run(Images, ['-f', 'value', '-c', 'Size', '-c', 'Props',
                         '-c', 'Name']))
        self.assertEqual(
            '["x: ok","y: ok"]\na\n',
            run(Image, ['-f', 'value', '-c', 'locations', '-c', 'name']))

    def test_json_keeps_the_structure(self):
        self.assertEqual(
            {'name': 'a', 'locations': ['x: ok', 'y: ok'],
             'properties': {'k': 'v'}},
            json.loads(run(Image, ['-f', 'json'])))
        self.assertEqual(
            [{'Props': {'k': 'v'}, 'Name': 'a'}, {'Props': None, 'Name': 'b'}],
            json.loads(run(Images, ['-f', 'json', '-c', 'Props',
                                    '-c', 'Name'])))

    def test_a_table_writes_a_list_one_item_a_line_and_null_as_nothing(self):
        table = run(Image, ['-f', 'table', '-c', 'locations'])
        self.assertIn('| locations | x: ok |\n|           | y: ok |', table)
        self.assertIn('| b    |           |    1 |',
                      run(Images, ['-f', 'table']))

    def test_sorted_by_a_column(self):
        self.assertEqual('b\na\n', run(Images, [
            '-f', 'value', '-c', 'Name', '--sort-column', 'Size']))
