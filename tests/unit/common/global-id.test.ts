/**
 * The request id other services (Glance) are told: oslo.context's global_id.
 */
import assert from 'node:assert/strict';
import { RequestContext } from '../../../src/common/context';

describe('RequestContext.globalId', () => {
  it("is the caller's global request id when it gave one", () => {
    const ctx = new RequestContext({
      request_id: 'req-11111111-1111-4111-8111-111111111111',
      global_request_id: 'req-22222222-2222-4222-8222-222222222222',
      roles: [],
    });
    assert.equal(ctx.globalId, 'req-22222222-2222-4222-8222-222222222222');
  });

  it("is the request's own id otherwise", () => {
    const ctx = new RequestContext({ request_id: 'req-11111111-1111-4111-8111-111111111111', roles: [] });
    assert.equal(ctx.globalId, 'req-11111111-1111-4111-8111-111111111111');
  });
});
