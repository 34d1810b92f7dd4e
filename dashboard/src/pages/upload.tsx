/** A new image from a file (streamed from the disk, with progress) or a URL, into the chosen clouds. */
import { formText } from '../format';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, describe, uploadFile } from '../api';
import type { Notify } from '../app';
import { bytes, kindOf } from '../format';
import type { CloudInfo } from '../types';

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
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const abort = useRef<(() => void) | null>(null);

  useEffect(() => {
    api
      .clouds()
      .then(setClouds)
      .catch((err: unknown) => setError(describe(err)));
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
        const upload = uploadFile(image.id, file, (sent, total) => setProgress({ sent, total }));
        abort.current = upload.abort;
        try {
          await upload.done;
        } catch (err) {
          await api.deleteImage(image.id).catch(() => undefined);
          throw err;
        } finally {
          abort.current = null;
        }
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
    }
  };

  const percent = progress && progress.total > 0 ? Math.floor((progress.sent / progress.total) * 100) : 0;

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
          <div class="upload-progress">
            <label for="upload-bar">
              Uploading: {bytes(progress.sent)} of {bytes(progress.total)} ({percent}%)
            </label>
            <progress id="upload-bar" max={100} value={percent} />
          </div>
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
    </section>
  );
}
