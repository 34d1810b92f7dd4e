"""Tasks: ``/v1/tasks``."""

import time

from gimmingclient.v1.http import paged
from gimmingclient.v1.http import quote

TERMINAL_STATES = ('succeeded', 'failed', 'cancelled')


class TaskManager(object):

    def __init__(self, http):
        self.http = http

    def list(self, image_id=None, status=None, cloud=None, limit=None,
             marker=None, all_projects=False, page_size=100):
        params = {'image_id': image_id, 'status': status, 'cloud': cloud}
        return paged(self.http, '/v1/tasks', 'tasks', params, limit=limit,
                     marker=marker, page_size=page_size,
                     all_projects=all_projects)

    def get(self, task_id):
        return self.http.get_json('/v1/tasks/%s' % quote(task_id))

    def cancel(self, task_id):
        return self.http.send_json(
            'POST', '/v1/tasks/%s/cancel' % quote(task_id))

    def wait(self, task_ids, interval=1.0, on_update=None):
        """Follows tasks until every one has ended; returns their last
        state."""
        while True:
            tasks = [self.get(t) for t in task_ids]
            if on_update:
                on_update(tasks)
            if all(t['status'] in TERMINAL_STATES for t in tasks):
                return tasks
            time.sleep(interval)
