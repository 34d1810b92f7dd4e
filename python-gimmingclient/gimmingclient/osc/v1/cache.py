"""The local cache of the last image listing, shared with the gimming CLI:
the same files ($XDG_CACHE_HOME/gimming/images-<hash>.json, mode 0600, in a
0700 directory), keyed by the same Keystone URL (or endpoint override),
region, user and project. It holds image records, never a token."""

import datetime
import hashlib
import json
import os


def cache_dir():
    base = os.environ.get('XDG_CACHE_HOME') or os.path.join(
        os.path.expanduser('~'), '.cache')
    return os.path.join(base, 'gimming')


def cache_file(config):
    """``config``: the openstack client's cloud configuration."""
    auth = config.get('auth') or {}
    who = '|'.join([
        config.get('image_manager_endpoint_override') or
        auth.get('auth_url') or '',
        config.get('region_name') or '',
        auth.get('user_id') or auth.get('username') or
        auth.get('application_credential_id') or
        auth.get('application_credential_name') or '',
        auth.get('project_id') or auth.get('project_name') or '',
    ])
    digest = hashlib.sha256(who.encode()).hexdigest()[:16]
    return os.path.join(cache_dir(), 'images-%s.json' % digest)


def save_images(config, images):
    os.makedirs(cache_dir(), mode=0o700, exist_ok=True)
    path = cache_file(config)
    now = datetime.datetime.now(datetime.timezone.utc)
    body = {'saved_at': now.strftime('%Y-%m-%dT%H:%M:%S.') +
            '%03dZ' % (now.microsecond // 1000), 'images': images}
    tmp = path + '.tmp'
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'w') as f:
        json.dump(body, f, separators=(',', ':'))
    os.replace(tmp, path)


def load_images(config):
    path = cache_file(config)
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)
