/**
 * The token bucket that holds a copy to its max_bandwidth (transfer/token-bucket.ts): the average rate is
 * held whatever the chunk size, the burst bounds what passes at once, and a throttled stream keeps every
 * byte, in order, at about the rate (asserted within wide bounds: the test runs on a shared machine).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { TokenBucket, throttled } from '../../../src/gimming-agent/transfer/token-bucket';

/** A clock the test moves by hand. */
function clock() {
  let t = 0;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('agent token bucket', () => {
  it('lets a burst through at once, then asks to wait for the rest at the rate', () => {
    const c = clock();
    const bucket = new TokenBucket(1000, 500, c.now);
    assert.equal(bucket.take(500), 0);
    // 250 bytes in debt at 1000 bytes/s: a quarter of a second.
    assert.equal(bucket.take(250), 250);
    c.advance(250);
    assert.equal(bucket.take(0), 0);
  });

  it('holds the average rate with chunks larger than the bucket', () => {
    const c = clock();
    const rate = 100 * 1024;
    const bucket = new TokenBucket(rate, 64 * 1024, c.now);
    const chunk = 1024 * 1024;
    let sent = 0;
    for (let i = 0; i < 20; i++) {
      c.advance(bucket.take(chunk));
      sent += chunk;
    }
    // 20 MiB at 100 KiB/s: 200 s less the first burst (0.64 s) and the last chunk's wait.
    const seconds = c.now() / 1000;
    const measured = (sent - chunk) / seconds;
    assert.ok(Math.abs(measured - rate) / rate < 0.05, `measured ${measured} bytes/s for a cap of ${rate}`);
    assert.equal(bucket.bytes, sent);
    assert.ok(bucket.waitedMs > 190_000);
  });

  it('does not save up more than its burst while the stream is idle', () => {
    const c = clock();
    const bucket = new TokenBucket(1000, 500, c.now);
    bucket.take(500);
    c.advance(60_000); // a minute idle earns no more than the burst
    assert.equal(bucket.take(500), 0);
    assert.equal(bucket.take(500), 500);
  });

  it('takes a burst of a quarter of a second at its rate by default, at least 64 KiB', () => {
    assert.equal(new TokenBucket(40_000_000).burst, 10_000_000);
    assert.equal(new TokenBucket(1024).burst, 64 * 1024);
    assert.throws(() => new TokenBucket(0), RangeError);
  });

  it('passes every byte in order at about the cap', async () => {
    const size = 3 * 256 * 1024;
    const data = Buffer.alloc(size);
    for (let i = 0; i < size; i++) data[i] = (i * 7) & 0xff;
    const chunks = Array.from({ length: size / 65536 }, (_, i) => data.subarray(i * 65536, (i + 1) * 65536));
    const rate = 1024 * 1024; // 768 KiB, of which a 256 KiB burst: ~0.5 s
    const { stream, bucket } = throttled(Readable.from(chunks), rate);
    const started = performance.now();
    const hash = createHash('sha256');
    for await (const chunk of stream) hash.update(chunk as Buffer);
    const seconds = (performance.now() - started) / 1000;
    assert.equal(hash.digest('hex'), createHash('sha256').update(data).digest('hex'));
    assert.equal(bucket?.bytes, size);
    assert.ok(seconds > 0.35 && seconds < 3, `took ${seconds} s`);
  });

  it('hands the source failure on, and an uncapped stream back as it is', async () => {
    const source = new Readable({ read() {} });
    const { stream } = throttled(source, 1e6);
    const failed = new Promise((resolve) => stream.once('error', resolve));
    source.destroy(new Error('the source broke'));
    assert.equal(((await failed) as Error).message, 'the source broke');
    const plain = Readable.from([]);
    assert.equal(throttled(plain, 0).stream, plain);
  });
});
