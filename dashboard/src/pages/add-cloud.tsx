/**
 * Adding a project cloud: an OpenStack region (its own Keystone with a key-manager secret or credentials
 * for this session, or reached with the user's own token), an AWS EC2 region (its access key in a
 * key-manager secret, or for this session only) or a Google Cloud project's Compute Engine (a
 * service-account key in a key-manager secret, or for this session only), and the credential fields each
 * kind is given with. Credentials for the session stay in this tab's memory and travel sealed
 * (X-Cloud-Credentials). The fields are checked as they are typed with the rules the server applies
 * (src/common/cloud-names.ts), so that a form the server would refuse is not sent.
 */
import { useState } from 'preact/hooks';
import {
  AWS_REGION_RE,
  GCE_NAME_RE,
  GCS_LOCATION_RE,
  PROJECT_ID_RE,
  bucketNameProblem,
  gcsBucketNameProblem,
} from '../../../src/common/cloud-names';
import { api, describe, setCloudCredentials } from '../api';
import type { Notify } from '../app';
import { Dialog } from '../dialog';
import { formText } from '../format';
import type { CloudAuth, CloudInfo } from '../types';

export type Kind = 'openstack' | 'aws' | 'gcp';
type CredentialMode = 'session' | 'secret' | 'token';

/** The kind of a registered cloud, for its credential fields. */
export function kindOfCloud(type: string): Kind {
  return type === 'aws' || type === 'gcp' ? type : 'openstack';
}

/** Why a pasted service-account key would be refused, or null (never quoting any of it). */
export function keyProblem(text: string): string | null {
  let key: unknown;
  try {
    key = JSON.parse(text);
  } catch {
    return 'This is not JSON: paste the whole key file IAM hands out (or choose the file).';
  }
  if (typeof key !== 'object' || key === null || Array.isArray(key)) return 'A key file is a JSON object.';
  const k = key as Record<string, unknown>;
  if (k.type !== 'service_account')
    return 'This is not a service-account key (its type is not service_account).';
  for (const field of ['project_id', 'client_email', 'private_key']) {
    if (typeof k[field] !== 'string' || k[field] === '') return `The key has no ${field}.`;
  }
  if (!PROJECT_ID_RE.test(k.project_id as string))
    return "The key's project_id is not a Google Cloud project ID.";
  if (!/-----BEGIN (RSA )?PRIVATE KEY-----/.test(k.private_key as string))
    return "The key's private_key is not a private key in PEM form.";
  for (const [field, value] of Object.entries(k)) {
    if (typeof value !== 'string') return `The key's ${field.slice(0, 64)} is not a string.`;
  }
  return null;
}

/** A field's rule for a kind of cloud: why its value would be refused, or null. */
type Rule = (value: string) => string | null;

const PROJECT_RULE: Rule = (v) =>
  PROJECT_ID_RE.test(v)
    ? null
    : 'A Google Cloud project ID: 6 to 30 lowercase letters, digits and hyphens, beginning with a letter, ' +
      'not ending with a hyphen.';

export const RULES: Record<Kind, Record<string, Rule>> = {
  openstack: {},
  aws: {
    region_name: (v) => (AWS_REGION_RE.test(v) ? null : 'An AWS region code, such as us-east-1.'),
    bucket: (v) => {
      const problem = bucketNameProblem(v);
      return problem ? `Not an S3 bucket name: ${problem}.` : null;
    },
  },
  gcp: {
    project: PROJECT_RULE,
    bucket: (v) => {
      const problem = gcsBucketNameProblem(v);
      return problem ? `Not a Cloud Storage bucket name: ${problem}.` : null;
    },
    storage_location: (v) =>
      v === '' || GCS_LOCATION_RE.test(v)
        ? null
        : 'A Cloud Storage location, such as us, eu or europe-west1.',
    family: (v) =>
      v === '' || GCE_NAME_RE.test(v)
        ? null
        : 'A GCE name: 1 to 63 lowercase letters, digits and hyphens, beginning with a letter, not ending ' +
          'with a hyphen.',
    c_service_account_key: (v) => (v === '' ? null : keyProblem(v)),
  },
};

/** Checks a field by its kind's rule, as the browser's own validity (which then blocks the submit). */
export function checkField(el: EventTarget | null, kind: Kind): void {
  if (!(el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement)) return;
  const rule = RULES[kind][el.name];
  if (rule) el.setCustomValidity(rule(el.value.trim()) ?? '');
}

/** The credentials a form's fields give, for a cloud of this kind. */
export function sessionAuth(form: FormData, kind: Kind): CloudAuth {
  const v = (k: string) => formText(form, k, '').trim();
  if (kind === 'gcp') {
    // Checked as typed (keyProblem): an object of strings, as the key file holds.
    return JSON.parse(v('c_service_account_key')) as CloudAuth;
  }
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

/** Reads a chosen key file into the key's field, and checks it. */
async function readKeyFile(input: HTMLInputElement): Promise<void> {
  const file = input.files?.[0];
  const field = input.form?.elements.namedItem('c_service_account_key');
  if (!file || !(field instanceof HTMLTextAreaElement)) return;
  field.value = file.size > 65536 ? '' : await file.text();
  checkField(field, 'gcp');
  field.reportValidity();
}

/**
 * The fields of a cloud's credentials: a Keystone user and project, an AWS access key, or a Google
 * service-account key (its file chosen, or its JSON pasted).
 */
export function CredentialFields(props: { kind: Kind }) {
  if (props.kind === 'gcp') {
    return (
      <>
        <label>
          Service-account key file (JSON)
          <input
            name="c_key_file"
            type="file"
            accept="application/json,.json"
            onChange={(e) => void readKeyFile(e.currentTarget)}
          />
        </label>
        <label>
          The key, as JSON (filled from the file, or pasted)
          <textarea
            name="c_service_account_key"
            class="key"
            rows={5}
            required
            spellcheck={false}
            autocomplete="off"
            placeholder='{"type": "service_account", "project_id": "…", "private_key": "…", …}'
            onInput={(e) => checkField(e.currentTarget, 'gcp')}
          />
        </label>
      </>
    );
  }
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
  // An AWS or GCE cloud is always reached with its own key: the user's token is no credential there.
  const credentialMode: CredentialMode = kind !== 'openstack' && mode === 'token' ? 'session' : mode;

  const add = async (e: Event) => {
    e.preventDefault();
    const el = e.currentTarget as HTMLFormElement;
    // Every field once more by its rule (one filled without typing has not been checked yet).
    for (const field of Array.from(el.elements)) checkField(field, kind);
    if (!el.reportValidity()) return;
    const form = new FormData(el);
    const v = (k: string) => formText(form, k, '').trim();
    const body: Record<string, string> = {
      name: v('name'),
      type: kind,
      // A GCE image is global: the cloud is the project, in no region.
      region_name: kind === 'gcp' ? 'global' : v('region_name'),
      scope: 'project',
    };
    if (v('zone')) body.zone = v('zone');
    if (kind === 'aws') body.bucket = v('bucket');
    else if (kind === 'gcp') {
      body.project = v('project');
      body.bucket = v('bucket');
      if (v('storage_location')) body.storage_location = v('storage_location');
      if (v('family')) body.family = v('family');
    } else if (credentialMode !== 'token') body.auth_url = v('auth_url');
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
      <form class="form" onSubmit={(e) => void add(e)} onInput={(e) => checkField(e.target, kind)}>
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
          <label>
            <input type="radio" name="kind" checked={kind === 'gcp'} onChange={() => setKind('gcp')} />
            Google Compute Engine
          </label>
        </fieldset>
        <div class="row2" key={`head-${kind}`}>
          <label>
            Name
            <input name="name" required pattern="[A-Za-z0-9][A-Za-z0-9._\-]*" maxLength={255} />
          </label>
          {kind === 'gcp' ? (
            <label>
              Google Cloud project ID
              <input name="project" required maxLength={30} placeholder="my-project" />
            </label>
          ) : (
            <label>
              Region
              <input name="region_name" required placeholder={kind === 'aws' ? 'us-east-1' : 'RegionOne'} />
            </label>
          )}
        </div>
        {kind === 'aws' && (
          <label key="aws-bucket">
            S3 bucket for transfers
            <input name="bucket" required maxLength={63} placeholder="my-gimming-bucket" />
          </label>
        )}
        {kind === 'gcp' && (
          <>
            <label key="gcp-bucket">
              Cloud Storage bucket for transfers
              <input name="bucket" required maxLength={222} placeholder="my-gimming-transfers" />
            </label>
            <div class="row2">
              <label>
                Storage location of its images (optional)
                <input name="storage_location" placeholder="us, eu, europe-west1" />
              </label>
              <label>
                Image family of its copies (optional)
                <input name="family" maxLength={63} placeholder="my-images" />
              </label>
            </div>
          </>
        )}
        <label>
          Zone (the agents that reach it; optional)
          <input name="zone" placeholder={kind === 'aws' ? 'ec2-east' : kind === 'gcp' ? 'gce' : 'zone-a'} />
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
        {credentialMode === 'secret' && kind === 'gcp' && (
          <p class="muted small">
            The secret holds the service-account key file as IAM hands it out (JSON, type service_account).
          </p>
        )}
        {credentialMode === 'session' && (
          <>
            <p class="muted small">
              Kept in this tab's memory only, sent sealed with each request; never stored.
            </p>
            <CredentialFields kind={kind} key={kind} />
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
