/**
 * The proof an AMI that carries none (one made outside GIMinG) gets from its first full read: EC2
 * reports no hash of an image, so the bytes exported out of it are hashed as they pass (md5 and sha512),
 * and once the last one went through, their size and digests are recorded in its proof tag (tags.ts), as
 * for a copy GIMinG wrote itself. A later describe then shows them, and a later adoption or check proves
 * the AMI by them. A read that stops early records nothing; a tag EC2 refuses (an AMI holds 50 at most)
 * fails no read.
 */
import { type Hash, createHash } from 'node:crypto';
import { type Readable, Transform, pipeline } from 'node:stream';
import { describeError } from '../../../common/errors';
import { getLogger } from '../../../common/log';
import type { RecordedProof } from './tags';

const log = getLogger('agent.aws');

export function recordingProof(
  data: Readable,
  record: (proof: RecordedProof) => Promise<void>,
  what: { cloud: string; amiId: string },
): Readable {
  const hashes: Record<string, Hash> = { md5: createHash('md5'), sha512: createHash('sha512') };
  let size = 0;
  const hashing = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      for (const hash of Object.values(hashes)) hash.update(chunk);
      done(null, chunk);
    },
    flush(done) {
      const digests = Object.fromEntries(Object.entries(hashes).map(([algo, h]) => [algo, h.digest('hex')]));
      record({ size, digests }).then(
        () => {
          log.info({ cloud: what.cloud, ami_id: what.amiId, size }, 'proof of the exported bytes recorded');
          done();
        },
        (err: unknown) => {
          log.warn(
            { cloud: what.cloud, ami_id: what.amiId, err: describeError(err) },
            'the proof of the exported bytes could not be recorded',
          );
          done();
        },
      );
    },
  });
  // A reader that stops early (a cancel, a failure) stops the export's stream too, which removes its object.
  return pipeline(data, hashing, () => undefined);
}
