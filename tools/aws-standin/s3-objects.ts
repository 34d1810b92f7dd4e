/**
 * The EC2 side's own access to the stand-in's S3 (as the vmimport role has it): straight to the s3rver
 * behind the signature-checking front, streaming to and from files.
 */
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import http from 'node:http';
import { pipeline } from 'node:stream/promises';

export class ObjectStore {
  constructor(private readonly base: string) {}

  private url(bucket: string, key: string): string {
    return `${this.base}/${encodeURIComponent(bucket)}/${key.split('/').map(encodeURIComponent).join('/')}`;
  }

  /** The object's size, or undefined if it does not exist. */
  async head(bucket: string, key: string): Promise<number | undefined> {
    return new Promise((resolve, reject) => {
      const req = http.request(this.url(bucket, key), { method: 'HEAD' }, (res) => {
        res.resume();
        if (res.statusCode === 404) resolve(undefined);
        else if (res.statusCode === 200) resolve(Number(res.headers['content-length']));
        else reject(new Error(`HEAD ${bucket}/${key}: HTTP ${res.statusCode}`));
      });
      req.on('error', reject);
      req.end();
    });
  }

  async remove(bucket: string, key: string): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const req = http.request(this.url(bucket, key), { method: 'DELETE' }, (res) => {
        res.resume();
        if (res.statusCode === 204 || res.statusCode === 200 || res.statusCode === 404) resolve();
        else reject(new Error(`DELETE ${bucket}/${key}: HTTP ${res.statusCode}`));
      });
      req.on('error', reject);
      req.end();
    });
  }

  async download(bucket: string, key: string, file: string, signal: AbortSignal): Promise<void> {
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = http.get(this.url(bucket, key), { signal }, resolve);
      req.on('error', reject);
    });
    if (res.statusCode !== 200) {
      res.resume();
      throw new Error(`GET ${bucket}/${key}: HTTP ${res.statusCode}`);
    }
    await pipeline(res, createWriteStream(file), { signal });
  }

  async upload(bucket: string, key: string, file: string, signal: AbortSignal): Promise<void> {
    const size = statSync(file).size;
    await new Promise<void>((resolve, reject) => {
      const req = http.request(
        this.url(bucket, key),
        {
          method: 'PUT',
          headers: { 'content-length': size, 'content-type': 'application/octet-stream' },
          signal,
        },
        (res) => {
          res.resume();
          if (res.statusCode === 200) resolve();
          else reject(new Error(`PUT ${bucket}/${key}: HTTP ${res.statusCode}`));
        },
      );
      req.on('error', reject);
      pipeline(createReadStream(file), req, { signal }).catch(reject);
    });
  }
}
