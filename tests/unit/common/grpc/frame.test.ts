import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import * as protoLoader from '@grpc/proto-loader';
import * as protobuf from 'protobufjs';
import { ChunkFramer, decodeChunk, encodeChunk } from '../../../../src/common/grpc/frame';
import { AGENT_PROTO, PROTO_ROOT } from '../../../../src/common/grpc/loader';

function imageChunkType(): protobuf.Type {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => `${PROTO_ROOT}/${target}`;
  root.loadSync(AGENT_PROTO, { keepCase: true });
  return root.lookupType('gimming.agent.v2.ImageChunk');
}

describe('hand-framed ImageChunk', () => {
  const ImageChunk = imageChunkType();

  for (const size of [0, 1, 127, 128, 16383, 16384, 1048576, 1048576 + 3]) {
    it(`is wire-identical to protobuf for ${size} bytes`, () => {
      const data = randomBytes(size);
      const ours = encodeChunk(data);
      const theirs = Buffer.from(ImageChunk.encode(ImageChunk.create({ data })).finish());
      if (size === 0) assert.deepEqual(decodeChunk(theirs), Buffer.alloc(0));
      else assert.deepEqual(ours, theirs);
      assert.deepEqual(decodeChunk(ours), data);
    });
  }

  it('refuses malformed messages', () => {
    assert.throws(() => decodeChunk(Buffer.from([0x12, 0x01, 0x00])), /unexpected field/);
    assert.throws(() => decodeChunk(Buffer.from([0x0a, 0x05, 0x00])), /does not match/);
    assert.throws(() => decodeChunk(Buffer.from([0x0a, 0x80])), /truncated/);
  });

  it('regroups a byte stream into chunks of a fixed size without losing a byte', async () => {
    const data = randomBytes(5 * 1000 + 123);
    const pieces: Buffer[] = [];
    for (let i = 0; i < data.length; i += 777) pieces.push(data.subarray(i, i + 777));
    const framer = new ChunkFramer(1000);
    const out: Buffer[] = [];
    for await (const framed of Readable.from(pieces).pipe(framer)) out.push(decodeChunk(framed as Buffer));
    assert.deepEqual(
      out.map((b) => b.length),
      [1000, 1000, 1000, 1000, 1000, 123],
    );
    assert.deepEqual(Buffer.concat(out), data);
    assert.equal(framer.bytesIn, data.length);
  });

  it('the loader keeps proto-loader types for control messages', () => {
    const pkg = protoLoader.loadSync(AGENT_PROTO, { includeDirs: [PROTO_ROOT], keepCase: true });
    assert.ok(pkg['gimming.agent.v2.CopyImageRequest']);
  });
});
