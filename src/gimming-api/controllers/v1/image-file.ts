/**
 * PUT /v1/images/{id}/file: an image's data, streamed into a staging agent. Since microversion 1.6 an
 * upload survives the network: what arrived of an upload cut short (the connection dropped or stalled)
 * stays staged for [api] upload_resume_time; HEAD answers the staged offset (Upload-Offset), and a PUT
 * with Content-Range: bytes N-(T-1)/T continues from exactly that offset. Gimming-Content-Sha256 declares
 * the data's sha256: the agent checks it, and data of the project already staged with that sha256 and size
 * is linked rather than stored again (the body is then not read).
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { RequestContext } from '../../../common/context';
import { GimmingError, badRequest, describeError, notFound } from '../../../common/errors';
import { getLogger } from '../../../common/log';
import type { AuthState } from '../../middleware/auth-token';
import { atLeast, requireVersionFor } from '../../middleware/microversion';
import { authorize } from '../../policy';
import { isUuid } from '../../schemas/v1';
import { dropStaged, linkStaged, stagedOffset, streamToStaging } from '../../upload-stream';
import type { ControllerDeps } from './clouds';

const log = getLogger('api.upload');

export const SHA256_HEADER = 'Gimming-Content-Sha256';

function imageId(raw: string | undefined): string {
  const id = raw ?? '';
  if (!isUuid(id)) throw notFound('gimming.image.not_found', `Image ${id} was not found.`);
  return id.toLowerCase();
}

function badRange(message: string): GimmingError {
  return new GimmingError('gimming.upload.bad_range', 416, message);
}

/** `bytes N-M/T`, which must run to the end of the data (M = T - 1); undefined without the header. */
export function parseContentRange(
  header: string,
  length: number | undefined,
): { offset: number; total: number } | undefined {
  if (header === '') return undefined;
  const m = /^bytes (\d{1,15})-(\d{1,15})\/(\d{1,15})$/.exec(header.trim());
  if (!m) throw badRange('Content-Range must be "bytes N-M/T" (first byte, last byte, total size).');
  const [first, last, total] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (first > last || last >= total)
    throw badRange(`Content-Range ${header} is not a range of ${total} bytes.`);
  if (last !== total - 1) {
    throw badRange('Content-Range must run to the end of the data (its last byte is the total size - 1).');
  }
  if (length !== undefined && length !== last - first + 1) {
    throw badRange(`Content-Range ${header} holds ${last - first + 1} bytes; the body has ${length}.`);
  }
  return { offset: first, total };
}

/** An upload cut short by the network (not refused): what arrived may be kept to be resumed. */
function cutShort(ctx: Context, err: unknown): boolean {
  if (ctx.req.complete) return false;
  // The client went away (whatever the agent then answered the cancel with), or stopped sending.
  if (ctx.req.destroyed || ctx.req.socket.destroyed) return true;
  if (err instanceof GimmingError && err.code === 'gimming.upload.timeout') return true;
  log.info({ reason: describeError(err) }, 'upload failed: not kept');
  return false;
}

export function imageFileRoutes(router: Router<AuthState>, deps: ControllerDeps): void {
  router.head('/v1/images/:image_id/file', async (ctx) => {
    authorize(ctx.state.context, 'gimming:image:upload');
    const id = imageId(ctx.params.image_id);
    if (!atLeast(ctx, '1.6')) throw notFound('gimming.request.not_found', 'Not found.');
    const state = await deps.conductor.uploadOffset(ctx.state.context, id);
    ctx.set('Upload-Offset', String(state.offset));
    if (state.size !== null) ctx.set('Upload-Length', String(state.size));
    ctx.set('Gimming-Upload-State', state.state);
    ctx.set('Cache-Control', 'no-store');
    ctx.status = 200;
  });

  router.put('/v1/images/:image_id/file', async (ctx) => {
    authorize(ctx.state.context, 'gimming:image:upload');
    const id = imageId(ctx.params.image_id);
    if (ctx.request.type !== 'application/octet-stream') {
      throw new GimmingError(
        'gimming.request.unsupported_media_type',
        415,
        'Image data must be sent as application/octet-stream.',
      );
    }
    const length = ctx.get('content-length');
    if (length !== '' && !/^\d{1,15}$/.test(length))
      throw badRequest('gimming.request.invalid', 'Content-Length is not a number.');
    const bodyLength = length === '' ? undefined : Number(length);
    const rangeHeader = ctx.get('content-range');
    const sha256Header = ctx.get(SHA256_HEADER);
    if (rangeHeader !== '') requireVersionFor(ctx, 'Content-Range', '1.6');
    if (sha256Header !== '') requireVersionFor(ctx, SHA256_HEADER, '1.6');
    if (sha256Header !== '' && !/^[0-9a-fA-F]{64}$/.test(sha256Header)) {
      throw badRequest('gimming.request.invalid', `${SHA256_HEADER} must be a sha256 in hex (64 digits).`);
    }
    const sha256 = sha256Header === '' ? undefined : sha256Header.toLowerCase();
    const range = parseContentRange(rangeHeader, bodyLength);
    const offset = range?.offset ?? 0;
    // The whole size: the range's total, else the body's.
    const declared = range?.total ?? bodyLength;
    const resumable = atLeast(ctx, '1.6') && (deps.uploadResumeS ?? 0) > 0;

    if (sha256 !== undefined && declared !== undefined && offset === 0) {
      const from = await deduplicate(ctx.state.context, deps, id, sha256, declared);
      if (from !== undefined) {
        // The bytes are staged already: the body is not needed (nor read).
        ctx.set('Gimming-Deduplicated-From', from);
        ctx.set('Connection', 'close');
        ctx.status = 204;
        return;
      }
    }

    const resume = () =>
      deps.conductor.resumeUpload(ctx.state.context, { image_id: id, offset, size: declared ?? 0 });
    const begin = () =>
      deps.conductor.beginUpload(ctx.state.context, {
        image_id: id,
        renews: true,
        ...(declared !== undefined ? { size: declared } : {}),
      });
    // A range from byte 0 starts the upload, or continues one cut short before any byte was kept.
    const { agent_address, limit_bytes, lease_s } =
      range && offset > 0
        ? await resume()
        : await begin().catch((err: unknown) => {
            if (range && err instanceof GimmingError && err.code === 'gimming.image.not_queued')
              return resume();
            throw err;
          });
    let uploaded;
    try {
      uploaded = await streamToStaging(
        ctx.state.context,
        agent_address,
        id,
        declared,
        ctx.req,
        deps.chunkSize,
        {
          limitBytes: limit_bytes ?? undefined,
          idleTimeoutMs: deps.uploadIdleTimeoutMs,
          deadlineMs: deps.uploadDeadlineMs,
          lease: lease_s
            ? {
                renew: () => deps.conductor.renewUpload(ctx.state.context, id),
                renewEveryMs: Math.max(1000, (lease_s * 1000) / 3),
              }
            : undefined,
          resumable,
          offset,
          sha256,
        },
      );
    } catch (err) {
      // The rest of the body is not read: close the connection after the answer.
      ctx.set('Connection', 'close');
      if (resumable && cutShort(ctx, err) && (await suspend(ctx.state.context, deps, agent_address, id)))
        throw err;
      // Nothing stays staged (the agent discards a partial upload; this covers one it kept regardless) and
      // the image waits for its data again: the same upload can be sent again at once.
      await dropStaged(ctx.state.context, agent_address, id).catch(() => undefined);
      await deps.conductor.abortUpload(ctx.state.context, id).catch(() => undefined);
      throw err;
    }
    try {
      await deps.conductor.finishUpload(ctx.state.context, {
        image_id: id,
        size: uploaded.size,
        checksum: uploaded.md5,
        os_hash_value: uploaded.sha512,
      });
    } catch (err) {
      // The image was deleted (or changed) while its data arrived: the data must not stay behind. An
      // error that says nothing about the outcome (a timeout) leaves it: the copies may need it.
      if (err instanceof GimmingError && err.status >= 400 && err.status < 500) {
        await dropStaged(ctx.state.context, agent_address, id).catch(() => undefined);
        await deps.conductor.abortUpload(ctx.state.context, id).catch(() => undefined);
      }
      throw err;
    }
    ctx.status = 204;
  });
}

/** Keeps what the agent staged of an upload cut short, to be resumed; false when nothing could be kept. */
async function suspend(
  rc: RequestContext,
  deps: ControllerDeps,
  agent: string,
  id: string,
): Promise<boolean> {
  try {
    const kept = await stagedOffset(rc, agent, id);
    if (kept === undefined) {
      log.info({ image_id: id }, 'upload cut short: the agent kept nothing of it');
      return false;
    }
    const { suspended } = await deps.conductor.suspendUpload(rc, {
      image_id: id,
      offset: kept,
      keep_s: deps.uploadResumeS ?? 0,
    });
    log.info({ image_id: id, offset: kept, suspended }, 'upload cut short: kept to be resumed');
    return suspended;
  } catch (err) {
    log.warn({ image_id: id, reason: describeError(err) }, 'upload cut short: could not keep it');
    return false;
  }
}

/**
 * Links the image's data to staged data of the project with the same sha256 and size (the agent that
 * staged it checks the sha256 it computed then): the id of the image whose data it shares, if linked.
 */
async function deduplicate(
  rc: RequestContext,
  deps: ControllerDeps,
  id: string,
  sha256: string,
  size: number,
): Promise<string | undefined> {
  const { candidates } = await deps.conductor.dedupCandidates(rc, { image_id: id, size });
  for (const c of candidates) {
    const linked = await linkStaged(rc, c.agent_address, c.image_id, id, sha256).catch(() => false);
    if (!linked) continue;
    try {
      await deps.conductor.finishDedup(rc, {
        image_id: id,
        source_image_id: c.image_id,
        agent_address: c.agent_address,
      });
      return c.image_id;
    } catch (err) {
      await dropStaged(rc, c.agent_address, id).catch(() => undefined);
      throw err;
    }
  }
  return undefined;
}
