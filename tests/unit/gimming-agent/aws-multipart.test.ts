/**
 * The S3 multipart writer of the EC2 driver (drivers/aws/multipart.ts), against a recording S3 client: the
 * object is the stream's bytes in parts of the part size (the last one shorter), never more than
 * `concurrency` parts in flight and never more than that many part buffers, one PutObject for data of at
 * most one part, and on a failed part, a broken source or an abort, no multipart upload left open. The
 * same writer against the AWS stand-in, through the real SDK: every import in tests/functional/aws-*.test.ts.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { GimmingError } from '../../../src/common/errors';
import { MAX_PARTS, writeMultipart } from '../../../src/gimming-agent/drivers/aws/multipart';

type S3Client = Parameters<typeof writeMultipart>[0];

const MiB = 1024 * 1024;
const PART = 5 * MiB;

interface Call {
  command: string;
  input: Record<string, any>;
}

/** Records every command; UploadPart takes `partMs`, and fails for the part numbers in `failParts`. */
class FakeS3 {
  calls: Call[] = [];
  parts = new Map<number, Buffer>();
  inFlight = 0;
  maxInFlight = 0;
  put: Buffer | undefined;
  completed: number[] | undefined;
  aborted = false;
  /** UploadParts whose body was a stream. */
  streamed = 0;

  constructor(
    private readonly partMs = 5,
    private readonly failParts: number[] = [],
  ) {}

  async send(command: { constructor: { name: string }; input: Record<string, any> }, opts?: any) {
    const name = command.constructor.name.replace(/Command$/, '');
    const input = command.input;
    this.calls.push({ command: name, input });
    switch (name) {
      case 'CreateMultipartUpload':
        return { UploadId: 'up-1' };
      case 'UploadPart': {
        assert.equal(input.UploadId, 'up-1');
        this.inFlight += 1;
        this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
        try {
          if (input.Body instanceof Readable) {
            // A streamed part: read as the wire would (until the abort), then checked against its length.
            this.streamed += 1;
            const body = await readBody(input.Body, opts?.abortSignal);
            assert.equal(body.length, input.ContentLength, 'ContentLength is the part length');
            input.Body = body;
          } else {
            assert.equal(input.Body.length, input.ContentLength, 'ContentLength is the part length');
          }
          await new Promise<void>((resolve, reject) => {
            const t = setTimeout(resolve, this.partMs);
            opts?.abortSignal?.addEventListener('abort', () => {
              clearTimeout(t);
              reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
            });
          });
          if (this.failParts.includes(input.PartNumber)) {
            throw Object.assign(new Error('Please reduce your request rate.'), {
              name: 'SlowDown',
              $metadata: { httpStatusCode: 503 },
            });
          }
          // What the writer handed over is copied, as the wire would have it by now.
          this.parts.set(input.PartNumber, Buffer.from(input.Body));
          return { ETag: `"etag-${input.PartNumber}"` };
        } finally {
          this.inFlight -= 1;
        }
      }
      case 'CompleteMultipartUpload':
        this.completed = input.MultipartUpload.Parts.map((p: any) => p.PartNumber);
        assert.deepEqual(
          input.MultipartUpload.Parts.map((p: any) => p.ETag),
          this.completed!.map((n) => `"etag-${n}"`),
        );
        return {};
      case 'AbortMultipartUpload':
        this.aborted = true;
        return {};
      case 'PutObject':
        assert.equal(input.Body.length, input.ContentLength);
        this.put = Buffer.from(input.Body);
        return {};
      default:
        throw new Error(`unexpected ${name}`);
    }
  }

  get client(): S3Client {
    return this as unknown as S3Client;
  }

  /** The object as S3 would assemble it from the completed parts. */
  object(): Buffer {
    return Buffer.concat((this.completed ?? []).map((n) => this.parts.get(n)!));
  }

  commands(): string[] {
    return this.calls.map((c) => c.command);
  }
}

/** `data` cut into pieces of uneven sizes (1 byte to 300 KiB), as a socket or a file delivers them. */
function ragged(data: Buffer): Readable {
  const pieces: Buffer[] = [];
  let offset = 0;
  let i = 0;
  while (offset < data.length) {
    const n = Math.min(data.length - offset, [1, 65536, 300 * 1024, 4096, 7][i++ % 5]!);
    pieces.push(data.subarray(offset, offset + n));
    offset += n;
  }
  return Readable.from(pieces);
}

/**
 * A streamed body read to its end, as the HTTP handler pipes it into the request; rejects on abort, and
 * when the body fails (the real handler would not notice: the writer must abort instead, see below).
 */
function readBody(body: Readable, signal?: AbortSignal): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const onAbort = () => {
      body.unpipe();
      reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    body.on('data', (c: Buffer) => chunks.push(c));
    body.on('end', () => {
      signal?.removeEventListener('abort', onAbort);
      resolve(Buffer.concat(chunks));
    });
  });
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('aws driver: S3 multipart writer', () => {
  it('writes the bytes in parts of the part size, the last one shorter, and completes them in order', async () => {
    const data = randomBytes(3 * PART + 12345);
    const s3 = new FakeS3(5);
    const out = await writeMultipart(s3.client, 'b', 'k', ragged(data), { partBytes: PART, concurrency: 2 });
    assert.deepEqual(out, { bytes: data.length, parts: 4, buffers: 2 });
    assert.deepEqual(
      [...s3.parts.keys()].sort().map((n) => s3.parts.get(n)!.length),
      [PART, PART, PART, 12345],
    );
    assert.deepEqual(s3.completed, [1, 2, 3, 4]);
    assert.equal(sha(s3.object()), sha(data));
    assert.equal(s3.commands()[0], 'CreateMultipartUpload');
    assert.equal(s3.commands().at(-1), 'CompleteMultipartUpload');
    assert.equal(s3.aborted, false);
  });

  it('holds at most `concurrency` parts in flight and as many buffers, whatever the size', async function () {
    this.timeout(20000);
    for (const concurrency of [1, 2, 3]) {
      const data = randomBytes(8 * PART + 1);
      const s3 = new FakeS3(20);
      const out = await writeMultipart(s3.client, 'b', 'k', ragged(data), { partBytes: PART, concurrency });
      assert.equal(out.parts, 9);
      assert.equal(s3.maxInFlight, concurrency, `concurrency ${concurrency}`);
      assert.equal(out.buffers, concurrency, 'each part buffer is reused');
      assert.equal(sha(s3.object()), sha(data), 'no part was overwritten while in flight');
    }
  });

  it('sends data of at most one part, and none, as one PutObject', async () => {
    for (const size of [0, 1, PART]) {
      const data = randomBytes(size);
      const s3 = new FakeS3();
      const out = await writeMultipart(s3.client, 'b', 'k', ragged(data), {
        partBytes: PART,
        concurrency: 2,
      });
      assert.deepEqual(out, { bytes: size, parts: 0, buffers: size === 0 ? 0 : 1 });
      assert.deepEqual(s3.commands(), ['PutObject']);
      assert.equal(sha(s3.put!), sha(data));
    }
    // One byte more than a part: two parts.
    const s3 = new FakeS3();
    const out = await writeMultipart(s3.client, 'b', 'k', ragged(randomBytes(PART + 1)), {
      partBytes: PART,
      concurrency: 2,
    });
    assert.equal(out.parts, 2);
  });

  it('aborts the upload when a part fails, and answers that failure', async () => {
    const s3 = new FakeS3(5, [2]);
    await assert.rejects(
      writeMultipart(s3.client, 'b', 'k', ragged(randomBytes(6 * PART)), { partBytes: PART, concurrency: 2 }),
      (e: Error) => e.name === 'SlowDown',
    );
    assert.equal(s3.aborted, true);
    assert.equal(s3.completed, undefined);
    assert.equal(s3.commands().at(-1), 'AbortMultipartUpload', 'aborted after the parts in flight ended');
  });

  it('aborts the upload when the source breaks after a part went up', async () => {
    async function* broken() {
      yield randomBytes(PART + 10);
      await new Promise((r) => setTimeout(r, 30));
      throw new Error('source broke');
    }
    const s3 = new FakeS3();
    await assert.rejects(
      writeMultipart(s3.client, 'b', 'k', Readable.from(broken()), { partBytes: PART, concurrency: 2 }),
      /source broke/,
    );
    assert.equal(s3.aborted, true);
    assert.ok(s3.commands().includes('UploadPart'));
  });

  it('stops, aborts the parts in flight and the upload, when the signal aborts', async () => {
    const aborter = new AbortController();
    const s3 = new FakeS3(10_000);
    const source = ragged(randomBytes(10 * PART));
    setTimeout(() => aborter.abort(), 50);
    const started = Date.now();
    await assert.rejects(
      writeMultipart(s3.client, 'b', 'k', source, {
        partBytes: PART,
        concurrency: 2,
        signal: aborter.signal,
      }),
    );
    assert.ok(Date.now() - started < 5000, 'the parts in flight did not hold it');
    assert.equal(s3.aborted, true);
    assert.equal(s3.completed, undefined);
    assert.ok(source.destroyed, 'the source is not read on');
  });

  it('refuses parts under S3 minimum, and an image beyond its 10000 parts with a clear error', async () => {
    const s3 = new FakeS3(0);
    await assert.rejects(
      writeMultipart(s3.client, 'b', 'k', ragged(randomBytes(10)), { partBytes: MiB, concurrency: 1 }),
      RangeError,
    );
    // S3's limit is MAX_PARTS; the writer takes a lower one so that the test need not write 48.8 GiB.
    assert.equal(MAX_PARTS, 10000);
    await assert.rejects(
      writeMultipart(s3.client, 'b', 'k', ragged(randomBytes(3 * PART + 1)), {
        partBytes: PART,
        concurrency: 2,
        maxParts: 3,
      }),
      (e: unknown) =>
        e instanceof GimmingError &&
        e.code === 'gimming.cloud.bad_request' &&
        /3 parts of 5 MiB/.test(e.message),
    );
    assert.equal(s3.aborted, true);
  });

  describe('with the size known: each part streamed from the data', () => {
    it('writes every part from the stream itself, no part buffer, the last one shorter, completed in order', async () => {
      const data = randomBytes(3 * PART + 12345);
      const s3 = new FakeS3(5);
      const out = await writeMultipart(s3.client, 'b', 'k', ragged(data), {
        partBytes: PART,
        concurrency: 2,
        size: data.length,
      });
      assert.deepEqual(out, { bytes: data.length, parts: 4, buffers: 0 });
      assert.equal(s3.streamed, 4);
      assert.deepEqual(
        [...s3.parts.keys()].sort().map((n) => s3.parts.get(n)!.length),
        [PART, PART, PART, 12345],
      );
      assert.deepEqual(s3.completed, [1, 2, 3, 4]);
      assert.equal(sha(s3.object()), sha(data));
      assert.equal(s3.aborted, false);
    });

    it('loses nothing to a data listener of the caller while the upload starts (copy.ts counts bytes so)', async () => {
      class SlowStart extends FakeS3 {
        override async send(command: any, opts?: any) {
          if (command.constructor.name === 'CreateMultipartUploadCommand')
            await new Promise((r) => setTimeout(r, 50));
          return super.send(command, opts);
        }
      }
      const data = randomBytes(3 * PART + 999);
      const source = ragged(data);
      let counted = 0;
      source.on('data', (c: Buffer) => (counted += c.length));
      const s3 = new SlowStart(5);
      const out = await writeMultipart(s3.client, 'b', 'k', source, {
        partBytes: PART,
        concurrency: 2,
        size: data.length,
      });
      assert.equal(out.bytes, data.length);
      assert.equal(sha(s3.object()), sha(data));
      assert.equal(counted, data.length, 'the listener saw every byte once');
    });

    it('holds at most `concurrency` parts in flight, one body read at a time', async function () {
      this.timeout(20000);
      for (const concurrency of [1, 2, 3]) {
        const data = randomBytes(8 * PART + 1);
        const s3 = new FakeS3(20);
        const out = await writeMultipart(s3.client, 'b', 'k', ragged(data), {
          partBytes: PART,
          concurrency,
          size: data.length,
        });
        assert.equal(out.parts, 9);
        assert.equal(s3.maxInFlight, concurrency, `concurrency ${concurrency}`);
        assert.equal(sha(s3.object()), sha(data));
      }
    });

    it('reads the source no further ahead than the part being sent', async () => {
      // 9 parts, a stalled UploadPart answer: with 1 part at a time, the writer reads one part then waits.
      let read = 0;
      async function* counted() {
        for (let i = 0; i < 9 * 5; i++) {
          read += MiB;
          yield randomBytes(MiB);
        }
      }
      const aborter = new AbortController();
      const s3 = new FakeS3(60_000);
      const writing = writeMultipart(s3.client, 'b', 'k', Readable.from(counted(), { highWaterMark: 1 }), {
        partBytes: PART,
        concurrency: 1,
        size: 9 * PART,
        signal: aborter.signal,
      });
      await new Promise((r) => setTimeout(r, 100));
      assert.ok(read <= PART + 3 * MiB, `read ${read / MiB} MiB for one part in flight`);
      aborter.abort();
      await assert.rejects(writing);
      assert.equal(s3.aborted, true);
    });

    it('fails, aborting the upload, when the data ends short of its size or runs past it', async () => {
      const s3 = new FakeS3(5);
      await assert.rejects(
        writeMultipart(s3.client, 'b', 'k', ragged(randomBytes(2 * PART + 10)), {
          partBytes: PART,
          concurrency: 2,
          size: 3 * PART,
        }),
        (e: unknown) =>
          e instanceof GimmingError &&
          e.code === 'gimming.copy.size_mismatch' &&
          e.message === `The image data ended after ${2 * PART + 10} of the ${3 * PART} bytes announced.`,
      );
      assert.equal(s3.aborted, true);
      assert.equal(s3.completed, undefined);
      assert.equal(s3.commands().at(-1), 'AbortMultipartUpload');
      const long = new FakeS3(5);
      await assert.rejects(
        writeMultipart(long.client, 'b', 'k', ragged(randomBytes(2 * PART + 1)), {
          partBytes: PART,
          concurrency: 2,
          size: 2 * PART,
        }),
        (e: unknown) =>
          e instanceof GimmingError &&
          e.message === `The image data is longer than the ${2 * PART} bytes announced.`,
      );
      assert.equal(long.aborted, true);
      assert.equal(long.completed, undefined);
    });

    it('aborts the part being sent and the upload when the source breaks mid-part, answering its error', async () => {
      async function* broken() {
        yield randomBytes(PART + 10);
        await new Promise((r) => setTimeout(r, 30));
        throw new Error('source broke');
      }
      const s3 = new FakeS3();
      const started = Date.now();
      await assert.rejects(
        writeMultipart(s3.client, 'b', 'k', Readable.from(broken()), {
          partBytes: PART,
          concurrency: 2,
          size: 4 * PART,
        }),
        /source broke/,
      );
      assert.ok(Date.now() - started < 5000, 'the part whose body failed did not hang');
      assert.equal(s3.aborted, true);
      assert.equal(s3.completed, undefined);
      assert.equal(s3.commands().at(-1), 'AbortMultipartUpload');
    });

    it('aborts the upload when a part fails, and answers that failure', async () => {
      const s3 = new FakeS3(5, [2]);
      const source = ragged(randomBytes(6 * PART));
      await assert.rejects(
        writeMultipart(s3.client, 'b', 'k', source, { partBytes: PART, concurrency: 2, size: 6 * PART }),
        (e: Error) => e.name === 'SlowDown',
      );
      assert.equal(s3.aborted, true);
      assert.equal(s3.completed, undefined);
      assert.equal(s3.commands().at(-1), 'AbortMultipartUpload', 'aborted after the parts in flight ended');
      assert.ok(source.destroyed, 'the source is not read on');
    });

    it('stops, aborts the parts in flight and the upload, when the signal aborts', async () => {
      const aborter = new AbortController();
      const s3 = new FakeS3(10_000);
      const source = ragged(randomBytes(10 * PART));
      setTimeout(() => aborter.abort(), 50);
      const started = Date.now();
      await assert.rejects(
        writeMultipart(s3.client, 'b', 'k', source, {
          partBytes: PART,
          concurrency: 2,
          signal: aborter.signal,
          size: 10 * PART,
        }),
      );
      assert.ok(Date.now() - started < 5000, 'the parts in flight did not hold it');
      assert.equal(s3.aborted, true);
      assert.equal(s3.completed, undefined);
      assert.ok(source.destroyed, 'the source is not read on');
    });

    it('tries a part again that S3 refused before reading its body (100-continue), not one it read', async () => {
      const slowDown = () =>
        Object.assign(new Error('Please reduce your request rate.'), {
          name: 'SlowDown',
          $metadata: { httpStatusCode: 503 },
        });
      /** Refuses the first `times` attempts of part 2 before reading any of their body. */
      class Refusing extends FakeS3 {
        refused = 0;
        constructor(private readonly times: number) {
          super(5);
        }
        override async send(command: any, opts?: any) {
          if (command.constructor.name === 'UploadPartCommand' && command.input.PartNumber === 2) {
            if (this.refused < this.times) {
              this.refused += 1;
              throw slowDown();
            }
          }
          return super.send(command, opts);
        }
      }
      const data = randomBytes(3 * PART);
      const once = new Refusing(2);
      const out = await writeMultipart(once.client, 'b', 'k', ragged(data), {
        partBytes: PART,
        concurrency: 2,
        size: data.length,
      });
      assert.equal(once.refused, 2);
      assert.equal(out.parts, 3);
      assert.equal(sha(once.object()), sha(data), 'the part tried again holds its own bytes');
      const always = new Refusing(3);
      await assert.rejects(
        writeMultipart(always.client, 'b', 'k', ragged(data), {
          partBytes: PART,
          concurrency: 2,
          size: data.length,
        }),
        (e: Error) => e.name === 'SlowDown',
      );
      assert.equal(always.refused, 3, 'three attempts, as the SDK makes');
      assert.equal(always.aborted, true);
      // A part S3 read (some of) before failing: not tried again (its bytes are gone), the upload aborted.
      const read = new FakeS3(5, [2]);
      await assert.rejects(
        writeMultipart(read.client, 'b', 'k', ragged(data), {
          partBytes: PART,
          concurrency: 2,
          size: data.length,
        }),
        (e: Error) => e.name === 'SlowDown',
      );
      assert.equal(
        read.calls.filter((c) => c.command === 'UploadPart' && c.input.PartNumber === 2).length,
        1,
      );
      assert.equal(read.aborted, true);
    });

    it('refuses an image beyond its 10000 parts before it starts, with the same error', async () => {
      const s3 = new FakeS3(0);
      await assert.rejects(
        writeMultipart(s3.client, 'b', 'k', ragged(randomBytes(3 * PART + 1)), {
          partBytes: PART,
          concurrency: 2,
          maxParts: 3,
          size: 3 * PART + 1,
        }),
        (e: unknown) =>
          e instanceof GimmingError &&
          e.code === 'gimming.cloud.bad_request' &&
          /3 parts of 5 MiB/.test(e.message),
      );
      assert.deepEqual(s3.commands(), [], 'no multipart upload started');
    });

    it('sends data of at most one part as one PutObject, as without the size', async () => {
      const data = randomBytes(PART);
      const s3 = new FakeS3();
      await writeMultipart(s3.client, 'b', 'k', ragged(data), {
        partBytes: PART,
        concurrency: 2,
        size: PART,
      });
      assert.deepEqual(s3.commands(), ['PutObject']);
      assert.equal(sha(s3.put!), sha(data));
    });
  });
});
