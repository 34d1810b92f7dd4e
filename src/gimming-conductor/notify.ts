/**
 * What the conductor tells the world (src/common/notifications.ts sends it): one event type per thing
 * that happens to an image, each with a flat payload built here from the rows the caller already holds.
 *
 * ``gimming.image.create``                    INFO   an image was adopted or recorded
 * ``gimming.image.sync.start|end|error``      INFO/INFO/ERROR   a copy task to one cloud
 * ``gimming.image.import.start|end|error``    INFO/INFO/ERROR   an import task from a URL
 * ``gimming.location.delete.start|end|error`` INFO/INFO/ERROR   a delete task of one copy
 * ``gimming.image.delete``                    INFO   the image is gone from GIMinG
 * ``gimming.image.drift``                     WARN   a refresh found a copy missing or changed
 * ``gimming.image.family.create|delete``       INFO   an image family was made or forgotten
 * ``gimming.image.version.create``             INFO   a version was added to a family
 * ``gimming.image.version.promote|rollback``   INFO   a channel was moved by a user
 * ``gimming.image.version.follow``             INFO   `latest` moved to the newest version not revoked
 * ``gimming.image.lifecycle.<action>``         INFO   a version was deprecated, obsoleted, revoked or
 *                                                     restored (action deprecate, obsolete, revoke,
 *                                                     restore), or such a change was scheduled
 *                                                     (schedule); each with its copies' outcome
 *
 * `.start` is sent when a task's first attempt starts (a task that fails before it could start, or is
 * cancelled while it waits, sends only its `.error`); `.end` and `.error` once, with the task's outcome
 * (a failure that is tried again is no outcome). Payloads carry identifiers, states, the byte identity and
 * error codes: never a token, a trust, a URL to import from, nor any credential.
 *
 * Each notification also goes to the webhooks of the image's owner (webhook-outbox.ts), whether or not a
 * notification driver is configured: a new event is sent through `emit` with an `owner` in its payload,
 * never through `this.notifier` directly, or no webhook hears of it.
 */
import type { RequestContext } from '../common/context';
import type { GimmingError } from '../common/errors';
import { Notifier, type Payload, type Priority } from '../common/notifications';
import type { CloudRow, ImageRow, LocationRow, TaskRow } from './db/entities';
import type { NotificationSink } from './webhook-outbox';

/** The event type prefix of each kind of task. */
const TASK_EVENTS: Record<string, string> = {
  copy: 'gimming.image.sync',
  import: 'gimming.image.import',
  delete: 'gimming.location.delete',
};

function imageFields(image: ImageRow): Payload {
  return {
    image_id: image.id,
    name: image.specName,
    owner: image.owner,
    visibility: image.specVisibility,
    size: image.size,
    checksum: image.checksum,
    os_hash_algo: image.osHashAlgo,
    os_hash_value: image.osHashValue,
  };
}

function cloudFields(cloud: CloudRow | null | undefined, prefix = ''): Payload {
  return {
    [`${prefix}cloud`]: cloud?.name ?? null,
    [`${prefix}cloud_id`]: cloud?.id ?? null,
    ...(prefix ? {} : { region_name: cloud?.regionName ?? null, zone: cloud?.zone ?? null }),
  };
}

export interface TaskEventInfo {
  task: TaskRow;
  image: ImageRow;
  cloud: CloudRow | null;
  /** A copy's source cloud (null: the staging area). */
  source?: CloudRow | null;
  /** The copy in the cloud, when known. */
  remoteId?: string | null;
  /** Attempts made, this one included. */
  attempts?: number;
}

export class ConductorNotifier {
  constructor(
    readonly notifier: Notifier = Notifier.noop(),
    /** Where notifications go besides the bus: the project's webhooks. */
    private readonly sink?: NotificationSink,
  ) {}

  private emit(ctx: RequestContext, eventType: string, priority: Priority, payload: Payload): void {
    this.notifier.notify(ctx, eventType, priority, payload);
    this.sink?.notify(eventType, priority, payload);
  }

  static noop(): ConductorNotifier {
    return new ConductorNotifier();
  }

  private taskPayload(info: TaskEventInfo, status: string): Payload {
    const { task } = info;
    return {
      ...imageFields(info.image),
      task_id: task.id,
      task_type: task.type,
      status,
      ...cloudFields(info.cloud),
      ...(task.type === 'copy' ? cloudFields(info.source, 'source_') : {}),
      remote_id: info.remoteId ?? null,
      attempts: info.attempts ?? task.attempts,
      request_id: task.requestId,
    };
  }

  /** A task's first attempt starts (sent once per task: later attempts are no news). */
  taskStarted(ctx: RequestContext, info: TaskEventInfo): void {
    if (info.task.startedAt !== null) return;
    const prefix = TASK_EVENTS[info.task.type];
    if (prefix) this.emit(ctx, `${prefix}.start`, 'INFO', this.taskPayload(info, 'running'));
  }

  /** A task ended well; `extra` is what its kind adds (the bytes copied, whether a copy existed). */
  taskSucceeded(ctx: RequestContext, info: TaskEventInfo, extra: Payload = {}): void {
    const prefix = TASK_EVENTS[info.task.type];
    if (prefix) this.emit(ctx, `${prefix}.end`, 'INFO', { ...this.taskPayload(info, 'succeeded'), ...extra });
  }

  /** A task ended failed or cancelled (not a failure that will be tried again). */
  taskFailed(
    ctx: RequestContext,
    info: TaskEventInfo,
    outcome: 'failed' | 'cancelled',
    error: GimmingError,
    message: string,
  ): void {
    const prefix = TASK_EVENTS[info.task.type];
    if (!prefix) return;
    this.emit(ctx, `${prefix}.error`, 'ERROR', {
      ...this.taskPayload(info, outcome),
      error_code: error.code,
      error_message: message,
    });
  }

  imageCreated(
    ctx: RequestContext,
    image: ImageRow,
    extra: {
      source: CloudRow | null;
      sourceImageId?: string;
      /** The formats of the source copy (adopted) or of the data spec (upload, import). */
      diskFormat: string | null;
      containerFormat: string | null;
      targets: CloudRow[];
      taskIds: string[];
    },
  ): void {
    this.emit(ctx, 'gimming.image.create', 'INFO', {
      ...imageFields(image),
      status: image.status,
      disk_format: extra.diskFormat,
      container_format: extra.containerFormat,
      ...cloudFields(extra.source, 'source_'),
      source_image_id: extra.sourceImageId ?? null,
      targets: extra.targets.map((t) => t.name),
      task_ids: extra.taskIds,
      created_at: image.createdAt.toISOString(),
    });
  }

  /**
   * The image is gone from GIMinG: deleted everywhere (`deleted_copies` true) or forgotten, its copies
   * left in their clouds.
   */
  imageDeleted(ctx: RequestContext, image: ImageRow, deletedCopies: boolean, copiesLeft: number): void {
    this.emit(ctx, 'gimming.image.delete', 'INFO', {
      ...imageFields(image),
      status: 'deleted',
      deleted_copies: deletedCopies,
      copies_left: copiesLeft,
    });
  }

  /** What happens to an image family, its versions, channels and their lifecycle (families.ts). */
  family(ctx: RequestContext, eventType: string, payload: Payload): void {
    this.notifier.info(ctx, eventType, payload);
  }

  /** A refresh found a copy missing or holding other bytes. */
  drift(
    ctx: RequestContext,
    image: ImageRow,
    cloud: CloudRow,
    location: LocationRow,
    status: 'missing' | 'mismatch',
    found: { size: number; checksum: string; os_hash_algo: string; os_hash_value: string } | null,
    periodic: boolean,
  ): void {
    this.emit(ctx, 'gimming.image.drift', 'WARN', {
      ...imageFields(image),
      ...cloudFields(cloud),
      remote_id: location.remoteId,
      previous_status: location.status,
      status,
      found: found
        ? {
            size: found.size,
            checksum: found.checksum || null,
            os_hash_algo: found.os_hash_algo || null,
            os_hash_value: found.os_hash_value || null,
          }
        : null,
      periodic,
    });
  }
}
