/**
 * The proof an AMI made outside GIMinG gets from its first full read: the bytes exported out of it,
 * hashed as they pass, recorded once the last one went through, and never when the read stops early.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { recordingProof } from '../../../src/gimming-agent/drivers/aws/proof-on-read';
import type { RecordedProof } from '../../../src/gimming-agent/drivers/aws/tags';

const what = { cloud: 'ec2-east', amiId: 'ami-0123456789abcdef0' };

describe('the proof recorded on a native AMI by its first read', () => {
  it('records the size, md5 and sha512 of every byte read, passing them through unchanged', async () => {
    const parts = [Buffer.from('first part '), Buffer.alloc(70000, 7), Buffer.from('end')];
    const all = Buffer.concat(parts);
    const recorded: RecordedProof[] = [];
    const out = recordingProof(Readable.from(parts), async (p) => void recorded.push(p), what);
    const read: Buffer[] = [];
    for await (const chunk of out) read.push(chunk as Buffer);
    assert.deepEqual(Buffer.concat(read), all);
    assert.deepEqual(recorded, [
      {
        size: all.length,
        digests: {
          md5: createHash('md5').update(all).digest('hex'),
          sha512: createHash('sha512').update(all).digest('hex'),
        },
      },
    ]);
  });

  it('records nothing when the reader stops early, and stops the source', async () => {
    const recorded: RecordedProof[] = [];
    const source = new Readable({ read() {} });
    source.push(Buffer.alloc(10));
    const out = recordingProof(source, async (p) => void recorded.push(p), what);
    out.destroy(new Error('cancelled'));
    await finished(source).catch(() => undefined);
    assert.equal(source.destroyed, true);
    assert.deepEqual(recorded, []);
  });

  it('fails no read when EC2 refuses the tag', async () => {
    const out = recordingProof(
      Readable.from([Buffer.from('data')]),
      () => Promise.reject(new Error('TagLimitExceeded')),
      what,
    );
    const read: Buffer[] = [];
    for await (const chunk of out) read.push(chunk as Buffer);
    assert.equal(Buffer.concat(read).toString(), 'data');
  });
});
