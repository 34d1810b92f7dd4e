/**
 * What the stand-in holds: per project its images (as the Image message answers them, plus the IAM
 * policy and, for images made from a raw disk, the size and SHA-512 of the disk.raw it read) and its
 * global operations; per bucket its objects (bytes in `objects/<bucket>/<sha256 of the name>`); and the
 * open resumable upload sessions. Written to `state.json` after every change, so a restarted stand-in
 * still knows every resource and resumes its operations.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

export interface PolicyRec {
  bindings: { role: string; members: string[] }[];
  etag: string;
  version: number;
}

export interface ImageRec {
  project: string;
  /** The Image message as GET answers it. */
  image: Record<string, unknown> & { name: string; id: string; status: string };
  policy: PolicyRec;
  /** What images.insert read from rawDisk.source. */
  rawDisk?: {
    bucket: string;
    object: string;
    archiveSizeBytes: number;
    rawSizeBytes: number;
    sha512: string;
  };
}

export interface OperationRec {
  project: string;
  /** The Operation message as GET answers it (progress and status move while it runs). */
  op: Record<string, unknown> & { name: string; status: string; progress: number };
  durationMs: number;
  startedAt: number;
  /** What is done when it ends: the image made READY, removed, relabelled, (un)deprecated. */
  work: {
    kind: 'insert' | 'delete' | 'setLabels' | 'deprecate';
    image: string;
    labels?: Record<string, string>;
    /** For a deprecate: the image's `deprecated` field once it ends (none: the field goes). */
    deprecated?: Record<string, string>;
  };
  /** When the work is to fail, or failed: the error the operation ends with. */
  failure?: { code: string; message: string; status?: number };
  /** For an insert, whether the check of the raw disk is over. */
  checked?: boolean;
}

export interface ObjectRec {
  bucket: string;
  name: string;
  size: number;
  md5: string;
  crc32c: string;
  generation: string;
  contentType: string;
  timeCreated: string;
  metadata?: Record<string, string>;
}

export interface UploadRec {
  id: string;
  bucket: string;
  name: string;
  contentType: string;
  metadata?: Record<string, string>;
  /** Bytes persisted so far (the file `uploads/<id>`). */
  received: number;
  createdAt: number;
  /** Once the last byte came: the object it made (a status query then answers 200 with it). */
  completed?: boolean;
}

interface Saved {
  images: ImageRec[];
  operations: OperationRec[];
  objects: ObjectRec[];
  uploads: UploadRec[];
  nextId: number;
}

export class Store {
  images = new Map<string, ImageRec>();
  operations = new Map<string, OperationRec>();
  objects = new Map<string, ObjectRec>();
  uploads = new Map<string, UploadRec>();
  private nextId = 1;
  private readonly file: string;
  private timer?: NodeJS.Timeout;

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    this.file = join(dir, 'state.json');
    if (existsSync(this.file)) {
      const s = JSON.parse(readFileSync(this.file, 'utf8')) as Saved;
      for (const i of s.images) this.images.set(Store.imageKey(i.project, i.image.name), i);
      for (const o of s.operations) this.operations.set(Store.imageKey(o.project, o.op.name), o);
      for (const o of s.objects) this.objects.set(Store.objectKey(o.bucket, o.name), o);
      for (const u of s.uploads) this.uploads.set(u.id, u);
      this.nextId = s.nextId;
    }
  }

  static imageKey(project: string, name: string): string {
    return `${project}/${name}`;
  }

  static objectKey(bucket: string, name: string): string {
    return `${bucket}/${name}`;
  }

  /** A numeric id as GCE hands them out (uint64, as a decimal string). */
  newId(): string {
    this.nextId += 1;
    return (BigInt(Date.now()) * 1000n + BigInt(this.nextId % 1000)).toString();
  }

  changed(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.saveNow();
    }, 50);
  }

  saveNow(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const s: Saved = {
      images: [...this.images.values()],
      operations: [...this.operations.values()],
      objects: [...this.objects.values()],
      uploads: [...this.uploads.values()],
      nextId: this.nextId,
    };
    writeFileSync(`${this.file}.tmp`, JSON.stringify(s));
    renameSync(`${this.file}.tmp`, this.file);
  }
}
