/**
 * What a user reads when the test bed's real Glance (zone-a) refuses a request: Glance's own message,
 * without its JSON, `<br />` or webob's status line. No daemon is started.
 */
import assert from 'node:assert/strict';
import { GimmingError } from '../../src/common/errors';
import { newRequestId } from '../../src/common/context';
import { GlanceClient } from '../../src/gimming-agent/drivers/glance/client';
import { issueToken } from '../support/openstack';
import { testbed } from '../support/testbed';

describe('Glance error bodies of the real Glance', function () {
  this.timeout(60000);
  let client: GlanceClient;
  before(async () => {
    const bed = testbed();
    const token = await issueToken(bed, bed.users.demo);
    const endpoint = (Object.values(bed.regions)[0] as { glance_url: string }).glance_url.replace(/\/+$/, '');
    client = new GlanceClient({
      endpoint,
      token: token.id,
      requestId: newRequestId(),
      timeoutMs: 20000,
      cloudName: 'zone-a',
    });
  });

  const refused = (pattern: RegExp) => (err: unknown) => {
    assert.ok(err instanceof GimmingError, String(err));
    assert.match(err.message, pattern);
    assert.doesNotMatch(err.message, /<br|\{"|"code"|\d{3} Forbidden|\d{3} Bad Request/, err.message);
    return true;
  };

  it('says why a member may not make an image public, cleanly', async () => {
    await assert.rejects(
      client.createImage({ name: 'gimming-glance-errors', visibility: 'public' }),
      refused(/is not allowed: You are not authorized to complete publicize_image action\.$/),
    );
  });

  it('says which disk format Glance refused, cleanly', async () => {
    await assert.rejects(
      client.createImage({ name: 'gimming-glance-errors', disk_format: 'nope' }),
      refused(/was refused: Provided object does not match schema 'image': 'nope' is not one of/),
    );
  });
});
