"""The plugin as the openstack client loads it: its module, its options, and
every command of pyproject.toml with a parser (what the docs are made of)."""

import argparse
import importlib
import os
import tomllib
import unittest

from gimmingclient.osc import plugin

PYPROJECT = os.path.join(os.path.dirname(__file__), '..', '..', '..',
                         'pyproject.toml')


def entry_points():
    with open(PYPROJECT, 'rb') as f:
        eps = tomllib.load(f)['project']['entry-points']
    return eps


class TestPlugin(unittest.TestCase):

    def test_registered_under_its_api_name(self):
        eps = entry_points()
        self.assertEqual('gimmingclient.osc.plugin',
                         eps['openstack.cli.extension']['image_manager'])
        self.assertEqual('image_manager', plugin.API_NAME)
        self.assertIn('openstack.image_manager.v1', eps)

    def test_global_options(self):
        parser = plugin.build_option_parser(argparse.ArgumentParser())
        args = parser.parse_args([
            '--os-image-manager-endpoint-override', 'http://x:9595',
            '--gimming-cloud-credentials', 'c.yaml'])
        self.assertEqual('http://x:9595',
                         args.os_image_manager_endpoint_override)
        self.assertEqual('c.yaml', args.gimming_cloud_credentials)

    def test_every_command_builds_its_parser(self):
        commands = entry_points()['openstack.image_manager.v1']
        self.assertEqual(42, len(commands))
        for name, target in commands.items():
            module, cls = target.split(':')
            command = getattr(importlib.import_module(module), cls)
            self.assertTrue(name.startswith('gimming_'), name)
            parser = command(None, None).get_parser(name.replace('_', ' '))
            self.assertTrue(parser.format_help())
            self.assertTrue(command.__doc__.strip(), name)


class TestVersions(unittest.TestCase):

    def test_only_v1(self):
        from gimmingclient import client
        self.assertRaises(ValueError, client.Client, '2', session=object())
        self.assertEqual('gimmingclient.v1.client.Client',
                         plugin.API_VERSIONS['1'])
