/**
 * Deleting an image from Glance when it is already gone. Glance answers 404 for an image whose row is
 * destroyed, and 400 with its status-transition message for one left in `deleted` by a delete that
 * answered 500 half-way: both mean the copy is gone. Any other refusal is still an error. The bodies are
 * the test bed's Glance's own answers (zone-a, Debian glance 25.1.0), captured from it.
 */
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { GimmingError } from '../../../src/common/errors';
import { GlanceClient } from '../../../src/gimming-agent/drivers/glance/client';
import { alreadyDeleted } from '../../../src/gimming-agent/drivers/glance/errors';
import { FakeCloud } from '../../support/fake-cloud';

const ID = '387bb40f-326d-492b-a47b-94f426213f9b';
// DELETE of an image whose status was left `deleted` (its row not destroyed).
const STUCK_DELETED_400 =
  '{"message": "Image status transition from deleted to deleted is not allowed<br /><br />\\n\\n\\n", "code": "400 Bad Request", "title": "Bad Request"}';
// DELETE of an image that is gone.
const GONE_404 = `{"message": "Failed to find image ${ID} to delete<br /><br />\\n\\n\\n", "code": "404 Not Found", "title": "Not Found"}`;
// The same shape for states that are not deleted: these images are still there.
const transition = (from: string, to: string, code = '400 Bad Request') =>
  `{"message": "Image status transition from ${from} to ${to} is not allowed<br /><br />\\n\\n\\n", "code": "${code}", "title": "Bad Request"}`;

describe('deleting a Glance image that is already gone', () => {
  let glance: FakeCloud;
  let answer: { status: number; text: string };

  before(async () => {
    glance = await new FakeCloud('127.0.0.1').start();
    glance.glance = (_req, res: ServerResponse) => {
      res.writeHead(answer.status, { 'Content-Type': 'application/json' });
      res.end(answer.text);
    };
  });
  after(() => glance.stop());

  const remove = () =>
    new GlanceClient({
      endpoint: glance.url,
      token: 'tok',
      requestId: 'req-1',
      timeoutMs: 5000,
      cloudName: 'zone-a',
    }).deleteImage(ID);

  it('answers true for a deleted image (204)', async () => {
    answer = { status: 204, text: '' };
    assert.equal(await remove(), true);
    assert.deepEqual(
      glance.seen.slice(-1).map((s) => [s.method, s.url]),
      [['DELETE', `/v2/images/${ID}`]],
    );
  });

  it('answers false for 404, and for the 400 of an image stuck in deleted', async () => {
    answer = { status: 404, text: GONE_404 };
    assert.equal(await remove(), false);
    answer = { status: 400, text: STUCK_DELETED_400 };
    assert.equal(await remove(), false);
    // The same message as 409, as another Glance release or a proxy may send it.
    answer = { status: 409, text: STUCK_DELETED_400.replace('400 Bad Request', '409 Conflict') };
    assert.equal(await remove(), false);
  });

  for (const [status, text, code] of [
    [400, transition('deactivated', 'pending_delete'), 'gimming.cloud.bad_request'],
    [409, transition('active', 'active', '409 Conflict'), 'gimming.cloud.conflict'],
    [400, '{"message": "Invalid image id", "code": "400 Bad Request"}', 'gimming.cloud.bad_request'],
    [409, `{"message": "Image ${ID} could not be deleted because it is in use"}`, 'gimming.cloud.conflict'],
    [500, STUCK_DELETED_400, 'gimming.cloud.error'],
  ] as const) {
    it(`keeps ${status} "${text.slice(13, 70)}" an error`, async () => {
      answer = { status, text };
      await assert.rejects(remove(), (err: unknown) => {
        assert.ok(err instanceof GimmingError, String(err));
        assert.equal(err.code, code, err.message);
        return true;
      });
    });
  }

  it('reads the message, not the raw body, and only 400 and 409', () => {
    assert.equal(alreadyDeleted({ status: 400, text: STUCK_DELETED_400 }), true);
    assert.equal(alreadyDeleted({ status: 400, text: transition('pending_delete', 'pending_delete') }), true);
    assert.equal(
      alreadyDeleted({ status: 400, text: 'Image status transition from deleted to deleted is not allowed' }),
      true,
    );
    assert.equal(alreadyDeleted({ status: 409, text: '{"message": "Image abc is already deleted."}' }), true);
    assert.equal(alreadyDeleted({ status: 403, text: STUCK_DELETED_400 }), false);
    assert.equal(alreadyDeleted({ status: 400, text: transition('deleted', 'active') }), false);
    assert.equal(alreadyDeleted({ status: 400, text: transition('killed', 'queued') }), false);
  });
});
