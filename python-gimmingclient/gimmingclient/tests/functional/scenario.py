"""The steps tests/functional/python-client.test.ts drives: the Python
client as a program uses it, against the real daemons. Each step is a call
``python -m gimmingclient.tests.functional.scenario <step> <json args>``
that prints what it saw as JSON; the mocha test checks it against the API,
Glance and a webhook receiver. Credentials and the endpoint come from
GIMMING_TEST_AUTH_URL, _USERNAME, _PASSWORD, _PROJECT and _ENDPOINT.
"""

import datetime
import json
import os
import sys
import time

from keystoneauth1 import loading
from keystoneauth1 import session

from gimmingclient import client
from gimmingclient import exceptions


def _client(api_version=None, endpoint=None):
    env = os.environ
    if env.get('GIMMING_TEST_AS_ADMIN'):
        env = {k: env['GIMMING_TEST_ADMIN_' + k[len('GIMMING_TEST_'):]]
               if k in ('GIMMING_TEST_USERNAME', 'GIMMING_TEST_PASSWORD',
                        'GIMMING_TEST_PROJECT') else v
               for k, v in env.items()}
    auth = loading.get_plugin_loader('password').load_from_options(
        auth_url=env['GIMMING_TEST_AUTH_URL'],
        username=env['GIMMING_TEST_USERNAME'],
        password=env['GIMMING_TEST_PASSWORD'],
        project_name=env['GIMMING_TEST_PROJECT'],
        user_domain_name='Default', project_domain_name='Default')
    return client.Client('1', session=session.Session(auth=auth),
                         endpoint_override=endpoint or
                         env['GIMMING_TEST_ENDPOINT'],
                         api_version=api_version)


def _error(call):
    """What a failed call raised: the API's code, message, status."""
    try:
        call()
    except exceptions.GimmingClientError as e:
        return {'class': type(e).__name__, 'code': e.code,
                'message': e.message, 'status': e.status,
                'request_id': e.request_id}
    return None


def _wait(c, image, ended_too=False):
    # An upload's copies start as it begins: one may be active already when
    # the upload returns (ended_too: every copy the image's tasks made).
    states = ('queued', 'copying') + (('active', 'error') if ended_too else ())
    ids = [loc['task_id'] for loc in image['locations']
           if loc.get('task_id') and loc['status'] in states]
    return [t['status'] for t in c.tasks.wait(ids, interval=0.5)]


def negotiate(args):
    c = _client()
    resp = c.http.request('GET', '/v1/families')
    old = _client('1.1')
    return {'version': c.http.api_version(),
            'echoed': resp.headers.get('OpenStack-API-Version'),
            'old': _error(old.families.list),
            'old_version': old.http.api_version()}


def adopt(args):
    c = _client()
    image = c.images.adopt(args['cloud'], args['image_id'],
                           targets=args.get('targets', ()),
                           name=args.get('name'),
                           max_bandwidth=args.get('max_bandwidth'))
    return {'image': image, 'tasks': _wait(c, image)}


def cloud(args):
    c = _client()
    made = c.clouds.create(args['name'], 'RegionOne', zone='zone-a',
                           max_bandwidth='8MiB')
    out = {'created': made, 'shown': c.clouds.get(args['name']),
           'shown_1_7': _client('1.7').clouds.get(args['name']),
           'bad': _error(lambda: c.clouds.create(
               args['name'] + '-bad', 'RegionOne', max_bandwidth='fast'))}
    c.clouds.delete(args['name'])
    return out


def families(args):
    c = _client()
    name = args['family']
    out = {'created': c.families.create(name, description='py builds')}
    out['duplicate'] = _error(lambda: c.families.create(name))
    out['v1'] = c.families.add_version(name, args['v1'], label='2026.12.01')
    out['v2'] = c.families.add_version(name, args['v2'], label='2026.12.03',
                                       parent='2026.12.01')
    out['versions'] = c.families.versions(name)
    out['listed'] = [f['name'] for f in c.families.list()]
    out['promoted'] = [c.families.promote(name, 'stable', 1)['version'],
                       c.families.promote(name, 'stable', '2026.12.03')
                       ['version']]
    out['rolled_back'] = c.families.rollback(name, 'stable')['version']
    out['history'] = c.families.history(name, 'stable')
    out['channels'] = c.families.channels(name)
    out['resolved'] = c.families.resolve(name, 'stable')
    out['resolved_a'] = c.families.resolve(name, 'latest', cloud='zone-a')
    out['latest_b'] = _error(
        lambda: c.families.resolve(name, 'latest', cloud='zone-b'))
    out['id_map'] = c.families.id_map(name, 'stable')
    out['shown'] = c.families.get(name)
    out['missing'] = _error(lambda: c.families.get(name + '-missing'))
    out['no_channel'] = _error(
        lambda: c.families.resolve(name, 'no-such-channel'))
    return out


def deprecate(args):
    return _client().families.deprecate(args['family'], 1)


def lifecycle(args):
    c = _client()
    name = args['family']
    out = {}
    out['restored'] = c.families.restore(name, '2026.12.01')
    at = (datetime.datetime.now(datetime.timezone.utc) +
          datetime.timedelta(seconds=3))
    out['scheduled'] = c.families.obsolete(name, 1, at=at)
    deadline = time.time() + 60
    while time.time() < deadline:
        v = c.families.versions(name)[0]
        if v['lifecycle'] == 'obsolete' and v.get('propagated'):
            break
        time.sleep(0.5)
    out['after'] = c.families.versions(name)[0]
    out['undone'] = c.families.restore(name, 1)
    # cascade is a revoke's only: the server's refusal, code and message.
    out['bad'] = _error(lambda: c.families.set_lifecycle(
        name, 1, 'deprecated', cascade=True))
    out['deleted'] = c.families.delete(name)
    out['gone'] = _error(lambda: c.families.get(name))
    return out


def sync(args):
    c = _client()
    out = {'plan': c.images.sync(args['image'], ['zone-b'],
                                 incremental_from=args['base'],
                                 max_bandwidth='50M', dry_run=True)}
    synced = c.images.sync(args['image'], ['zone-b'], max_bandwidth=50000000,
                           incremental_from=args['base'],
                           on_conflict='refuse')
    out['tasks'] = _wait(c, synced)
    out['image'] = c.images.get(args['image'])
    out['refused'] = _error(lambda: c.images.sync(args['conflicting'],
                                                  ['zone-b']))
    out['skip_plan'] = c.images.sync(args['conflicting'], ['zone-b'],
                                     on_conflict={'zone-b': 'skip'},
                                     dry_run=True)
    out['too_old'] = _error(lambda: _client('1.4').images.sync(
        args['image'], ['zone-b'], incremental_from=args['base']))
    return out


def upload(args):
    """An image created with the API, its file uploaded through
    ``endpoint`` (a proxy that drops the connection once): the client
    resumes on its own."""
    c = _client()
    image = c.images.create(args['name'], args['targets'])
    progress = []
    result = _client(endpoint=args['endpoint']).images.upload(
        image['id'], args['file'], on_progress=progress.append)
    return {'id': image['id'], 'result': result,
            'progress': progress[-1], 'state': c.images.upload_state(
                image['id']),
            'tasks': _wait(c, c.images.get(image['id']), ended_too=True)}


def conflict(args):
    """Images created (1.7) where zone-b holds an image of the name: refused
    by default, zone-b skipped with on_conflict; on_conflict refused at 1.6
    before any call."""
    c = _client()
    name, targets = args['name'], ['zone-a', 'zone-b']
    out = {'refused': _error(lambda: c.images.create(name, targets))}
    image = c.images.create(name, targets, on_conflict={'zone-b': 'skip'})
    out['image'] = image
    out['upload'] = c.images.upload(image['id'], args['file'], sha256=True)
    out['tasks'] = _wait(c, c.images.get(image['id']), ended_too=True)
    out['too_old'] = _error(lambda: _client('1.6').images.create(
        name, targets, on_conflict='skip'))
    return out


def dedup(args):
    """Two images of the same data uploaded with sha256=True (computed by
    the client): the first one's copies slow (a bandwidth cap) so its data
    stays staged, the second linked to it without its body being read."""
    c = _client()
    first = c.images.create(args['name'] + '-first', ['zone-a'],
                            max_bandwidth=1024 * 1024)
    out = {'first': first['id'],
           'sent': c.images.upload(first['id'], args['file'], sha256=True)}
    second = c.images.create(args['name'] + '-second', ['zone-a'])
    out['second'] = second['id']
    out['linked'] = c.images.upload(second['id'], args['file'], sha256=True)
    out['tasks'] = (
        _wait(c, c.images.get(second['id']), ended_too=True)
        + _wait(c, c.images.get(first['id']), ended_too=True))
    return out


def webhooks(args):
    c = _client()
    made = c.webhooks.create(args['url'], name='py-hook',
                             event_types=['gimming.webhook.ping'])
    out = {'created': made,
           'listed': [w['id'] for w in c.webhooks.list()],
           'shown': c.webhooks.get(made['id']),
           'ping': c.webhooks.ping(made['id'])}
    deadline = time.time() + 60
    while time.time() < deadline:
        done = c.webhooks.deliveries(made['id'], status='delivered')
        if done:
            break
        time.sleep(0.5)
    out['delivered'] = c.webhooks.deliveries(made['id'], status='delivered')
    out['all'] = c.webhooks.deliveries(made['id'], limit=10)
    c.webhooks.delete(made['id'])
    out['gone'] = _error(lambda: c.webhooks.get(made['id']))
    return out


STEPS = {f.__name__: f for f in (negotiate, adopt, cloud, families, deprecate,
                                 lifecycle, sync, upload, conflict, dedup,
                                 webhooks)}

if __name__ == '__main__':
    args = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
    json.dump(STEPS[sys.argv[1]](args), sys.stdout)
