/**
 * What s3rver 3.7 lacks of multipart uploads, done on its own files (bucket/._S3rver_uploads/<id>/ holds
 * `key`, `metadata` and the parts): ListMultipartUploads, AbortMultipartUpload, and NoSuchUpload for a
 * part or completion of an upload that does not exist.
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { escapeXml } from './xml-output';

export interface UploadInfo {
  bucket: string;
  key: string;
  uploadId: string;
  initiated: Date;
}

export class Multipart {
  constructor(private readonly root: string) {}

  private dir(bucket: string): string {
    return join(this.root, bucket, '._S3rver_uploads');
  }

  get(bucket: string, uploadId: string): UploadInfo | undefined {
    if (!/^[0-9a-f]{32}$/.test(uploadId)) return undefined;
    const d = join(this.dir(bucket), uploadId);
    if (!existsSync(join(d, 'key'))) return undefined;
    return { bucket, uploadId, key: readFileSync(join(d, 'key'), 'utf8'), initiated: statSync(d).birthtime };
  }

  list(bucket: string, prefix = ''): UploadInfo[] {
    let ids: string[];
    try {
      ids = readdirSync(this.dir(bucket));
    } catch {
      return [];
    }
    return ids
      .map((id) => this.get(bucket, id))
      .filter((u): u is UploadInfo => !!u && u.key.startsWith(prefix))
      .sort((a, b) => (a.key === b.key ? a.uploadId.localeCompare(b.uploadId) : a.key < b.key ? -1 : 1));
  }

  abort(bucket: string, uploadId: string): boolean {
    if (!this.get(bucket, uploadId)) return false;
    rmSync(join(this.dir(bucket), uploadId), { recursive: true, force: true });
    return true;
  }

  listXml(bucket: string, prefix: string): string {
    const uploads = this.list(bucket, prefix)
      .map(
        (u) =>
          `<Upload><Key>${escapeXml(u.key)}</Key><UploadId>${u.uploadId}</UploadId><Initiator><ID>stand-in</ID><DisplayName>stand-in</DisplayName></Initiator>` +
          `<Owner><ID>stand-in</ID><DisplayName>stand-in</DisplayName></Owner><StorageClass>STANDARD</StorageClass><Initiated>${u.initiated.toISOString()}</Initiated></Upload>`,
      )
      .join('');
    return (
      `<?xml version="1.0" encoding="UTF-8"?>\n<ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
      `<Bucket>${escapeXml(bucket)}</Bucket><KeyMarker></KeyMarker><UploadIdMarker></UploadIdMarker><Prefix>${escapeXml(prefix)}</Prefix>` +
      `<MaxUploads>1000</MaxUploads><IsTruncated>false</IsTruncated>${uploads}</ListMultipartUploadsResult>`
    );
  }
}
