/**
 * `[api] workers = 2`: two API processes answer on one address, a reload (SIGHUP) keeps them serving, and
 * SIGTERM stops them all.
 */
import assert from 'node:assert/strict';
import { http } from '../support/http';
import { useStack } from '../support/stack';

describe('several API processes on one address ([api] workers)', function () {
  this.timeout(120000);
  const stack = useStack({ extraConfig: '[api]\nworkers = 2\n', registerClouds: false });

  const servingPids = () =>
    new Set(
      stack.daemons
        .logLines('api')
        .filter((l) => l.message === 'request' && l.path === '/v1/images')
        .map((l) => l.pid as number),
    );

  it('answers from two worker processes, and keeps answering after SIGHUP', async () => {
    const primary = stack.daemons.process('api');
    assert.ok(primary?.pid);
    const asks = () =>
      Promise.all(
        Array.from({ length: 20 }, () => http('GET', `${stack.api}/v1/images`, { token: stack.demo.id })),
      );
    for (const res of await asks()) assert.equal(res.status, 200, res.text);
    const pids = servingPids();
    assert.equal(pids.size, 2, `served by ${[...pids].join(', ')}`);
    assert.ok(!pids.has(primary.pid), 'the supervisor serves no request itself');
    primary.kill('SIGHUP');
    await new Promise((r) => setTimeout(r, 1000));
    for (const res of await asks()) assert.equal(res.status, 200, res.text);
    assert.deepEqual(servingPids(), pids, 'the same workers, still running');
  });
});
