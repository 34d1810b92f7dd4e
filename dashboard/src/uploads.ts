/**
 * Uploads that survive the network (REST 1.6), as the CLI's (src/gimmingclient/client.ts): a file streamed
 * to PUT /v1/images/{id}/file; when the connection drops, HEAD says how many bytes the server kept and the
 * rest is sent with Content-Range (a few tries, waiting 0.5 s, then 1, 2, 4 s). What was chosen is
 * remembered in localStorage (the file's name, size and date; never its data nor a token), so that after a
 * reload the same file chosen again continues the upload where it stopped.
 */
import { ApiError, apiHeaders } from './api';

/** The microversion of resumable uploads: HEAD .../file, PUT with Content-Range. */
export const UPLOAD_RESUME_VERSION = '1.6';
/** Times an upload cut by the network is resumed on its own. */
export const RESUME_TRIES = 4;
const FIRST_WAIT_MS = 500;
const LONGEST_WAIT_MS = 4000;
/** Times HEAD is asked while the server has not yet noticed the cut (it answers "receiving"). */
const HEAD_TRIES = 6;

export interface UploadState {
  state: 'none' | 'receiving' | 'suspended' | 'complete';
  offset: number;
  /** The whole size the upload declared (Upload-Length), when the server knows it. */
  length: number | null;
}

/** HEAD /v1/images/{id}/file: how much of the image's data the server holds. */
export async function uploadState(id: string): Promise<UploadState> {
  let res: Response;
  try {
    res = await fetch(`/v1/images/${id}/file`, {
      method: 'HEAD',
      headers: apiHeaders(false, UPLOAD_RESUME_VERSION),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError('The GIMinG API could not be reached.', 0, 'network');
  }
  if (!res.ok) {
    // A HEAD answer has no body: the status says it.
    const words =
      res.status === 404
        ? 'The image is gone (deleted, or not of this project).'
        : `The server answered ${res.status} when asked how much of the upload it holds.`;
    throw new ApiError(words, res.status, res.status === 404 ? 'gimming.image.not_found' : 'gimming.unknown');
  }
  const state = res.headers.get('Gimming-Upload-State') ?? 'none';
  const length = res.headers.get('Upload-Length');
  return {
    state: (['none', 'receiving', 'suspended', 'complete'].includes(state)
      ? state
      : 'none') as UploadState['state'],
    offset: Number(res.headers.get('Upload-Offset') ?? 0),
    length: length === null || length === '' ? null : Number(length),
  };
}

export interface UploadEvents {
  /** Bytes of the file the server has, or that are on their way (from the offset resumed at). */
  onProgress: (sent: number, total: number) => void;
  /** The connection dropped: the upload continues at `offset` (try `attempt` of RESUME_TRIES). */
  onResume?: (offset: number, attempt: number) => void;
}

/** One PUT of the file from `offset`; with `ranged`, it says where it continues (Content-Range). */
function sendFrom(
  id: string,
  file: File,
  offset: number,
  ranged: boolean,
  events: UploadEvents,
  current: { xhr: XMLHttpRequest | null },
): Promise<void> {
  const xhr = new XMLHttpRequest();
  current.xhr = xhr;
  return new Promise<void>((resolve, reject) => {
    xhr.open('PUT', `/v1/images/${id}/file`);
    for (const [k, v] of Object.entries(apiHeaders(false, UPLOAD_RESUME_VERSION))) xhr.setRequestHeader(k, v);
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    if (ranged) xhr.setRequestHeader('Content-Range', `bytes ${offset}-${file.size - 1}/${file.size}`);
    xhr.upload.onprogress = (e) => events.onProgress(Math.min(file.size, offset + e.loaded), file.size);
    xhr.onload = () => {
      if (xhr.status === 204) return resolve();
      let message = `The upload failed: the server answered ${xhr.status}.`;
      let code = 'gimming.unknown';
      try {
        const body = JSON.parse(xhr.responseText) as { error?: { message?: string; code?: string } };
        message = body.error?.message ?? message;
        code = body.error?.code ?? code;
      } catch {
        // keep the status
      }
      reject(new ApiError(message, xhr.status, code));
    };
    xhr.onerror = () =>
      reject(new ApiError('The upload was interrupted: the API could not be reached.', 0, 'network'));
    xhr.onabort = () => reject(new ApiError('The upload was cancelled.', 0, 'aborted'));
    xhr.send(offset > 0 ? file.slice(offset) : file);
  });
}

const waitMs = (n: number) => Math.min(LONGEST_WAIT_MS, FIRST_WAIT_MS * 2 ** n);

/**
 * Streams `file` to the image (read from the disk as it is sent, never whole in memory), from `from` when
 * it continues an interrupted upload (Content-Range then says so). A connection that drops is resumed on
 * its own at the offset the server kept, up to RESUME_TRIES times.
 */
export function uploadFile(
  id: string,
  file: File,
  events: UploadEvents,
  from?: number,
): { done: Promise<void>; abort: () => void } {
  const current: { xhr: XMLHttpRequest | null } = { xhr: null };
  let aborted = false;
  // A wait between tries ends early when the upload is cancelled.
  const waiting: { wake?: () => void } = {};
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      waiting.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  const cancelled = () => new ApiError('The upload was cancelled.', 0, 'aborted');

  /** What the server holds once it noticed the cut; undefined when it does not say in time. */
  const stateAfterCut = async (attempt: number): Promise<UploadState | undefined> => {
    for (let ask = 0; ask < HEAD_TRIES; ask++) {
      await sleep(waitMs(attempt + ask));
      if (aborted) throw cancelled();
      let now: UploadState;
      try {
        now = await uploadState(id);
      } catch (err) {
        if (err instanceof ApiError && err.code === 'network') continue; // out of reach for now
        throw err;
      }
      if (now.state !== 'receiving') return now;
      // receiving: the server has not noticed the cut yet
    }
    return undefined;
  };

  const run = async () => {
    let offset = from ?? 0;
    let ranged = from !== undefined;
    for (let attempt = 0; ; attempt++) {
      try {
        await sendFrom(id, file, offset, ranged, events, current);
        return;
      } catch (err) {
        if (aborted) throw cancelled();
        if (!(err instanceof ApiError) || attempt >= RESUME_TRIES) throw err;
        // A connection that dropped; or the browser sent the request again on its own after the drop
        // (Chromium does, on a reused connection) while the server still received the first: refused
        // as "not queued" or at another offset. Either way the server says where the upload stands.
        const cut = err.code === 'network';
        const resent =
          err.status === 409 &&
          (err.code === 'gimming.image.not_queued' || err.code === 'gimming.upload.offset_mismatch');
        if (!cut && !resent) throw err;
        const now = await stateAfterCut(attempt);
        if (now === undefined) throw err;
        if (now.state === 'complete') {
          if (cut) return; // the data arrived whole before the answer was lost
          throw err;
        }
        // Another upload's (another size): not this file's to continue.
        if (now.state === 'suspended' && now.length !== null && now.length !== file.size) throw err;
        offset = now.state === 'suspended' ? now.offset : 0;
        ranged = true;
        events.onProgress(offset, file.size);
        events.onResume?.(offset, attempt + 1);
      }
    }
  };
  return {
    done: run(),
    abort: () => {
      aborted = true;
      current.xhr?.abort();
      waiting.wake?.();
    },
  };
}

/** What the browser remembers of an upload it began: enough to know the same file again. */
export interface RememberedUpload {
  image_id: string;
  image_name: string;
  file_name: string;
  size: number;
  last_modified: number;
  started_at: string;
}

const KEY = 'gimming.dashboard.uploads';

export function rememberedUploads(): RememberedUpload[] {
  try {
    const all = JSON.parse(localStorage.getItem(KEY) ?? '[]') as unknown;
    return Array.isArray(all) ? (all as RememberedUpload[]) : [];
  } catch {
    return [];
  }
}

export function rememberUpload(imageId: string, imageName: string, file: File): void {
  const others = rememberedUploads().filter((u) => u.image_id !== imageId);
  const entry: RememberedUpload = {
    image_id: imageId,
    image_name: imageName,
    file_name: file.name,
    size: file.size,
    last_modified: file.lastModified,
    started_at: new Date().toISOString(),
  };
  try {
    localStorage.setItem(KEY, JSON.stringify([...others, entry].slice(-20)));
  } catch {
    // storage full or off: a reload then cannot tell the file, the size check still applies
  }
}

export function forgetUpload(imageId: string): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(rememberedUploads().filter((u) => u.image_id !== imageId)));
  } catch {
    // nothing to forget
  }
}

/**
 * Why `file` cannot continue the interrupted upload (in words), or undefined when it can: its size must
 * be the upload's (Upload-Length), and its name, size and date the ones remembered, if any.
 */
export function refuseFile(
  file: File,
  state: UploadState,
  remembered: RememberedUpload | undefined,
  bytes: (n: number) => string,
): string | undefined {
  const expected = state.length ?? remembered?.size;
  if (expected !== undefined && file.size !== expected) {
    return (
      `${file.name} is ${bytes(file.size)} (${file.size} bytes), but the interrupted upload is ` +
      `${bytes(expected)} (${expected} bytes): choose the same file.`
    );
  }
  if (remembered && (remembered.file_name !== file.name || remembered.last_modified !== file.lastModified)) {
    return (
      `This is not the file the upload began with (${remembered.file_name}, changed ` +
      `${new Date(remembered.last_modified).toLocaleString()}): choose that file.`
    );
  }
  return undefined;
}
