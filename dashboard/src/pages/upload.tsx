/** A new image from a file (streamed from the disk, with progress) or a URL, into the chosen clouds. */
import { formText } from '../format';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api, describe } from '../api';
import type { Notify } from '../app';
import { bytes, kindOf } from '../format';
import type { CloudInfo } from '../types';
import {
  type RememberedUpload,
  forgetUpload,
  rememberUpload,
  rememberedUploads,
  uploadFile,
} from '../uploads';
import { ResumeUpload, UploadProgress, resumeNote } from './resume-upload';

const DISK_FORMATS = ['raw', 'qcow2', 'iso', 'vmdk', 'vhd', 'vhdx', 'vdi', 'ami', 'ari', 'aki', 'ploop'];

function guessFormat(file: string): string {
  const ext = file.toLowerCase().split('.').pop() ?? '';
  return DISK_FORMATS.includes(ext) ? ext : ext === 'img' ? 'raw' : 'raw';
}

export function UploadPage(props: { notify: Notify }) {
  const [clouds, setClouds] = useState<CloudInfo[]>([]);
  const [source, setSource] = useState<'file' | 'url'>('file');
  const [file, setFile] = useState<File | null>(null);
  const [name, setName] = useState('');
  const [format, setFormat] = useState('raw');
  const [progress, setProgress] = useState<{ sent: number; total: number } | null>(null);
  const [note, setNote] = useState('');
  const [error, setError] = useState('');
  const [interrupted, setInterrupted] = useState<RememberedUpload[]>([]);
  const [busy, setBusy] = useState(false);
  const abort = useRef<(() => void) | null>(null);

  useEffect(() => {
    api
      .clouds()
      .then(setClouds)
      .catch((err: unknown) => setError(describe(err)));
    void findInterrupted().then(setInterrupted);
    return () => abort.current?.();
  }, []);

  const submit = async (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const targets = form.getAll('target').map(String);
    if (targets.length === 0) {
      setError('Choose at least one cloud to put the image in.');
      return;
    }
    if (source === 'file' && !file) {
      setError('Choose a file to upload.');
      return;
    }
    setError('');
    setBusy(true);
    try {
      const body: Record<string, unknown> = {
        name: name.trim(),
        disk_format: format,
        container_format: formText(form, 'container_format', 'bare'),
        visibility: formText(form, 'visibility', 'private'),
        targets,
      };
      if (source === 'url') body.source = { url: formText(form, 'url', '').trim() };
      const image = await api.createImage(body);
      if (source === 'file' && file) {
        rememberUpload(image.id, image.name, file);
        setNote('');
        const upload = uploadFile(image.id, file, {
          onProgress: (sent, total) => setProgress({ sent, total }),
          onResume: (offset, attempt) => setNote(resumeNote(offset, attempt)),
        });
        abort.current = upload.abort;
        try {
          await upload.done;
        } catch (err) {
          if (err instanceof ApiError && err.code === 'network') {
            // The server keeps what arrived for a while: the same file chosen again continues it.
            setInterrupted(await findInterrupted());
            throw new ApiError(
              `The upload of ${image.name} was interrupted and could not be resumed now. What arrived is ` +
                'kept for a while: choose the same file again under "Interrupted uploads" to continue.',
              0,
              'network',
            );
          }
          forgetUpload(image.id);
          await api.deleteImage(image.id).catch(() => undefined);
          throw err;
        } finally {
          abort.current = null;
        }
        forgetUpload(image.id);
        props.notify('ok', `Uploaded ${image.name}; it is being copied to ${targets.length} cloud(s).`);
      } else {
        props.notify('ok', `Importing ${image.name} from the URL into ${targets.length} cloud(s).`);
      }
      location.hash = '#/images';
    } catch (err) {
      setError(describe(err));
    } finally {
      setBusy(false);
      setProgress(null);
      setNote('');
    }
  };

  return (
    <section aria-labelledby="upload-title">
      <div class="page-head">
        <h1 id="upload-title">Upload an image</h1>
        <p class="muted">Sent once to GIMinG, then copied to every cloud you tick.</p>
      </div>
      <form class="card form" onSubmit={(e) => void submit(e)}>
        <fieldset class="segmented">
          <legend>Data from</legend>
          <label>
            <input
              type="radio"
              name="source"
              checked={source === 'file'}
              onChange={() => setSource('file')}
            />
            A file
          </label>
          <label>
            <input type="radio" name="source" checked={source === 'url'} onChange={() => setSource('url')} />A
            URL
          </label>
        </fieldset>
        {source === 'file' ? (
          <label>
            File
            <input
              type="file"
              name="file"
              required
              onChange={(e) => {
                const f = e.currentTarget.files?.[0] ?? null;
                setFile(f);
                if (f) {
                  if (!name) setName(f.name.replace(/\.[^.]+$/, ''));
                  setFormat(guessFormat(f.name));
                }
              }}
            />
            {file && <span class="muted small">{bytes(file.size)}</span>}
          </label>
        ) : (
          <label>
            URL
            <input type="url" name="url" required placeholder="https://example.org/image.qcow2" />
          </label>
        )}
        <label>
          Name
          <input
            name="name"
            required
            maxLength={255}
            value={name}
            onInput={(e) => setName(e.currentTarget.value)}
          />
        </label>
        <div class="row3">
          <label>
            Disk format
            <select name="disk_format" value={format} onChange={(e) => setFormat(e.currentTarget.value)}>
              {DISK_FORMATS.map((f) => (
                <option key={f} value={f}>
                  {f}
                </option>
              ))}
            </select>
          </label>
          <label>
            Container format
            <select name="container_format">
              {['bare', 'ovf', 'ova', 'compressed', 'docker', 'aki', 'ari', 'ami'].map((f) => (
                <option key={f} value={f}>
                  {f}
                </option>
              ))}
            </select>
          </label>
          <label>
            Visibility
            <select name="visibility">
              {['private', 'shared', 'community', 'public'].map((v) => (
                <option key={v} value={v}>
                  {v}
                </option>
              ))}
            </select>
          </label>
        </div>
        <fieldset>
          <legend>Into the clouds</legend>
          <div class="checks">
            {clouds.map((c) => (
              <label key={c.id} class="check">
                <input type="checkbox" name="target" value={c.id} />
                {c.name} <span class="chip kind small">{kindOf(c.type).tag}</span>{' '}
                <span class="muted small">{c.scope === 'project' ? 'project cloud' : c.region_name}</span>
              </label>
            ))}
            {clouds.length === 0 && <p class="muted">No cloud yet: add one on the Clouds page.</p>}
          </div>
        </fieldset>
        {progress && (
          <UploadProgress id="upload-bar" sent={progress.sent} total={progress.total} note={note} />
        )}
        {error && (
          <p class="callout bad" role="alert">
            {error}
          </p>
        )}
        <div class="actions left">
          <button type="submit" class="primary" disabled={busy}>
            {busy
              ? source === 'file'
                ? 'Uploading…'
                : 'Starting…'
              : source === 'file'
                ? 'Upload'
                : 'Import'}
          </button>
          {busy && progress && (
            <button type="button" class="ghost" onClick={() => abort.current?.()}>
              Cancel upload
            </button>
          )}
        </div>
      </form>
      {interrupted.length > 0 && (
        <section class="card" aria-labelledby="interrupted-title">
          <h2 id="interrupted-title">Interrupted uploads</h2>
          <p class="muted">
            These uploads stopped before all of their data arrived; the server keeps what arrived for a while.
          </p>
          <ul class="interrupted">
            {interrupted.map((u) => (
              <li key={u.image_id}>
                <ResumeUpload
                  imageId={u.image_id}
                  imageName={u.image_name}
                  remembered={u}
                  onDone={(message) => {
                    props.notify('ok', message);
                    setInterrupted((all) => all.filter((x) => x.image_id !== u.image_id));
                  }}
                />
                <span class="muted small">
                  {bytes(u.size)}, begun {new Date(u.started_at).toLocaleString()}
                </span>
              </li>
            ))}
          </ul>
        </section>
      )}
    </section>
  );
}

/**
 * The uploads this browser began that still wait for data (the image is saving, or queued with nothing
 * kept); the others are forgotten (done, or the image is gone).
 */
async function findInterrupted(): Promise<RememberedUpload[]> {
  const waiting: RememberedUpload[] = [];
  for (const u of rememberedUploads()) {
    try {
      const image = await api.image(u.image_id);
      if (image.status === 'saving' || image.status === 'queued') waiting.push(u);
      else forgetUpload(u.image_id);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) forgetUpload(u.image_id);
    }
  }
  return waiting;
}
