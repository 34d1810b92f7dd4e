/**
 * Adding a project cloud: an OpenStack region (its own Keystone with a key-manager secret or credentials
 * for this session, or reached with the user's own token) or an AWS EC2 region (its access key in a
 * key-manager secret, or for this session only), and the credential fields both kinds are given with.
 * Credentials for the session stay in this tab's memory and travel sealed (X-Cloud-Credentials).
 */
import { useState } from 'preact/hooks';
import { api, describe, setCloudCredentials } from '../api';
import type { Notify } from '../app';
import { Dialog } from '../dialog';
import { formText } from '../format';
import type { CloudAuth, CloudInfo } from '../types';

type Kind = 'openstack' | 'aws';
type CredentialMode = 'session' | 'secret' | 'token';

/** The credentials a form's fields give, for a cloud of this kind. */
export function sessionAuth(form: FormData, kind: Kind): CloudAuth {
  const v = (k: string) => formText(form, k, '').trim();
  if (kind === 'aws') {
    const key: CloudAuth = {
      access_key_id: v('c_access_key_id'),
      secret_access_key: formText(form, 'c_secret_access_key', ''),
    };
    if (v('c_session_token')) key.session_token = v('c_session_token');
    return key;
  }
  return {
    username: v('c_username'),
    password: formText(form, 'c_password', ''),
    project_name: v('c_project'),
    user_domain_name: v('c_user_domain') || 'Default',
    project_domain_name: v('c_project_domain') || 'Default',
  };
}

/** The fields of a cloud's credentials: a Keystone user and project, or an AWS access key. */
export function CredentialFields(props: { kind: Kind }) {
  if (props.kind === 'aws') {
    return (
      <>
        <div class="row2">
          <label>
            Access key ID
            <input name="c_access_key_id" required autocomplete="off" pattern="[A-Z0-9]{16,128}" />
          </label>
          <label>
            Secret access key
            <input name="c_secret_access_key" type="password" required autocomplete="new-password" />
          </label>
        </div>
        <label>
          Session token (temporary credentials; optional)
          <input name="c_session_token" type="password" autocomplete="off" />
        </label>
      </>
    );
  }
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

export function AddCloudDialog(props: { notify: Notify; onClose: () => void; onAdded: () => Promise<void> }) {
  const [kind, setKind] = useState<Kind>('openstack');
  const [mode, setMode] = useState<CredentialMode>('session');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  // An AWS cloud is always reached with its own key: the user's token is no AWS credential.
  const credentialMode: CredentialMode = kind === 'aws' && mode === 'token' ? 'session' : mode;

  const add = async (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const v = (k: string) => formText(form, k, '').trim();
    const body: Record<string, string> = {
      name: v('name'),
      type: kind,
      region_name: v('region_name'),
      scope: 'project',
    };
    if (v('zone')) body.zone = v('zone');
    if (kind === 'aws') body.bucket = v('bucket');
    else if (credentialMode !== 'token') body.auth_url = v('auth_url');
    if (credentialMode === 'secret') body.credentials_ref = v('credentials_ref');
    setBusy(true);
    try {
      const cloud: CloudInfo = await api.createCloud(body);
      if (credentialMode === 'session') setCloudCredentials(cloud.id, sessionAuth(form, kind));
      props.notify('ok', `Added the project cloud ${cloud.name}.`);
      props.onClose();
      await props.onAdded();
    } catch (err) {
      setError(describe(err));
    } finally {
      setBusy(false);
    }
  };

  const radio = (value: CredentialMode, label: string) => (
    <label>
      <input type="radio" name="mode" checked={credentialMode === value} onChange={() => setMode(value)} />
      {label}
    </label>
  );

  return (
    <Dialog title="Add a project cloud" onClose={props.onClose} wide>
      <form class="form" onSubmit={(e) => void add(e)}>
        {error && (
          <p class="callout bad" role="alert">
            {error}
          </p>
        )}
        <fieldset class="segmented">
          <legend>Kind of cloud</legend>
          <label>
            <input
              type="radio"
              name="kind"
              checked={kind === 'openstack'}
              onChange={() => setKind('openstack')}
            />
            OpenStack
          </label>
          <label>
            <input type="radio" name="kind" checked={kind === 'aws'} onChange={() => setKind('aws')} />
            AWS EC2
          </label>
        </fieldset>
        <div class="row2">
          <label>
            Name
            <input name="name" required pattern="[A-Za-z0-9][A-Za-z0-9._\-]*" maxLength={255} />
          </label>
          <label>
            Region
            <input name="region_name" required placeholder={kind === 'aws' ? 'us-east-1' : 'RegionOne'} />
          </label>
        </div>
        {kind === 'aws' && (
          <label>
            S3 bucket for transfers
            <input
              name="bucket"
              required
              pattern="[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]"
              placeholder="my-gimming-bucket"
            />
          </label>
        )}
        <label>
          Zone (the agents that reach it; optional)
          <input name="zone" placeholder={kind === 'aws' ? 'ec2-east' : 'zone-a'} />
        </label>
        <fieldset class="segmented">
          <legend>Credentials</legend>
          {radio('session', 'For this session only')}
          {radio('secret', 'Key-manager secret')}
          {kind === 'openstack' && radio('token', 'My own token')}
        </fieldset>
        {kind === 'openstack' && credentialMode !== 'token' && (
          <label>
            Keystone URL
            <input name="auth_url" type="url" required placeholder="https://keystone.example.org/v3" />
          </label>
        )}
        {credentialMode === 'secret' && (
          <label>
            Secret reference (Barbican)
            <input name="credentials_ref" required placeholder="https://barbican.example.org/v1/secrets/…" />
          </label>
        )}
        {credentialMode === 'secret' && kind === 'aws' && (
          <p class="muted small">
            The secret holds the access key as JSON: access_key_id, secret_access_key, and optionally
            session_token or role_arn.
          </p>
        )}
        {credentialMode === 'session' && (
          <>
            <p class="muted small">
              Kept in this tab's memory only, sent sealed with each request; never stored.
            </p>
            <CredentialFields kind={kind} />
          </>
        )}
        <div class="actions">
          <button type="button" class="ghost" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={busy}>
            Add cloud
          </button>
        </div>
      </form>
    </Dialog>
  );
}
