/**
 * The clouds: the shared ones and the project's own (with a key-manager secret, or credentials given for
 * this session only, kept in this tab's memory); browse one and adopt an image GIMinG does not track yet.
 */
import { formText } from '../format';
import { useEffect, useState } from 'preact/hooks';
import { api, describe, hasCloudCredentials, setCloudCredentials } from '../api';
import type { Notify } from '../app';
import { Dialog } from '../dialog';
import { bytes, when } from '../format';
import type { CloudAuth, CloudImage, CloudInfo } from '../types';

type CredentialMode = 'session' | 'secret' | 'token';

function sessionAuth(form: FormData): CloudAuth {
  const v = (k: string) => formText(form, k, '').trim();
  return {
    username: v('c_username'),
    password: formText(form, 'c_password', ''),
    project_name: v('c_project'),
    user_domain_name: v('c_user_domain') || 'Default',
    project_domain_name: v('c_project_domain') || 'Default',
  };
}

function CredentialFields() {
  return (
    <>
      <div class="row2">
        <label>
          User name
          <input name="c_username" required autocomplete="off" />
        </label>
        <label>
          Password
          <input name="c_password" type="password" required autocomplete="new-password" />
        </label>
      </div>
      <div class="row3">
        <label>
          Project
          <input name="c_project" required />
        </label>
        <label>
          User domain
          <input name="c_user_domain" placeholder="Default" />
        </label>
        <label>
          Project domain
          <input name="c_project_domain" placeholder="Default" />
        </label>
      </div>
    </>
  );
}

export function CloudsPage(props: { notify: Notify }) {
  const { notify } = props;
  const [clouds, setClouds] = useState<CloudInfo[] | null>(null);
  const [error, setError] = useState('');
  const [adding, setAdding] = useState(false);
  const [mode, setMode] = useState<CredentialMode>('session');
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

  const add = async (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const v = (k: string) => formText(form, k, '').trim();
    const body: Record<string, string> = {
      name: v('name'),
      type: 'openstack',
      region_name: v('region_name'),
      scope: 'project',
    };
    if (v('zone')) body.zone = v('zone');
    if (mode !== 'token') body.auth_url = v('auth_url');
    if (mode === 'secret') body.credentials_ref = v('credentials_ref');
    setBusy(true);
    try {
      const cloud = await api.createCloud(body);
      if (mode === 'session') setCloudCredentials(cloud.id, sessionAuth(form));
      notify('ok', `Added the project cloud ${cloud.name}.`);
      setAdding(false);
      await load();
    } catch (err) {
      setError(describe(err));
    } finally {
      setBusy(false);
    }
  };

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
                <dt>Region</dt>
                <dd>{c.region_name}</dd>
                <dt>Zone</dt>
                <dd>{c.zone}</dd>
                {c.auth_url && (
                  <>
                    <dt>Keystone</dt>
                    <dd class="mono small">{c.auth_url}</dd>
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
                {c.auth_url && !c.credentials_ref && (
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
      {adding && (
        <Dialog title="Add a project cloud" onClose={() => setAdding(false)} wide>
          <form class="form" onSubmit={(e) => void add(e)}>
            <div class="row2">
              <label>
                Name
                <input name="name" required pattern="[A-Za-z0-9][A-Za-z0-9._\-]*" maxLength={255} />
              </label>
              <label>
                Region
                <input name="region_name" required placeholder="RegionOne" />
              </label>
            </div>
            <label>
              Zone (the agents that reach it; optional)
              <input name="zone" placeholder="zone-a" />
            </label>
            <fieldset class="segmented">
              <legend>Credentials</legend>
              <label>
                <input
                  type="radio"
                  name="mode"
                  checked={mode === 'session'}
                  onChange={() => setMode('session')}
                />
                For this session only
              </label>
              <label>
                <input
                  type="radio"
                  name="mode"
                  checked={mode === 'secret'}
                  onChange={() => setMode('secret')}
                />
                Key-manager secret
              </label>
              <label>
                <input
                  type="radio"
                  name="mode"
                  checked={mode === 'token'}
                  onChange={() => setMode('token')}
                />
                My own token
              </label>
            </fieldset>
            {mode !== 'token' && (
              <label>
                Keystone URL
                <input name="auth_url" type="url" required placeholder="https://keystone.example.org/v3" />
              </label>
            )}
            {mode === 'secret' && (
              <label>
                Secret reference (Barbican)
                <input
                  name="credentials_ref"
                  required
                  placeholder="https://barbican.example.org/v1/secrets/…"
                />
              </label>
            )}
            {mode === 'session' && (
              <>
                <p class="muted small">
                  Kept in this tab's memory only, sent sealed with each request; never stored.
                </p>
                <CredentialFields />
              </>
            )}
            <div class="actions">
              <button type="button" class="ghost" onClick={() => setAdding(false)}>
                Cancel
              </button>
              <button type="submit" class="primary" disabled={busy}>
                Add cloud
              </button>
            </div>
          </form>
        </Dialog>
      )}
      {credentialsFor && (
        <Dialog title={`Credentials for ${credentialsFor.name}`} onClose={() => setCredentialsFor(null)}>
          <form
            class="form"
            onSubmit={(e) => {
              e.preventDefault();
              setCloudCredentials(credentialsFor.id, sessionAuth(new FormData(e.currentTarget)));
              notify('ok', `Credentials for ${credentialsFor.name} kept for this session.`);
              setCredentialsFor(null);
            }}
          >
            <CredentialFields />
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

function BrowseCloud(props: { cloud: CloudInfo; notify: Notify; onClose: () => void }) {
  const [images, setImages] = useState<CloudImage[] | null>(null);
  const [error, setError] = useState('');
  const load = () =>
    api
      .cloudImages(props.cloud.id)
      .then(setImages)
      .catch((err: unknown) => setError(describe(err)));
  useEffect(() => void load(), [props.cloud.id]);

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
                  No image you can see.
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
      )}
    </Dialog>
  );
}
