/**
 * The transfer bucket's objects: an image's data streamed in as a multipart upload (multipart.ts: parts of
 * [aws] part_size_mb, [aws] upload_concurrency at once, each streamed from the data when its size is known,
 * else in buffers reused for every part, so memory stays flat whatever the size), read
 * out as a stream, and removed with every unfinished multipart upload of its key, so that none is left.
 */
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  type S3Client,
} from './s3-sdk';
import { describeError } from '../../../common/errors';
import { getLogger } from '../../../common/log';
import { awsFailure, isNotFound } from './errors';
import { writeMultipart } from './multipart';
import { Cancelled } from '../polling';

const log = getLogger('agent.aws');

export class TransferBucket {
  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
    private readonly cloudName: string,
  ) {}

  /** Streams `data` (of `size` bytes, when known) into `key`; stops (and the caller cleans up) when `signal` aborts. */
  async put(
    key: string,
    data: Readable,
    partSizeMb: number,
    concurrency: number,
    signal?: AbortSignal,
    size?: number,
  ): Promise<void> {
    try {
      const { bytes, parts } = await writeMultipart(this.s3, this.bucket, key, data, {
        partBytes: partSizeMb * 1024 * 1024,
        concurrency,
        ...(signal ? { signal } : {}),
        ...(size !== undefined ? { size } : {}),
      });
      log.debug({ cloud: this.cloudName, bucket: this.bucket, key, bytes, parts }, 'transfer object written');
    } catch (err) {
      if (signal?.aborted) throw new Cancelled();
      throw awsFailure(err, `Uploading the image data to bucket ${this.bucket}`, this.cloudName);
    }
  }

  async get(key: string): Promise<{ stream: Readable; length?: number }> {
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return {
        stream: out.Body as Readable,
        ...(out.ContentLength !== undefined ? { length: out.ContentLength } : {}),
      };
    } catch (err) {
      throw awsFailure(err, `Reading the exported image from bucket ${this.bucket}`, this.cloudName);
    }
  }

  /** The keys under `prefix`. */
  async keys(prefix: string): Promise<string[]> {
    try {
      const out = await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix }));
      return (out.Contents ?? []).flatMap((o) => (o.Key ? [o.Key] : []));
    } catch (err) {
      throw awsFailure(err, `Listing bucket ${this.bucket}`, this.cloudName);
    }
  }

  /** Deletes the object and aborts every multipart upload of its key. Never throws: logs what stays. */
  async remove(key: string): Promise<void> {
    try {
      const uploads = await this.s3.send(
        new ListMultipartUploadsCommand({ Bucket: this.bucket, Prefix: key }),
      );
      for (const u of uploads.Uploads ?? []) {
        if (u.Key !== key || !u.UploadId) continue;
        await this.s3.send(
          new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: u.UploadId }),
        );
        log.info({ cloud: this.cloudName, bucket: this.bucket, key }, 'multipart upload aborted');
      }
    } catch (err) {
      log.error(
        { cloud: this.cloudName, bucket: this.bucket, key, err: describeError(err) },
        'could not abort the multipart uploads of a transfer object',
      );
    }
    try {
      await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (err) {
      if (!isNotFound(err)) {
        log.error(
          { cloud: this.cloudName, bucket: this.bucket, key, err: describeError(err) },
          'could not delete a transfer object',
        );
      }
    }
  }
}
