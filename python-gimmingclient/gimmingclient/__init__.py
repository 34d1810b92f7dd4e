"""The Python client of GIMinG, the cloud image manager, and its openstack
CLI plugin."""

__version__ = '0.1.0'
