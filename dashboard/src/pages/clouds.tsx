/**
 * The clouds: the shared ones and the project's own (OpenStack or AWS EC2 regions, or Google Cloud
 * projects' Compute Engine, with a key-manager secret, or credentials given for this session only, kept
 * in this tab's memory); browse one and adopt an image GIMinG does not track yet.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, describe, hasCloudCredentials, setCloudCredentials } from '../api';
import type { Notify } from '../app';
import { Dialog } from '../dialog';
import { bytes, kindOf, when } from '../format';
import type { CloudImage, CloudInfo } from '../types';
import { AddCloudDialog, CredentialFields, checkField, kindOfCloud, sessionAuth } from './add-cloud';

/**
 * Whether work on a cloud needs credentials of its own (its Keystone's, or a project's AWS or
 * service-account key), as the conductor's needsOwnCredentials.
 */
function ownCredentials(c: CloudInfo): boolean {
  return c.auth_url !== null || (c.type !== 'openstack' && c.scope === 'project');
}

export function CloudsPage(props: { notify: Notify }) {
  const { notify } = props;
  const [clouds, setClouds] = useState<CloudInfo[] | null>(null);
  const [error, setError] = useState('');
  const [adding, setAdding] = useState(false);
  const [browsing, setBrowsing] = useState<CloudInfo | null>(null);
  const [credentialsFor, setCredentialsFor] = useState<CloudInfo | null>(null);
  const [busy, setBusy] = useState(false);

  const load = () =>
    api
      .clouds()
      .then((c) => {
        setClouds(c);
        setError('');
      })
      .catch((err: unknown) => setError(describe(err)));
  useEffect(() => void load(), []);

  const remove = async (cloud: CloudInfo) => {
    setBusy(true);
    try {
      await api.deleteCloud(cloud.id);
      setCloudCredentials(cloud.id, null);
      notify('ok', `Removed the cloud ${cloud.name}.`);
      await load();
    } catch (err) {
      setError(describe(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="clouds-title">
      <div class="page-head">
        <h1 id="clouds-title">Clouds</h1>
        <p class="muted">The places images are kept. Add your project's own, with its own credentials.</p>
        <button type="button" class="primary" onClick={() => setAdding(true)}>
          Add a project cloud
        </button>
      </div>
      {error && (
        <p class="callout bad" role="alert">
          {error}
        </p>
      )}
      {clouds === null ? (
        !error && <p class="muted">Loading clouds…</p>
      ) : (
        <div class="cards">
          {clouds.map((c) => (
            <article class="card cloud" key={c.id} aria-labelledby={`cloud-${c.id}`}>
              <h2 id={`cloud-${c.id}`}>{c.name}</h2>
              <p>
                <span class={`chip ${c.scope === 'project' ? 'info' : 'muted'}`}>
                  {c.scope === 'project' ? 'project cloud' : 'shared'}
                </span>{' '}
                <span class={`chip ${c.agents_up > 0 ? 'ok' : 'bad'}`}>
                  <span aria-hidden="true">{c.agents_up > 0 ? '●' : '○'}</span>{' '}
                  {c.agents_up > 0 ? `${c.agents_up} agent(s) up` : 'no agent up'}
                </span>
              </p>
              <dl class="facts">
                <dt>Type</dt>
                <dd>
                  <span class="chip kind">{kindOf(c.type).tag}</span> {kindOf(c.type).service}
                </dd>
                {c.type === 'gcp' ? (
                  <>
                    <dt>Project</dt>
                    <dd class="mono small">{c.project}</dd>
                  </>
                ) : (
                  <>
                    <dt>Region</dt>
                    <dd>{c.region_name}</dd>
                  </>
                )}
                <dt>Zone</dt>
                <dd>{c.zone}</dd>
                {c.bucket !== undefined && (
                  <>
                    <dt>{c.type === 'gcp' ? 'Cloud Storage bucket' : 'S3 bucket'}</dt>
                    <dd class="mono small">{c.bucket}</dd>
                  </>
                )}
                {c.storage_location ? (
                  <>
                    <dt>Storage location</dt>
                    <dd class="mono small">{c.storage_location}</dd>
                  </>
                ) : null}
                {c.family ? (
                  <>
                    <dt>Image family</dt>
                    <dd class="mono small">{c.family}</dd>
                  </>
                ) : null}
                {c.auth_url && (
                  <>
                    <dt>Keystone</dt>
                    <dd class="mono small">{c.auth_url}</dd>
                  </>
                )}
                {ownCredentials(c) && (
                  <>
                    <dt>Credentials</dt>
                    <dd>
                      {c.credentials_ref
                        ? 'key-manager secret'
                        : hasCloudCredentials(c.id)
                          ? 'given for this session'
                          : 'none yet: give them for this session'}
                    </dd>
                  </>
                )}
              </dl>
              <div class="actions left">
                <button type="button" class="ghost" onClick={() => setBrowsing(c)}>
                  Browse images
                </button>
                {ownCredentials(c) && !c.credentials_ref && (
                  <button type="button" class="ghost" onClick={() => setCredentialsFor(c)}>
                    Credentials…
                  </button>
                )}
                {c.scope === 'project' && (
                  <button type="button" class="ghost danger" disabled={busy} onClick={() => void remove(c)}>
                    Remove
                  </button>
                )}
              </div>
            </article>
          ))}
          {clouds.length === 0 && <p class="muted">No cloud yet.</p>}
        </div>
      )}
      {adding && <AddCloudDialog notify={notify} onClose={() => setAdding(false)} onAdded={load} />}
      {credentialsFor && (
        <Dialog title={`Credentials for ${credentialsFor.name}`} onClose={() => setCredentialsFor(null)}>
          <form
            class="form"
            onInput={(e) => checkField(e.target, kindOfCloud(credentialsFor.type))}
            onSubmit={(e) => {
              e.preventDefault();
              const kind = kindOfCloud(credentialsFor.type);
              setCloudCredentials(credentialsFor.id, sessionAuth(new FormData(e.currentTarget), kind));
              notify('ok', `Credentials for ${credentialsFor.name} kept for this session.`);
              setCredentialsFor(null);
            }}
          >
            <CredentialFields kind={kindOfCloud(credentialsFor.type)} />
            <div class="actions">
              <button type="submit" class="primary">
                Use for this session
              </button>
            </div>
          </form>
        </Dialog>
      )}
      {browsing && <BrowseCloud cloud={browsing} notify={notify} onClose={() => setBrowsing(null)} />}
    </section>
  );
}

/** The sizes a browse's page may have; the first page asks for PAGE_SIZES[1]. */
const PAGE_SIZES = [10, 25, 50, 100];

/** The marker of a `next` link (the API's path and query, the same query with `marker`). */
function markerOf(next: string): string | undefined {
  return new URL(next, location.origin).searchParams.get('marker') ?? undefined;
}

function BrowseCloud(props: { cloud: CloudInfo; notify: Notify; onClose: () => void }) {
  const [images, setImages] = useState<CloudImage[] | null>(null);
  const [error, setError] = useState('');
  const [limit, setLimit] = useState(PAGE_SIZES[1]!);
  // The markers of the pages seen, the first page's none: Previous goes back one, Next follows `next`.
  const [markers, setMarkers] = useState<Array<string | undefined>>([undefined]);
  const [next, setNext] = useState<string | undefined>(undefined);
  const marker = markers[markers.length - 1];
  // Which page the rows are of: until the asked page's rows arrive, the page says it is loading.
  const key = `${limit}|${markers.length}|${marker ?? ''}`;
  const [shown, setShown] = useState('');
  const asked = useRef(key);
  asked.current = key;
  const loading = shown !== key;
  const load = () => {
    const want = key;
    return api
      .cloudImages(props.cloud.id, { limit, ...(marker !== undefined ? { marker } : {}) })
      .then((page) => {
        if (asked.current !== want) return; // an answer for a page left meanwhile
        setImages(page.images);
        setNext(page.next !== undefined ? markerOf(page.next) : undefined);
        setShown(want);
        setError('');
      })
      .catch((err: unknown) => setError(describe(err)));
  };
  useEffect(() => void load(), [props.cloud.id, limit, marker]);

  const adopt = async (image: CloudImage) => {
    try {
      await api.createImage({ source: { cloud: props.cloud.id, image_id: image.id }, targets: [] });
      props.notify('ok', `GIMinG now tracks ${image.name || image.id}.`);
      await load();
    } catch (err) {
      setError(describe(err));
    }
  };

  return (
    <Dialog title={`Images in ${props.cloud.name}`} onClose={props.onClose} wide>
      {error && (
        <p class="callout bad" role="alert">
          {error}
        </p>
      )}
      {images === null ? (
        !error && <p class="muted">Asking the cloud…</p>
      ) : (
        <>
          <nav class="pager" aria-label="Pages of the cloud's images">
            <button
              type="button"
              class="ghost small"
              disabled={markers.length === 1}
              onClick={() => setMarkers((m) => m.slice(0, -1))}
            >
              Previous page
            </button>
            <span aria-live="polite">
              Page {markers.length}
              {loading ? ' (loading…)' : ''}
            </span>
            <button
              type="button"
              class="ghost small"
              disabled={loading || next === undefined}
              onClick={() => next !== undefined && setMarkers((m) => [...m, next])}
            >
              Next page
            </button>
            <label class="small">
              Per page{' '}
              <select
                name="page_size"
                value={String(limit)}
                onChange={(e) => {
                  setMarkers([undefined]);
                  setLimit(Number(e.currentTarget.value));
                }}
              >
                {PAGE_SIZES.map((n) => (
                  <option key={n} value={String(n)}>
                    {n}
                  </option>
                ))}
              </select>
            </label>
          </nav>
          <table class="list">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Status</th>
                <th scope="col">Size</th>
                <th scope="col">Created</th>
                <th scope="col">GIMinG</th>
              </tr>
            </thead>
            <tbody>
              {images.length === 0 && (
                <tr>
                  <td colSpan={5} class="muted">
                    {markers.length > 1 ? 'No more images.' : 'No image you can see.'}
                  </td>
                </tr>
              )}
              {images.map((i) => (
                <tr key={i.id}>
                  <td>{i.name || <span class="mono small">{i.id}</span>}</td>
                  <td>{i.status}</td>
                  <td>{bytes(i.size)}</td>
                  <td>{when(i.created_at)}</td>
                  <td>
                    {i.tracked_by ? (
                      <span class="chip ok">tracked</span>
                    ) : (
                      <button
                        type="button"
                        class="ghost small"
                        disabled={i.status !== 'active'}
                        aria-label={`Adopt ${i.name || i.id}`}
                        onClick={() => void adopt(i)}
                      >
                        Adopt
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </Dialog>
  );
}
