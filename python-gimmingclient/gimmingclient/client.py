"""The entry point of the client, as other OpenStack clients have it."""

from gimmingclient.v1 import client as v1_client


def Client(version='1', **kwargs):
    """A client for API ``version`` (only ``1``).

    See gimmingclient.v1.client.Client for the arguments.
    """
    if str(version).split('.')[0] != '1':
        raise ValueError('GIMinG has no API version %s; use 1.' % version)
    return v1_client.Client(**kwargs)
