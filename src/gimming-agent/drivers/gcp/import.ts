/**
 * Into GCE: the image's raw bytes become disk.raw inside a gzip-compressed GNU tar (disk-tar.ts),
 * streamed into a resumable Cloud Storage upload of the transfer bucket; then images.insert with
 * rawDisk.source, the GIMinG image ID as a label, the family, architecture and guestOsFeatures the
 * properties ask for and the cloud's storage location (image-spec.ts); the global operation waited on with its progress; the object
 * deleted. Whatever fails, or when the caller cancels, nothing stays: no upload session, no object, no
 * image (an insert already under way is waited out, since GCE cannot cancel one, and its image deleted).
 */
import { randomUUID } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { GimmingError, describeError } from '../../../common/errors';
import { getLogger } from '../../../common/log';
import type { ImageSpec, TransferOptions } from '../driver';
import type { GcpClients } from './clients';
import type { GcpConfig } from './config';
import { encodeDescription } from './description';
import { diskRawTarGz } from './disk-tar';
import { gcpFailure, isNotFound } from './errors';
import type { TransferBucket } from './gcs-objects';
import type { InsertPlan } from './image-spec';
import { waitOperation, operationName } from './wait';

const log = getLogger('agent.gcp');

/** An image between create and its end: what has been made so far, so that it can be taken away. */
export interface PendingImport {
  /** The image's GCE name (its ID from create on). */
  name: string;
  key: string;
  bucket: TransferBucket;
  spec: ImageSpec;
  plan: InsertPlan;
  labels: Record<string, string>;
  /** The GIMinG name and properties the description records (with the proof, once known). */
  record: { name: string; properties: Record<string, string> };
  sessionUri?: string;
  objectWritten?: boolean;
  insertOperation?: string;
}

/** The imports this agent has under way, by GCE name (shared by every session of the driver). */
export class PendingImports {
  private readonly byName = new Map<string, PendingImport>();

  add(entry: Omit<PendingImport, 'key'>): PendingImport {
    const pending = { ...entry, key: `gimming/imports/${randomUUID()}.tar.gz` };
    this.byName.set(pending.name, pending);
    return pending;
  }

  get(name: string): PendingImport | undefined {
    return this.byName.get(name);
  }

  drop(name: string): void {
    this.byName.delete(name);
  }
}

export class Importer {
  constructor(
    private readonly clients: GcpClients,
    private readonly own: GcpConfig,
    private readonly cloudName: string,
  ) {}

  private get waitOpts() {
    return { intervalMs: this.own.operation_poll_interval, timeoutMs: this.own.operation_timeout * 1000 };
  }

  /** Runs the import of `size` raw bytes. On any failure everything made is taken away first. */
  async run(p: PendingImport, data: Readable, size: number, opts: TransferOptions): Promise<void> {
    // The data is piped into the archive at once, before anything is awaited: a stream already flowing
    // (the caller counts its bytes) would otherwise lose what it emits meanwhile. The archive holds it
    // back (backpressure) until the upload session exists and reads it.
    const { input, output } = diskRawTarGz(size, this.own.archive_compression);
    const fed = pipeline(data, input, opts.signal ? { signal: opts.signal } : {});
    fed.catch(() => undefined);
    try {
      opts.progress?.({ stage: 'upload' });
      p.sessionUri = await p.bucket.start(p.key);
      p.objectWritten = true;
      await Promise.all([
        fed,
        p.bucket.put(p.sessionUri, output, this.own.upload_chunk_mb * 1024 * 1024, opts.signal),
      ]).catch((err: unknown) => {
        input.destroy();
        output.destroy();
        throw err;
      });
      p.sessionUri = undefined;
      const proof = input.proof();
      if (!proof) throw new GimmingError('gimming.cloud.error', 500, 'The image data was not all read.');
      opts.progress?.({ stage: 'import', percent: 0 });
      await this.insert(p, encodeDescription({ ...p.record, proof }), opts);
      await p.bucket.remove(p.key);
      p.objectWritten = false;
    } catch (err) {
      input.destroy();
      output.destroy();
      await this.cleanUp(p);
      if (opts.signal?.aborted) {
        throw new GimmingError('gimming.task.cancelled', 409, 'The copy was cancelled.', { cause: err });
      }
      throw err;
    }
  }

  private async insert(p: PendingImport, description: string, opts: TransferOptions): Promise<void> {
    const { project, images, operations } = this.clients;
    let name: string;
    try {
      const [started] = await images.insert({
        project,
        requestId: randomUUID(),
        imageResource: {
          name: p.name,
          description,
          labels: p.labels,
          architecture: p.plan.architecture,
          guestOsFeatures: p.plan.guestOsFeatures.map((type) => ({ type })),
          ...(p.plan.family ? { family: p.plan.family } : {}),
          ...(p.plan.storageLocations ? { storageLocations: p.plan.storageLocations } : {}),
          rawDisk: { source: p.bucket.sourceUrl(p.key) },
        },
      });
      name = operationName(started);
    } catch (err) {
      throw gcpFailure(err, 'Making the image from the uploaded data', this.cloudName);
    }
    p.insertOperation = name;
    log.info({ cloud: this.cloudName, image: p.name, operation: name }, 'image insert started');
    await waitOperation(operations, project, name, this.cloudName, {
      ...this.waitOpts,
      ...(opts.signal ? { signal: opts.signal } : {}),
      progress: (percent) => opts.progress?.({ stage: 'import', percent }),
    });
    p.insertOperation = undefined;
  }

  /** Deletes an image and waits for it to go; false when it was not there. */
  async deleteImage(name: string): Promise<boolean> {
    const { project, images, operations } = this.clients;
    let op: string;
    try {
      const [started] = await images.delete({ project, image: name });
      op = operationName(started);
    } catch (err) {
      if (isNotFound(err)) return false;
      throw gcpFailure(err, `Deleting image ${name}`, this.cloudName, name);
    }
    await waitOperation(operations, project, op, this.cloudName, this.waitOpts);
    return true;
  }

  /** Takes away whatever the import made so far. Never throws: logs what it could not remove. */
  async cleanUp(p: PendingImport): Promise<void> {
    if (p.sessionUri) {
      await p.bucket.abandon(p.sessionUri);
      p.sessionUri = undefined;
    }
    if (p.insertOperation) {
      // GCE cannot cancel an insert: wait for it to end (failed or not), then take its image away.
      try {
        await waitOperation(
          this.clients.operations,
          this.clients.project,
          p.insertOperation,
          this.cloudName,
          {
            intervalMs: this.own.operation_poll_interval,
            timeoutMs: 600_000,
          },
        );
      } catch {
        // It failed or timed out: the delete below takes away whatever it left.
      }
      p.insertOperation = undefined;
    }
    try {
      await this.deleteImage(p.name);
    } catch (err) {
      log.error(
        { cloud: this.cloudName, image: p.name, err: describeError(err) },
        'could not remove a half-made image',
      );
    }
    if (p.objectWritten) {
      await p.bucket.remove(p.key);
      p.objectWritten = false;
    }
  }
}

/** Checks, before any work, that the description of a new image will hold its record and its proof. */
export function checkDescription(record: PendingImport['record']): void {
  encodeDescription({
    ...record,
    proof: { size: Number.MAX_SAFE_INTEGER, digests: { sha512: '0'.repeat(128), md5: '0'.repeat(32) } },
  });
}
