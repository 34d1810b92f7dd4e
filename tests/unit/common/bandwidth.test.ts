/** Bandwidth caps as people write them (common/bandwidth.ts). */
import assert from 'node:assert/strict';
import { formatBandwidth, lowestCap, parseBandwidth } from '../../../src/common/bandwidth';

describe('bandwidth caps', () => {
  it('reads bytes per second with decimal, binary and bit units', () => {
    assert.equal(parseBandwidth(5000), 5000);
    assert.equal(parseBandwidth('5000'), 5000);
    assert.equal(parseBandwidth('100M'), 100e6);
    assert.equal(parseBandwidth('100MB/s'), 100e6);
    assert.equal(parseBandwidth('80MiB/s'), 80 * 1024 * 1024);
    assert.equal(parseBandwidth('1Gbit'), 125e6);
    assert.equal(parseBandwidth('800 Mbit/s'), 100e6);
    assert.equal(parseBandwidth('1.5 GiB'), 1.5 * 1024 ** 3);
    assert.equal(parseBandwidth('12.5kB'), 12500);
    assert.equal(parseBandwidth('100Mbps'), 12.5e6);
  });

  it('refuses what is not a cap', () => {
    for (const bad of ['', 'fast', '10 furlongs', '-5M', '0', 0, -1, Number.NaN, Infinity]) {
      assert.equal(parseBandwidth(bad), undefined, String(bad));
    }
  });

  it('takes the lowest cap set, and 0 when none is', () => {
    assert.equal(lowestCap(null, 0, undefined), 0);
    assert.equal(lowestCap(5e6, null, 2e6), 2e6);
    assert.equal(formatBandwidth(12_500_000), '12.5 MB/s (12500000 bytes/s)');
  });
});
