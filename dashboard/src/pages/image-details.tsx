/** One image: its copies (link, unlink, check against the clouds), its visibility and who it is shared with. */
import { formText } from '../format';
import { useEffect, useState } from 'preact/hooks';
import { api, describe } from '../api';
import type { Notify } from '../app';
import { Dialog } from '../dialog';
import { bytes, stateOf, when } from '../format';
import type { CloudInfo, ImageInfo, Member } from '../types';
import { rememberedUploads } from '../uploads';
import { ResumeUpload } from './resume-upload';

export function ImageDetails(props: {
  id: string;
  clouds: CloudInfo[];
  cloudName: (id: string) => string;
  notify: Notify;
  onClose: () => void;
}) {
  const { id, notify } = props;
  const [image, setImage] = useState<ImageInfo | null>(null);
  const [members, setMembers] = useState<Member[]>([]);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const load = async () => {
    try {
      const [img, mem] = await Promise.all([api.image(id), api.members(id).catch(() => [])]);
      setImage(img);
      setMembers(mem);
      setError('');
    } catch (err) {
      setError(describe(err));
    }
  };
  useEffect(() => void load(), [id]);

  const act = async (what: string, fn: () => Promise<unknown>) => {
    setBusy(true);
    try {
      await fn();
      notify('ok', what);
      await load();
    } catch (err) {
      setError(describe(err));
    } finally {
      setBusy(false);
    }
  };

  const onLink = (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const cloud = formText(form, 'cloud', '');
    const remote = formText(form, 'remote', '').trim();
    void act(`Linked the copy in ${props.cloudName(cloud)}.`, () => api.link(id, cloud, remote));
  };

  const onShare = (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const member = formText(new FormData(form), 'member').trim();
    void act(`Shared with project ${member}.`, () => api.addMember(id, member)).then(() => form.reset());
  };

  return (
    <Dialog title={image ? image.name : 'Image'} onClose={props.onClose} wide>
      {error && (
        <p class="callout bad" role="alert">
          {error}
        </p>
      )}
      {!image ? (
        <p class="muted">Loading…</p>
      ) : (
        <div class="details">
          <dl class="facts">
            <dt>ID</dt>
            <dd class="mono">{image.id}</dd>
            <dt>Status</dt>
            <dd>{image.status}</dd>
            <dt>Size</dt>
            <dd>{bytes(image.size)}</dd>
            <dt>Formats</dt>
            <dd>
              {image.disk_format ?? '—'} / {image.container_format ?? '—'}
            </dd>
            <dt>Created</dt>
            <dd>{when(image.created_at)}</dd>
          </dl>
          {image.status === 'saving' && (
            <ResumeUpload
              imageId={image.id}
              imageName={image.name}
              remembered={rememberedUploads().find((u) => u.image_id === image.id)}
              onDone={(message) => {
                notify('ok', message);
                void load();
              }}
            />
          )}
          <h3>Copies</h3>
          <table class="list">
            <thead>
              <tr>
                <th scope="col">Cloud</th>
                <th scope="col">State</th>
                <th scope="col">Image in the cloud</th>
                <th scope="col">
                  <span class="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {image.locations.length === 0 && (
                <tr>
                  <td colSpan={4} class="muted">
                    No copy yet.
                  </td>
                </tr>
              )}
              {image.locations.map((l) => {
                const s = stateOf(l.status);
                return (
                  <tr key={l.cloud_id}>
                    <td>{l.cloud}</td>
                    <td>
                      <span class={`chip ${s.tone}`}>
                        <span aria-hidden="true">{s.icon}</span> {s.label}
                      </span>
                    </td>
                    <td class="mono small">{l.image_id ?? '—'}</td>
                    <td>
                      <button
                        type="button"
                        class="ghost small"
                        disabled={busy}
                        onClick={() =>
                          void act(`Unlinked the copy in ${l.cloud}; it stays in that cloud.`, () =>
                            api.unlink(id, l.cloud_id),
                          )
                        }
                      >
                        Unlink
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <div class="actions left">
            <button
              type="button"
              class="ghost"
              disabled={busy}
              onClick={() => void act('Checked every copy against its cloud.', () => api.refresh(id))}
            >
              Check against the clouds
            </button>
          </div>
          <form class="inline-form" onSubmit={onLink}>
            <h3>Link a copy that is already in a cloud</h3>
            <label>
              Cloud
              <select name="cloud" required>
                {props.clouds.map((c) => (
                  <option key={c.id} value={c.id}>
                    {c.name}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Image ID in that cloud
              <input name="remote" required />
            </label>
            <button type="submit" class="ghost" disabled={busy}>
              Link
            </button>
          </form>
          <h3>Sharing</h3>
          <form class="inline-form" onSubmit={(e) => e.preventDefault()}>
            <label>
              Visibility
              <select
                value={image.visibility}
                disabled={busy}
                onChange={(e) => {
                  const visibility = e.currentTarget.value;
                  void act(`The image is now ${visibility}.`, () => api.updateImage(id, { visibility }));
                }}
              >
                {['private', 'shared', 'community', 'public'].map((v) => (
                  <option key={v} value={v}>
                    {v}
                  </option>
                ))}
              </select>
            </label>
          </form>
          <ul class="members">
            {members.map((m) => (
              <li key={m.member_id}>
                <span class="mono">{m.member_id}</span>{' '}
                <span class="muted small">
                  {m.copies.map((c) => `${c.cloud}: ${c.status ?? 'unknown'}`).join(', ')}
                </span>
                <button
                  type="button"
                  class="ghost small"
                  disabled={busy}
                  onClick={() =>
                    void act(`No longer shared with ${m.member_id}.`, () => api.removeMember(id, m.member_id))
                  }
                >
                  Stop sharing
                </button>
              </li>
            ))}
          </ul>
          <form class="inline-form" onSubmit={onShare}>
            <label>
              Share with project (ID)
              <input name="member" required pattern="[A-Za-z0-9_\-]{1,64}" />
            </label>
            <button type="submit" class="ghost" disabled={busy}>
              Share
            </button>
          </form>
        </div>
      )}
    </Dialog>
  );
}
