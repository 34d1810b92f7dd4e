import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../../support/testbed';
import { WAN_DEFAULTS, describeWan, parseSysctls, parseWanSpec } from '../../../../tools/bench/lib/wan';
import { tuningFromEnv, wanFromEnv } from '../../../../tools/bench/lib/wan/bench';
import {
  DEFAULT_CHUNK_SIZE,
  DEFAULT_FLOW_CONTROL_WINDOW,
  bdpBytes,
  formatBytes,
  linkTuning,
  nextPowerOfTwo,
} from '../../../../tools/bench/lib/wan/tuning';

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
      GIMMING_BENCH_WAN_TUNE: 'off',
    });
    assert.equal(
      wan?.description,
      'RTT 40 ms, 500 Mbit/s, loss 0.1%, MTU 65000; untuned; both namespaces: net.ipv4.tcp_rmem=4096 131072 67108864',
    );
    assert.equal(describeWan(parseWanSpec('rate=0bit,loss=0')), 'RTT 40 ms, unlimited, loss 0%, MTU 65000');
  });
});

describe('bench WAN link tuning (GIMMING_BENCH_WAN_TUNE)', () => {
  const MiB = 1024 * 1024;

  it('computes the bandwidth-delay product', () => {
    assert.equal(bdpBytes(1e9, 40), 5e6);
    assert.equal(bdpBytes(500e6, 40), 2.5e6);
    assert.equal(bdpBytes(10e9, 100), 125e6);
    // No delay still needs a millisecond's worth; an unlimited link is sized as 10 Gbit/s.
    assert.equal(bdpBytes(1e9, 0), 125000);
    assert.equal(bdpBytes(0, 40), 50e6);
  });

  it('rounds up to powers of two', () => {
    assert.equal(nextPowerOfTwo(1), 1);
    assert.equal(nextPowerOfTwo(5e6), 8 * MiB);
    assert.equal(nextPowerOfTwo(8 * MiB), 8 * MiB);
    assert.equal(nextPowerOfTwo(8 * MiB + 1), 16 * MiB);
  });

  it('sizes TCP buffers to four BDPs and the window to two, never under the defaults', () => {
    const gbit = linkTuning(1e9, 40);
    assert.equal(gbit.bdpBytes, 5e6);
    assert.equal(gbit.tcpBufferMax, 32 * MiB);
    assert.equal(gbit.flowControlWindow, 16 * MiB);
    // Four chunks in flight at the source must hold the BDP: 5 MB / 4 -> 2 MiB.
    assert.equal(gbit.chunkSize, 2 * MiB);
    assert.deepEqual(gbit.sysctls, {
      'net.ipv4.tcp_rmem': `4096 131072 ${32 * MiB}`,
      'net.ipv4.tcp_wmem': `4096 16384 ${32 * MiB}`,
    });
    const slow = linkTuning(10e6, 10);
    assert.equal(slow.tcpBufferMax, 4 * MiB);
    assert.equal(slow.flowControlWindow, DEFAULT_FLOW_CONTROL_WINDOW);
    assert.equal(slow.chunkSize, DEFAULT_CHUNK_SIZE);
    const huge = linkTuning(100e9, 1000);
    assert.equal(huge.tcpBufferMax, 2 ** 30);
    assert.equal(huge.flowControlWindow, 2 ** 30);
    assert.equal(huge.chunkSize, 4 * MiB);
  });

  it('is on by default, off when asked, and says so', () => {
    const spec = parseWanSpec('rtt=40ms,rate=1gbit,loss=0.1%');
    assert.equal(tuningFromEnv(spec, {})?.flowControlWindow, 16 * MiB);
    assert.equal(tuningFromEnv(spec, { GIMMING_BENCH_WAN_TUNE: 'off' }), undefined);
    assert.throws(() => tuningFromEnv(spec, { GIMMING_BENCH_WAN_TUNE: 'fast' }), /GIMMING_BENCH_WAN_TUNE/);
    assert.equal(
      wanFromEnv({ GIMMING_BENCH_WAN: 'rtt=40ms,rate=1gbit,loss=0.1%' })?.description,
      'RTT 40 ms, 1000 Mbit/s, loss 0.1%, MTU 65000; BDP 5.00 MB, tuned: TCP buffers up to 32 MiB, ' +
        'flow_control_window 16 MiB, chunk_size 2 MiB',
    );
    assert.equal(formatBytes(16 * MiB), '16 MiB');
  });
});

describe('the per-link table of doc/source/admin/wan.rst', () => {
  it('gives what linkTuning computes', () => {
    const rst = readFileSync(join(REPO_ROOT, 'doc', 'source', 'admin', 'wan.rst'), 'utf8');
    const rows = [
      ...rst.matchAll(/^(\d+) ([MG])bit\/s, (\d+) ms +\S+ MB +(\d+) MiB +(\d+) MiB\D+(\d+) (KiB|MiB)/gm),
    ];
    assert.equal(rows.length, 5, 'the table is there');
    for (const [line, rate, unit, rtt, tcp, window, chunk, chunkUnit] of rows) {
      const t = linkTuning(Number(rate) * (unit === 'G' ? 1e9 : 1e6), Number(rtt));
      assert.equal(t.tcpBufferMax, Number(tcp) * 1024 * 1024, line);
      assert.equal(t.flowControlWindow, Number(window) * 1024 * 1024, line);
      assert.equal(t.chunkSize, Number(chunk) * (chunkUnit === 'MiB' ? 1024 * 1024 : 1024), line);
    }
  });
});
