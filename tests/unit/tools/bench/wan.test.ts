import assert from 'node:assert/strict';
import { WAN_DEFAULTS, describeWan, parseSysctls, parseWanSpec } from '../../../../tools/bench/lib/wan';
import { wanFromEnv } from '../../../../tools/bench/lib/wan/bench';

describe('bench WAN link spec (GIMMING_BENCH_WAN)', () => {
  it('reads rtt, rate, loss, mtu and queue', () => {
    const s = parseWanSpec('rtt=40ms, rate=500mbit, loss=0.1%, mtu=9000, queue=8mb');
    assert.equal(s.rttMs, 40);
    assert.equal(s.rateBps, 500e6);
    assert.equal(s.loss, 0.001);
    assert.equal(s.mtu, 9000);
    assert.equal(s.queueBytes, 8 * 1024 * 1024);
    assert.equal(parseWanSpec('rtt=0.1s,rate=1gbit,loss=0').rttMs, 100);
    assert.equal(parseWanSpec('rate=1gbit').rateBps, 1e9);
    assert.equal(parseWanSpec('loss=0.02').loss, 0.02);
  });

  it('gives the defaults for "1" and keeps the rest of them for a partial spec', () => {
    assert.deepEqual(parseWanSpec('1'), WAN_DEFAULTS);
    const s = parseWanSpec('rtt=100ms');
    assert.equal(s.rttMs, 100);
    assert.equal(s.rateBps, WAN_DEFAULTS.rateBps);
    assert.equal(s.loss, WAN_DEFAULTS.loss);
  });

  it('refuses what it does not know rather than run another link', () => {
    for (const bad of ['rtt=40', 'rtt=fast', 'rate=500mb', 'loss=100%', 'loss=1', 'mtu=100', 'delay=20ms']) {
      assert.throws(() => parseWanSpec(`rtt=40ms,${bad}`), /GIMMING_BENCH_WAN/, bad);
    }
  });

  it('reads the far namespace sysctls and refuses other keys', () => {
    assert.deepEqual(parseSysctls('net.ipv4.tcp_rmem=4096 131072 67108864; net.core.rmem_max=1'), {
      'net.ipv4.tcp_rmem': '4096 131072 67108864',
      'net.core.rmem_max': '1',
    });
    assert.throws(() => parseSysctls('kernel.panic=1'), /GIMMING_BENCH_WAN_SYSCTL/);
  });

  it('is off unless asked, and says what it runs', () => {
    assert.equal(wanFromEnv({}), undefined);
    assert.equal(wanFromEnv({ GIMMING_BENCH_WAN: 'off' }), undefined);
    const wan = wanFromEnv({
      GIMMING_BENCH_WAN: 'rtt=40ms,rate=500mbit,loss=0.1%',
      GIMMING_BENCH_WAN_SYSCTL: 'net.ipv4.tcp_rmem=4096 131072 67108864',
    });
    assert.equal(
      wan?.description,
      'RTT 40 ms, 500 Mbit/s, loss 0.1%, MTU 65000; far namespace: net.ipv4.tcp_rmem=4096 131072 67108864',
    );
    assert.equal(describeWan(parseWanSpec('rate=0bit,loss=0')), 'RTT 40 ms, unlimited, loss 0%, MTU 65000');
  });
});
