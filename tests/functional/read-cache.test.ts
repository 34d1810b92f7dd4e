/**
 * [api] image_cache_time across API processes: what one API process (or the conductor's own work) changes
 * empties the cached answers of every other one at once (src/common/image-changes.ts), so that a long
 * cache time is never seen. Two API processes on one conductor: A (the stack's) and B (port 19410).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { http } from '../support/http';
import { useStack } from '../support/stack';

const PORT_B = 19410;

describe('image read cache: changes heard by every API process', function () {
  this.timeout(300000);
  // A long cache time everywhere, live metadata included (half of remote_cache_time): only the
  // conductors' changes can make an answer go before the tests end.
  const stack = useStack({
    extraConfig:
      '[api]\nimage_cache_time = 300\n[conductor]\nremote_cache_time = 600\nrefresh_interval = 0\n',
  });
  const b = `http://127.0.0.1:${PORT_B}`;
  const run = randomBytes(4).toString('hex');
  const made: Array<{ zone: string; id: string }> = [];

  before(async () => {
    stack.daemons.spawn('api-b', 'gimming-api', { OS_API__BIND_PORT: String(PORT_B) });
    for (let i = 0; i < 100; i++) {
      const hc = await http('GET', `${b}/healthcheck`).catch(() => undefined);
      if (hc?.status === 200) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    // B listens to the changes once its queue is consumed: give it a moment after it answers.
    await new Promise((r) => setTimeout(r, 1000));
  });

  after(async () => {
    for (const { zone, id } of made) await stack.cloud(zone).delete(id);
  });

  const show = (base: string, id: string) => http('GET', `${base}/v1/images/${id}`, { token: stack.demo.id });
  const list = (base: string, name: string) =>
    http('GET', `${base}/v1/images?name=${name}`, { token: stack.demo.id });

  it('shows a change made through API process A at once through B, which caches', async () => {
    const name = `cache-ab-${run}`;
    const created = await http('POST', `${stack.api}/v1/images`, {
      token: stack.demo.id,
      // No data is ever uploaded: no copy is made, the image only changes through the API.
      json: { name, disk_format: 'raw', container_format: 'bare', targets: ['zone-a'] },
    });
    assert.equal(created.status, 201, created.text);
    const id = created.body.id as string;
    assert.equal((await show(b, id)).body.name, name);
    assert.equal((await list(b, name)).body.images.length, 1);

    // Behind the conductor's back (no change is told): B keeps its answer, so B does cache.
    await stack.query('UPDATE images SET spec_visibility = ? WHERE id = ?', ['community', id]);
    assert.equal((await show(b, id)).body.visibility, 'private', 'B answers from its cache');

    const renamed = await http('PATCH', `${stack.api}/v1/images/${id}`, {
      token: stack.demo.id,
      headers: { 'Content-Type': 'application/merge-patch+json' },
      body: JSON.stringify({ name: `${name}-2` }),
    });
    assert.equal(renamed.status, 200, renamed.text);
    const started = Date.now();
    let seen = await show(b, id);
    while (seen.body.name !== `${name}-2` && Date.now() - started < 5000) {
      await new Promise((r) => setTimeout(r, 50));
      seen = await show(b, id);
    }
    const lagMs = Date.now() - started;
    assert.equal(seen.body.name, `${name}-2`, 'the rename through A, through B');
    assert.ok(lagMs < 1000, `seen through B ${lagMs} ms after A answered`);
    assert.equal(seen.body.visibility, 'community', 'read again from the conductor');
    assert.equal((await list(b, name)).body.images.length, 0, "the project's lists went too");
    assert.equal((await list(b, `${name}-2`)).body.images.length, 1);

    const deleted = await http('DELETE', `${stack.api}/v1/images/${id}`, { token: stack.demo.id });
    assert.ok(deleted.status < 300, deleted.text);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await show(b, id)).status, 404, 'deleted through A: gone through B');
  });

  it('shows a copy becoming active (the conductor’s own work) without waiting for the cache time', async () => {
    const name = `cache-copy-${run}`;
    const created = await http('POST', `${stack.api}/v1/images`, {
      token: stack.demo.id,
      json: { name, disk_format: 'raw', container_format: 'bare', targets: ['zone-b'] },
    });
    assert.equal(created.status, 201, created.text);
    const id = created.body.id as string;
    const before = await show(b, id);
    assert.equal(before.status, 200, before.text);
    assert.ok(!before.body.locations.some((l: any) => l.status === 'active'), before.text);
    assert.equal((await list(b, name)).body.images[0].status, before.body.status);

    const up = await http('PUT', `${stack.api}/v1/images/${id}/file`, {
      token: stack.demo.id,
      headers: { 'Content-Type': 'application/octet-stream' },
      body: randomBytes(8192),
    });
    assert.equal(up.status, 204, up.text);
    const started = Date.now();
    let copy: any;
    let activeInDbAt: number | undefined;
    while (!copy && Date.now() - started < 120000) {
      const shown = await show(b, id);
      copy = shown.body.locations.find((l: any) => l.status === 'active');
      if (!activeInDbAt) {
        const rows = await stack.query("SELECT id FROM locations WHERE image_id = ? AND status = 'active'", [
          id,
        ]);
        if (rows.length > 0) activeInDbAt = Date.now();
      }
      if (!copy) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(copy, 'the copy in zone-b shows active through B, long before the 300 s cache time');
    made.push({ zone: 'zone-b', id: copy.image_id });
    const lagMs = Date.now() - (activeInDbAt ?? Date.now());
    assert.ok(lagMs < 2000, `shown through B ${lagMs} ms after its row turned active`);
    const listed = await list(b, name);
    assert.equal(listed.body.images[0].locations[0].status, 'active', 'the list through B too');
  });
});
