import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { RequestContext, runWithContext } from '../../../src/common/context';
import { makeLogger } from '../../../src/common/log';

function capture(): { lines: () => any[]; stream: Writable } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
  };
}

describe('logging', () => {
  it('writes one JSON line per event with the request ids of the current context', () => {
    const out = capture();
    const log = makeLogger('test', false, out.stream);
    const ctx = new RequestContext({
      request_id: 'req-1',
      global_request_id: 'req-0',
      user_id: 'u',
      project_id: 'p',
      roles: [],
    });
    runWithContext(ctx, () => log.info({ n: 1 }, 'hello'));
    const [line] = out.lines();
    assert.equal(line.message, 'hello');
    assert.equal(line.level, 'info');
    assert.equal(line.request_id, 'req-1');
    assert.equal(line.global_request_id, 'req-0');
    assert.equal(line.project_id, 'p');
  });

  it('censors secrets wherever they sit in a logged object', () => {
    const out = capture();
    const log = makeLogger('test', false, out.stream);
    log.info(
      {
        auth_token: 'S1',
        password: 'S2',
        nested: { token: 'S3', deeper: { secret: 'S4' } },
        headers: { 'x-auth-token': 'S5' },
        'x-subject-token': 'S6',
        transport_url: 'rabbit://u:S7@h/',
      },
      'secrets',
    );
    const text = JSON.stringify(out.lines());
    for (const secret of ['S1', 'S2', 'S3', 'S4', 'S5', 'S6', 'S7'])
      assert.ok(!text.includes(`"${secret}"`) && !text.includes(secret), secret);
  });

  it('the request context never serializes its token in the form kept at rest', () => {
    const ctx = new RequestContext({ request_id: 'req-1', roles: ['member'], auth_token: 'TOKEN' });
    assert.ok(!JSON.stringify(ctx.toWire(false)).includes('TOKEN'));
    assert.ok(!JSON.stringify(ctx.logFields()).includes('TOKEN'));
    assert.equal(ctx.toWire(true).auth_token, 'TOKEN');
  });
});
