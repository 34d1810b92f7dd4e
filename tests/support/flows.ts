/**
 * Steps that several functional tests take through the GIMinG API.
 */
import assert from 'node:assert/strict';
import { http, waitFor } from './http';

export const TERMINAL = ['succeeded', 'failed', 'cancelled'];

/** Registers zone-a (RegionOne) and zone-b (RegionTwo) as an administrator. */
export async function registerClouds(api: string, adminToken: string): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const [name, region] of [
    ['zone-a', 'RegionOne'],
    ['zone-b', 'RegionTwo'],
  ] as const) {
    const res = await http('POST', `${api}/v1/clouds`, {
      token: adminToken,
      json: { name, type: 'openstack', region_name: region },
    });
    assert.equal(res.status, 201, res.text);
    ids[name] = res.body.id;
  }
  return ids;
}

/** The image's tasks, once every one of them has ended. */
export async function waitForTasks(
  api: string,
  token: string,
  imageId: string,
  timeoutMs = 120000,
): Promise<any[]> {
  return waitFor(
    `tasks of ${imageId} to end`,
    async () => {
      const res = await http('GET', `${api}/v1/tasks?image_id=${imageId}`, { token });
      const tasks = res.body.tasks as any[];
      return tasks.length > 0 && tasks.every((t) => TERMINAL.includes(t.status)) ? tasks : undefined;
    },
    timeoutMs,
  );
}

export async function location(api: string, token: string, imageId: string, cloud: string): Promise<any> {
  const res = await http('GET', `${api}/v1/images/${imageId}`, { token });
  assert.equal(res.status, 200, res.text);
  return res.body.locations.find((l: any) => l.cloud === cloud);
}

/**
 * A test's cleanup: deletes the images everywhere (delete_remote) and waits, within `timeoutMs` in all,
 * until each is gone from GIMinG, so that its delete tasks end before the daemons stop. Never throws: what
 * it could not delete is left to the test's own cleanup of the clouds.
 */
export async function deleteEverywhere(
  api: string,
  token: string,
  ids: string[],
  timeoutMs = 60000,
): Promise<void> {
  for (const id of ids) await http('DELETE', `${api}/v1/images/${id}?delete_remote=true`, { token });
  const deadline = Date.now() + timeoutMs;
  for (const id of ids) {
    await waitFor(
      `image ${id} to be deleted`,
      async () =>
        (await http('GET', `${api}/v1/images/${id}`, { token })).status === 404 ? true : undefined,
      Math.max(1, deadline - Date.now()),
    ).catch(() => undefined);
  }
}
