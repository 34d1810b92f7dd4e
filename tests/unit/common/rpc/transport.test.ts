import assert from 'node:assert/strict';
import { versionCompatible } from '../../../../src/common/rpc/envelope';
import { parseTransportUrl } from '../../../../src/common/rpc/transport';

describe('transport_url', () => {
  it('turns oslo.messaging URLs into amqplib URLs, one per broker', () => {
    assert.deepEqual(
      parseTransportUrl('rabbit://guest:guest@127.0.0.1:5672/').map((b) => b.url),
      ['amqp://guest:guest@127.0.0.1:5672/%2F?heartbeat=30'],
    );
    const cluster = parseTransportUrl('rabbit://u:p%40ss@h1:5672,u:p@h2/vh');
    assert.deepEqual(
      cluster.map((b) => b.url),
      ['amqp://u:p%40ss@h1:5672/vh?heartbeat=30', 'amqp://u:p@h2:5672/vh?heartbeat=30'],
    );
  });

  it('never shows the password in its display form', () => {
    for (const b of parseTransportUrl('rabbit://user:secret@host:5672/'))
      assert.ok(!b.display.includes('secret'));
  });

  it('refuses what it cannot read', () => {
    assert.throws(() => parseTransportUrl('kafka://host'), /transport_url/);
    assert.throws(() => parseTransportUrl('rabbit:///'), /no broker/);
  });
});

describe('RPC versions', () => {
  it('serves calls of the same major version up to its minor', () => {
    assert.ok(versionCompatible('1.3', '1.0'));
    assert.ok(versionCompatible('1.3', '1.3'));
    assert.ok(!versionCompatible('1.3', '1.4'));
    assert.ok(!versionCompatible('2.0', '1.0'));
  });
});
