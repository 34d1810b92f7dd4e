/**
 * One family: its versions (lifecycle, copies, channels; deprecate, obsolete, revoke or undo, each asked
 * first), a new version, its channels (promote, roll back, history, resolve to each cloud's own ID).
 */
import { useEffect, useState } from 'preact/hooks';
import {
  type LifecycleAction,
  confirmation,
  historyWords,
  lifecycleActions,
  versionName,
} from '../../../src/common/family-words';
import { api, describe, families } from '../api';
import type { Notify } from '../app';
import { Dialog } from '../dialog';
import { formText, stateOf, when } from '../format';
import type {
  ChannelHistoryEntry,
  ChannelInfo,
  FamilyInfo,
  FamilyVersionInfo,
  LocationInfo,
  ResolvedChannelInfo,
} from '../types';

const TONES: Record<string, string> = { active: 'ok', deprecated: 'warn', obsolete: 'bad', revoked: 'bad' };

type Asked = { version: FamilyVersionInfo; action: LifecycleAction };
type Shown =
  | { kind: 'history'; channel: string; entries: ChannelHistoryEntry[] }
  | { kind: 'resolve'; channel: string; resolved: ResolvedChannelInfo };

export function FamilyDetails(props: { id: string; notify: Notify; onChanged: () => Promise<void> }) {
  const { id, notify } = props;
  const [family, setFamily] = useState<FamilyInfo | null>(null);
  const [copies, setCopies] = useState<Map<string, LocationInfo[]>>(new Map());
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [asked, setAsked] = useState<Asked | null>(null);
  const [shown, setShown] = useState<Shown | null>(null);

  const load = async () => {
    try {
      const f = await families.get(id);
      setFamily(f);
      setError('');
      // Where each version has copies: its GIMinG image's locations (a deleted image has none).
      const found = await Promise.all(
        f.versions.map(
          async (v) =>
            [
              v.image_id,
              await api.image(v.image_id).then(
                (i) => i.locations,
                () => [],
              ),
            ] as const,
        ),
      );
      setCopies(new Map(found));
    } catch (err) {
      setError(describe(err));
    }
  };
  useEffect(() => void load(), [id]);

  const act = async (done: string, fn: () => Promise<unknown>): Promise<boolean> => {
    setBusy(true);
    try {
      await fn();
      notify('ok', done);
      await load();
      await props.onChanged();
      return true;
    } catch (err) {
      setError(describe(err));
      return false;
    } finally {
      setBusy(false);
    }
  };

  if (!family) {
    return (
      <section class="card family" aria-label="Family">
        {error ? (
          <p class="callout bad" role="alert">
            {error}
          </p>
        ) : (
          <p class="muted">Loading…</p>
        )}
      </section>
    );
  }

  const name = family.name;
  const bySequence = new Map(family.versions.map((v) => [v.sequence, v]));
  const named = (seq: number | null) => (seq === null ? 'none' : versionName(bySequence.get(seq) ?? null));

  const onAddVersion = (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    const image_id = formText(data, 'image').trim();
    const label = formText(data, 'label').trim();
    const parent = formText(data, 'parent').trim();
    // The form is emptied as soon as the version is added, before the family is read again.
    void act(`Added a version to ${name}.`, async () => {
      await families.addVersion(name, {
        image_id,
        ...(label ? { label } : {}),
        ...(parent ? { parent } : {}),
      });
      form.reset();
    });
  };

  const onPromote = (e: Event) => {
    e.preventDefault();
    const data = new FormData(e.currentTarget as HTMLFormElement);
    const channel = formText(data, 'channel').trim();
    const version = formText(data, 'version');
    void act(`Promoted ${named(Number(version))} to ${channel}.`, () =>
      families.promote(name, channel, version),
    );
  };

  const rollback = (c: ChannelInfo) =>
    void act(`Rolled ${c.name} back.`, () => families.rollback(name, c.name));

  const show = async (c: ChannelInfo, kind: Shown['kind']) => {
    try {
      setShown(
        kind === 'history'
          ? { kind, channel: c.name, entries: await families.history(name, c.name) }
          : { kind, channel: c.name, resolved: await families.resolve(name, c.name) },
      );
    } catch (err) {
      setError(describe(err));
    }
  };

  const apply = (form: HTMLFormElement) => {
    if (!asked) return;
    const { version, action } = asked;
    const cascade = action.state === 'revoked' && formText(new FormData(form), 'cascade') === 'on';
    const words =
      action.state === 'active'
        ? `Version ${versionName(version)} is active again.`
        : `Version ${versionName(version)} is ${action.state}.`;
    void act(words, () =>
      families.setLifecycle(name, String(version.sequence), {
        state: action.state,
        ...(cascade ? { cascade } : {}),
      }),
    ).then(() => setAsked(null));
  };

  return (
    <section class="card family" aria-labelledby="family-title">
      <h2 id="family-title">{name}</h2>
      {family.description && <p class="muted">{family.description}</p>}
      {error && (
        <p class="callout bad" role="alert">
          {error}
        </p>
      )}
      <h3>Versions</h3>
      <table class="list" aria-label={`Versions of ${name}`}>
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">Image</th>
            <th scope="col">Lifecycle</th>
            <th scope="col">Copies</th>
            <th scope="col">Channels</th>
            <th scope="col">
              <span class="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {family.versions.length === 0 && (
            <tr>
              <td colSpan={6} class="muted">
                No version yet.
              </td>
            </tr>
          )}
          {[...family.versions].reverse().map((v) => (
            <tr key={v.id} data-version={v.sequence}>
              <th scope="row">
                {versionName(v)}
                {v.parent !== null && <span class="muted small"> from {v.parent}</span>}
              </th>
              <td class="small">
                <span class="image-title">{v.image_name ?? v.image_id}</span>
              </td>
              <td>
                <span class={`chip ${TONES[v.lifecycle] ?? 'muted'}`}>{v.lifecycle}</span>
                {v.scheduled && (
                  <span class="muted small">
                    {' '}
                    {v.scheduled.state} at {when(v.scheduled.at)}
                  </span>
                )}
                {v.propagation_error && <p class="reason small">{v.propagation_error}</p>}
              </td>
              <td class="small">
                {(copies.get(v.image_id) ?? []).length === 0 ? (
                  <span class="muted">none</span>
                ) : (
                  <ul class="copies">
                    {(copies.get(v.image_id) ?? []).map((l) => (
                      <li key={l.cloud_id}>
                        {l.cloud}: {stateOf(l.status).label}
                      </li>
                    ))}
                  </ul>
                )}
              </td>
              <td class="small">{v.channels.join(', ')}</td>
              <td>
                <div class="row-actions">
                  {lifecycleActions(v.lifecycle).map((a) => (
                    <button
                      key={a.state}
                      type="button"
                      class={`ghost small${a.danger ? ' danger' : ''}`}
                      disabled={busy}
                      aria-label={`${a.label} version ${versionName(v)}`}
                      onClick={() => setAsked({ version: v, action: a })}
                    >
                      {a.label}
                    </button>
                  ))}
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form class="inline-form" onSubmit={onAddVersion}>
        <h3>Add a version</h3>
        <label>
          Image ID
          <input name="image" required class="mono" />
        </label>
        <label>
          Label
          <input name="label" maxLength={64} pattern="(?![0-9]+$)[A-Za-z0-9][A-Za-z0-9._:+\-]*" />
        </label>
        <label>
          Built from (version)
          <input name="parent" maxLength={64} />
        </label>
        <button type="submit" class="ghost" disabled={busy}>
          Add version
        </button>
      </form>
      <h3>Channels</h3>
      <table class="list" aria-label={`Channels of ${name}`}>
        <thead>
          <tr>
            <th scope="col">Channel</th>
            <th scope="col">Version</th>
            <th scope="col">Moved</th>
            <th scope="col">
              <span class="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {family.channels.map((c) => (
            <tr key={c.name} data-channel={c.name}>
              <th scope="row">
                {c.name}
                {c.managed && <span class="muted small"> (newest not revoked)</span>}
              </th>
              <td>{named(c.version)}</td>
              <td class="small">{when(c.updated_at)}</td>
              <td>
                <div class="row-actions">
                  <button type="button" class="ghost small" onClick={() => void show(c, 'history')}>
                    History
                  </button>
                  <button
                    type="button"
                    class="ghost small"
                    disabled={c.version === null}
                    onClick={() => void show(c, 'resolve')}
                  >
                    Resolve
                  </button>
                  {!c.managed && (
                    <button
                      type="button"
                      class="ghost small"
                      disabled={busy}
                      aria-label={`Roll ${c.name} back`}
                      onClick={() => rollback(c)}
                    >
                      Roll back
                    </button>
                  )}
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form class="inline-form" onSubmit={onPromote}>
        <h3>Promote a version</h3>
        <label>
          Channel
          <input
            name="channel"
            required
            maxLength={64}
            list="channel-names"
            pattern="[A-Za-z0-9][A-Za-z0-9._:+\-]*"
          />
          <datalist id="channel-names">
            {family.channels
              .filter((c) => !c.managed)
              .map((c) => (
                <option key={c.name} value={c.name} />
              ))}
          </datalist>
        </label>
        <label>
          Version
          <select name="version" required>
            {[...family.versions]
              .reverse()
              .filter((v) => v.lifecycle !== 'revoked')
              .map((v) => (
                <option key={v.id} value={String(v.sequence)}>
                  {versionName(v)}
                </option>
              ))}
          </select>
        </label>
        <button type="submit" class="ghost" disabled={busy || family.versions.length === 0}>
          Promote
        </button>
      </form>
      {asked && (
        <Dialog
          title={`${asked.action.label} version ${versionName(asked.version)}?`}
          onClose={() => setAsked(null)}
        >
          <form
            class="form"
            onSubmit={(e) => {
              e.preventDefault();
              apply(e.currentTarget);
            }}
          >
            <p class={asked.action.danger ? 'warn-text' : undefined}>
              {confirmation(name, versionName(asked.version), asked.action)}
            </p>
            {asked.action.state === 'revoked' && (
              <label class="check">
                <input type="checkbox" name="cascade" /> Also revoke every version built from it
              </label>
            )}
            <div class="actions">
              <button type="button" class="ghost" onClick={() => setAsked(null)}>
                Go back
              </button>
              <button
                type="submit"
                class={asked.action.danger ? 'primary danger' : 'primary'}
                disabled={busy}
              >
                {asked.action.label}
              </button>
            </div>
          </form>
        </Dialog>
      )}
      {shown?.kind === 'history' && (
        <Dialog title={`History of ${shown.channel}`} onClose={() => setShown(null)}>
          {shown.entries.length === 0 ? (
            <p class="muted">No move yet.</p>
          ) : (
            <ol class="history" aria-label={`History of ${shown.channel}`}>
              {shown.entries.map((h, i) => (
                <li key={`${h.created_at}-${i}`}>
                  <strong>{historyWords(h)}</strong>{' '}
                  <span class="muted small">
                    {when(h.created_at)}
                    {h.user_id ? ` by ${h.user_id}` : ''}
                  </span>
                </li>
              ))}
            </ol>
          )}
        </Dialog>
      )}
      {shown?.kind === 'resolve' && (
        <Dialog title={`${name} ${shown.channel} in each cloud`} onClose={() => setShown(null)} wide>
          <p>
            Version {versionName({ sequence: shown.resolved.version, label: shown.resolved.label })} (
            {shown.resolved.lifecycle}), image <span class="mono small">{shown.resolved.image_id}</span>
          </p>
          <table class="list" aria-label={`${shown.channel} resolved`}>
            <thead>
              <tr>
                <th scope="col">Cloud</th>
                <th scope="col">Kind</th>
                <th scope="col">Region</th>
                <th scope="col">Image ID in the cloud</th>
              </tr>
            </thead>
            <tbody>
              {shown.resolved.clouds.length === 0 && (
                <tr>
                  <td colSpan={4} class="muted">
                    No active copy in any cloud.
                  </td>
                </tr>
              )}
              {shown.resolved.clouds.map((c) => (
                <tr key={c.cloud_id}>
                  <td>{c.cloud}</td>
                  <td>{c.type}</td>
                  <td>{c.region_name}</td>
                  <td class="mono small">{c.remote_id}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Dialog>
      )}
    </section>
  );
}
