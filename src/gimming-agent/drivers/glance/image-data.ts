/**
 * Glance image data as streams: reading an image's file, and streaming data into one.
 */
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { GimmingError } from '../../../common/errors';
import { readBody, requestFailure, startRequest, waitForResponse } from '../../../common/http/request';
import { glanceFailure, unreachable } from './errors';
import type { GlanceHttp } from './http';

/** The image data as a stream. */
export async function openImageData(http: GlanceHttp, id: string): Promise<IncomingMessage> {
  const req = startRequest({
    method: 'GET',
    url: http.url(`/v2/images/${encodeURIComponent(id)}/file`),
    headers: http.headers({ Accept: 'application/octet-stream' }),
    timeoutMs: http.opts.timeoutMs,
    ...http.connection(),
  });
  const responded = waitForResponse(req);
  req.end();
  let res: IncomingMessage;
  try {
    res = await responded;
  } catch (err) {
    throw unreachable(http.cloudName, err);
  }
  if (res.statusCode === 204) {
    res.resume();
    throw new GimmingError(
      'gimming.remote_image.no_data',
      409,
      `Image ${id} in cloud ${http.cloudName} has no data.`,
    );
  }
  if ((res.statusCode ?? 0) >= 300) {
    const text = await readBody(res).catch(() => '');
    throw glanceFailure(
      http.cloudName,
      { status: res.statusCode ?? 0, text },
      `Reading the data of image ${id}`,
      id,
    );
  }
  return res;
}

/** Streams `data` into an image's file. Resolves once Glance has stored (and hashed) all of it. */
export async function uploadImageData(
  http: GlanceHttp,
  id: string,
  data: Readable,
  size: number | undefined,
): Promise<void> {
  const headers: Record<string, string | number> = http.headers({
    'Content-Type': 'application/octet-stream',
  });
  if (size !== undefined) headers['Content-Length'] = size;
  const req = startRequest({
    method: 'PUT',
    url: http.url(`/v2/images/${encodeURIComponent(id)}/file`),
    headers,
    timeoutMs: http.opts.timeoutMs,
    ...http.connection(),
  });
  const responded = waitForResponse(req);
  responded.catch(() => undefined); // observed below; an early failure must not go unhandled
  // `data` is piped by hand rather than through a pipeline: on a failure a pipeline destroys its source,
  // and a destroyed gRPC stream never closes; the caller cancels its source itself.
  try {
    await new Promise<void>((resolve, reject) => {
      req.once('finish', resolve);
      req.once('error', reject);
      data.once('error', reject);
      data.pipe(req);
    });
  } catch (err) {
    data.unpipe(req);
    req.destroy();
    // The source's own failure is the caller's to report; anything else is the cloud going away.
    if (err instanceof GimmingError) throw err;
    throw unreachable(http.cloudName, requestFailure(req, err as Error));
  }
  let res: IncomingMessage;
  try {
    res = await responded;
  } catch (err) {
    throw unreachable(http.cloudName, err);
  }
  const text = await readBody(res).catch(() => '');
  if ((res.statusCode ?? 0) >= 300) {
    throw glanceFailure(
      http.cloudName,
      { status: res.statusCode ?? 0, text },
      `Uploading the data of image ${id}`,
      id,
    );
  }
}
