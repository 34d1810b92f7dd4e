/** Log in with Keystone: a user and password scoped to a project, or an application credential. */
import { formText } from '../format';
import { useState } from 'preact/hooks';
import { describe, login, type Login } from '../api';
import type { Session } from '../types';

export function LoginForm(props: { expired: boolean; pending: number; onLoggedIn: (s: Session) => void }) {
  const [method, setMethod] = useState<'password' | 'application_credential'>('password');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const field = (name: string) => formText(form, name, '').trim();
    const credentials: Login =
      method === 'password'
        ? {
            method,
            username: field('username'),
            password: formText(form, 'password', ''),
            project_name: field('project'),
            user_domain_name: field('user_domain') || 'Default',
            project_domain_name: field('project_domain') || 'Default',
          }
        : { method, id: field('credential_id'), secret: formText(form, 'credential_secret', '') };
    setBusy(true);
    setError('');
    try {
      props.onLoggedIn(await login(credentials));
    } catch (err) {
      setError(describe(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="login" id="main">
      <form class="card login-card" onSubmit={(e) => void submit(e)} aria-labelledby="login-title">
        <div class="brand big">
          <img src="/dashboard/favicon.svg" alt="" width="40" height="40" />
          <span>GIMinG</span>
        </div>
        <h1 id="login-title">Log in</h1>
        <p class="muted">One image, kept in every cloud you choose.</p>
        {props.expired && (
          <p class="callout info" role="status">
            Your session has ended. Log in again to go on
            {props.pending > 0 ? `: your ${props.pending} unsaved change(s) are kept.` : '.'}
          </p>
        )}
        <fieldset class="segmented">
          <legend>Log in with</legend>
          <label>
            <input
              type="radio"
              name="method"
              checked={method === 'password'}
              onChange={() => setMethod('password')}
            />
            Password
          </label>
          <label>
            <input
              type="radio"
              name="method"
              checked={method === 'application_credential'}
              onChange={() => setMethod('application_credential')}
            />
            Application credential
          </label>
        </fieldset>
        {method === 'password' ? (
          <>
            <label>
              User name
              <input name="username" autocomplete="username" required />
            </label>
            <label>
              Password
              <input name="password" type="password" autocomplete="current-password" required />
            </label>
            <label>
              Project
              <input name="project" required />
            </label>
            <details>
              <summary>Domains</summary>
              <div class="row2">
                <label>
                  User domain
                  <input name="user_domain" placeholder="Default" />
                </label>
                <label>
                  Project domain
                  <input name="project_domain" placeholder="Default" />
                </label>
              </div>
            </details>
          </>
        ) : (
          <>
            <label>
              Application credential ID
              <input name="credential_id" required />
            </label>
            <label>
              Secret
              <input name="credential_secret" type="password" autocomplete="off" required />
            </label>
          </>
        )}
        {error && (
          <p class="callout bad" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="primary wide" disabled={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
      </form>
    </main>
  );
}
