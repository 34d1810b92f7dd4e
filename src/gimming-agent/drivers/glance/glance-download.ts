/**
 * A copy Glance makes itself: the target Glance pulls the image from another region's Glance of the same
 * Keystone with the caller's token (the `glance-download` import method, Zed and later), so that no byte
 * passes through the agents. The target image is created queued with the copy's spec, the import is
 * asked for, and the image's status is read until it is active; Glance's own reason for a failed import
 * (its import task's message) reaches the caller word for word; a failure or a cancel deletes the
 * half-made image.
 */
import { GimmingError } from '../../../common/errors';
import type { ImageSpec, TransferOptions } from '../driver';
import { pause } from '../polling';
import type { GlanceClient, GlanceImage, GlanceTask } from './client';
import { GLANCE_DOWNLOAD } from './import-methods';
import { createBody } from './record';

/** How often the target image is looked at while Glance imports it. */
export const IMPORT_POLL_MS = 1000;

export interface GlanceDownload {
  /** The source's region (its CloudRef.region_name), as the caller's catalog names it. */
  region: string;
  imageId: string;
  /** The catalog interface the target Glance reaches the source's Glance through. */
  serviceInterface: string;
}

/** The import request Glance takes for glance-download. */
export function glanceDownloadBody(from: GlanceDownload): Record<string, unknown> {
  return {
    method: {
      name: GLANCE_DOWNLOAD,
      glance_image_id: from.imageId,
      glance_region: from.region,
      glance_service_interface: from.serviceInterface,
    },
  };
}

/** The newest of an image's import tasks (Glance lists them newest first; sorted to be sure). */
export function newestTask(tasks: readonly GlanceTask[]): GlanceTask | undefined {
  return [...tasks].sort((a, b) => (b.created_at ?? '').localeCompare(a.created_at ?? ''))[0];
}

/**
 * What the image says of its import: `active`, done; `failed`, with Glance's reason; `running` (still
 * importing, or queued while Glance picks the task up). An image back in `queued` whose import task
 * failed was reverted by Glance: its task's message says why.
 */
export async function importState(
  client: GlanceClient,
  image: GlanceImage,
): Promise<{ state: 'active' | 'running' } | { state: 'failed'; reason: string }> {
  if (image.status === 'active') return { state: 'active' };
  if (image.status === 'killed' || image.status === 'deleted' || image.status === 'deactivated') {
    return { state: 'failed', reason: `the image became ${image.status}` };
  }
  const failedStores = typeof image.os_glance_failed_import === 'string' ? image.os_glance_failed_import : '';
  if (image.status !== 'queued' && failedStores === '') return { state: 'running' };
  const task = newestTask(await client.getImageTasks(image.id));
  if (task?.status === 'failure') return { state: 'failed', reason: task.message || 'no reason given' };
  if (failedStores !== '') return { state: 'failed', reason: `the import failed in stores ${failedStores}` };
  return { state: 'running' };
}

/**
 * Makes the copy: creates the target image, asks its Glance to import the source, and waits for it.
 * Resolves with the image record once active (its checksum and os_hash_value, computed by the target
 * Glance as it stored the bytes, prove the copy).
 */
export async function copyByGlanceDownload(
  client: GlanceClient,
  cloudName: string,
  from: GlanceDownload,
  spec: ImageSpec,
  opts: TransferOptions,
  pollMs = IMPORT_POLL_MS,
): Promise<GlanceImage> {
  const created = await client.createImage(createBody(spec));
  try {
    opts.progress?.({ stage: 'import', detail: created.status });
    await client.importImage(created.id, glanceDownloadBody(from));
    for (;;) {
      await pause(pollMs, opts.signal);
      const image = await client.getImage(created.id);
      const state = await importState(client, image);
      if (state.state === 'active') return image;
      if (state.state === 'failed') {
        throw new GimmingError(
          'gimming.cloud.import_failed',
          502,
          `Cloud ${cloudName} could not import image ${from.imageId} from region ${from.region} ` +
            `(${GLANCE_DOWNLOAD}): ${state.reason}`,
        );
      }
      opts.progress?.({ stage: 'import', detail: image.status });
    }
  } catch (err) {
    // A failed or cancelled import leaves nothing behind (Glance stops an import whose image is deleted).
    await client.deleteImage(created.id).catch(() => undefined);
    throw err;
  }
}
