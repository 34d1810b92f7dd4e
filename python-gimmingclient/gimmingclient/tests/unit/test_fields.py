import os
import tempfile
import unittest

from gimmingclient.osc.v1 import cache
from gimmingclient.osc.v1 import common
from gimmingclient.osc.v1 import image
from gimmingclient.osc.v1 import matrix
from gimmingclient.osc.v1 import task

IMAGE = {
    'id': '71737817-7fa4-4c25-b187-cf7b36091133', 'name': 'cirros',
    'status': 'active', 'visibility': 'private', 'owner': 'p', 'size': 3,
    'checksum': 'c', 'os_hash_algo': 'sha512', 'os_hash_value': 'h',
    'disk_format': 'raw', 'container_format': 'bare', 'min_disk': 0,
    'min_ram': 0, 'properties': {'os_distro': 'cirros'},
    'locations': [
        {'cloud': 'zone-a', 'cloud_id': 'a', 'status': 'active',
         'image_id': 'r1', 'task_id': None, 'remote_error': None},
        {'cloud': 'zone-b', 'cloud_id': 'b', 'status': 'queued',
         'image_id': None, 'task_id': 't2',
         'remote_error': {'code': 'gimming.x'}}],
    'available_in': ['zone-a'], 'created_at': 'c1', 'updated_at': 'u1'}


class TestImageFields(unittest.TestCase):

    def test_as_gimming_image_show(self):
        fields = image.image_fields(IMAGE)
        self.assertEqual(['zone-a: active (r1)', 'zone-b: queued [gimming.x]'],
                         fields['locations'])
        self.assertEqual('zone-a', fields['available_in'])
        self.assertEqual('updated_at', list(fields)[-1])
        names, values = common.show(fields)
        loc = values[names.index('locations')]
        self.assertEqual('zone-a: active (r1)\nzone-b: queued [gimming.x]',
                         loc.human_readable())
        props = values[names.index('properties')]
        self.assertEqual('{"os_distro":"cirros"}', props.human_readable())
        self.assertEqual({'os_distro': 'cirros'}, props.machine_readable())

    def test_row_and_location_tasks(self):
        self.assertEqual('zone-a=active, zone-b=queued',
                         image.image_row(IMAGE)['Locations'])
        self.assertEqual(['t2'], common.location_tasks(IMAGE))

    def test_task_row(self):
        row = task.task_row({'id': 't', 'type': 'copy', 'status': 'running',
                             'progress': 12.5, 'error': None})
        self.assertEqual('12.5%', row['Progress'])
        self.assertEqual('', row['Error'])

    def test_matrix_symbols(self):
        self.assertEqual(['-', 'ok', '.. copying', '?? missing', '!! error'],
                         [matrix.symbol(s) for s in
                          (None, 'active', 'copying', 'missing', 'error')])

    def test_key_values(self):
        self.assertEqual({'a': 'b=c'}, common.key_values(['a=b=c'], 'x'))
        self.assertRaises(Exception, common.key_values, ['=b'], '--property')


class TestCache(unittest.TestCase):

    def test_same_file_as_the_gimming_cli(self):
        # sha256('http://k:5000/v3|RegionOne|demo|demo')[:16], as the gimming
        # CLI names it (src/gimmingclient/shell/cache.ts).
        config = {'auth': {'auth_url': 'http://k:5000/v3', 'username': 'demo',
                           'project_name': 'demo'},
                  'region_name': 'RegionOne'}
        with tempfile.TemporaryDirectory() as d:
            os.environ['XDG_CACHE_HOME'] = d
            try:
                self.assertEqual(
                    os.path.join(d, 'gimming', 'images-%s.json' % (
                        __import__('hashlib').sha256(
                            b'http://k:5000/v3|RegionOne|demo|demo')
                        .hexdigest()[:16])),
                    cache.cache_file(config))
                cache.save_images(config, [IMAGE])
                self.assertEqual(0o600, os.stat(cache.cache_file(config))
                                 .st_mode & 0o777)
                self.assertEqual([IMAGE],
                                 cache.load_images(config)['images'])
            finally:
                del os.environ['XDG_CACHE_HOME']


class TestSyncOptions(unittest.TestCase):

    def test_on_conflict_as_the_gimming_cli_takes_it(self):
        from osc_lib import exceptions as osc_exc
        self.assertIsNone(image.on_conflict_option(None))
        self.assertEqual('skip', image.on_conflict_option(['skip']))
        self.assertEqual('rename', image.on_conflict_option(['*=rename']))
        self.assertEqual({'zone-b': 'rename', '*': 'skip'},
                         image.on_conflict_option(['zone-b=rename', 'skip']))
        self.assertRaisesRegex(osc_exc.CommandError,
                               'the policy is one of refuse, skip',
                               image.on_conflict_option, ['zone-b=keep'])

    def test_create_and_adopt_take_on_conflict(self):
        from unittest import mock
        app = mock.Mock()
        images = app.client_manager.image_manager.images
        images.create.return_value = images.adopt.return_value = IMAGE
        images.get.return_value = IMAGE
        create = image.CreateImage(app, None)
        a = create.get_parser('gimming image create').parse_args([
            'cirros', '--target', 'zone-a', '--target', 'zone-b',
            '--on-conflict', 'zone-b=rename', '--on-conflict', 'skip',
            '--max-bandwidth', '80MiB/s'])
        create.take_action(a)
        kwargs = images.create.call_args.kwargs
        self.assertEqual({'zone-b': 'rename', '*': 'skip'},
                         kwargs['on_conflict'])
        self.assertEqual('80MiB/s', kwargs['max_bandwidth'])
        adopt = image.AdoptImage(app, None)
        adopt.take_action(adopt.get_parser('gimming image adopt').parse_args(
            ['r1', '--cloud', 'zone-a', '--target', 'zone-b',
             '--on-conflict', 'replace']))
        self.assertEqual('replace',
                         images.adopt.call_args.kwargs['on_conflict'])
        adopt.take_action(adopt.get_parser('gimming image adopt').parse_args(
            ['r1', '--cloud', 'zone-a']))
        self.assertIsNone(images.adopt.call_args.kwargs['on_conflict'])
