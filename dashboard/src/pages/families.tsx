/** The project's image families: the list, a new family, and one family's versions and channels. */
import { useEffect, useState } from 'preact/hooks';
import { describe, families } from '../api';
import type { Notify } from '../app';
import { formText } from '../format';
import type { FamilyInfo } from '../types';
import { FamilyDetails } from './family-details';

export function FamiliesPage(props: { notify: Notify }) {
  const { notify } = props;
  const [list, setList] = useState<FamilyInfo[] | null>(null);
  const [chosen, setChosen] = useState<string | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const load = async () => {
    try {
      setList(await families.list());
      setError('');
    } catch (err) {
      setError(describe(err));
    }
  };
  useEffect(() => void load(), []);

  const onCreate = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    const name = formText(data, 'name').trim();
    const description = formText(data, 'description').trim();
    setBusy(true);
    try {
      const made = await families.create({ name, ...(description ? { description } : {}) });
      notify('ok', `Family ${made.name} created.`);
      form.reset();
      await load();
      setChosen(made.id);
    } catch (err) {
      setError(describe(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="families-title">
      <div class="page-head">
        <h1 id="families-title">Families</h1>
        <p class="muted">
          Versions of one image, channels pointing at one version each, and each version's lifecycle.
        </p>
      </div>
      {error && (
        <p class="callout bad" role="alert">
          {error}
        </p>
      )}
      {list === null ? (
        !error && <p class="muted">Loading families…</p>
      ) : (
        <table class="list" aria-label="Families">
          <thead>
            <tr>
              <th scope="col">Family</th>
              <th scope="col">Description</th>
              <th scope="col">Versions</th>
              <th scope="col">Channels</th>
            </tr>
          </thead>
          <tbody>
            {list.length === 0 && (
              <tr>
                <td colSpan={4} class="muted">
                  No family yet.
                </td>
              </tr>
            )}
            {list.map((f) => (
              <tr key={f.id} aria-current={chosen === f.id ? 'true' : undefined}>
                <td>
                  <button type="button" class="link" onClick={() => setChosen(f.id)}>
                    {f.name}
                  </button>
                </td>
                <td class="small">{f.description}</td>
                <td>{f.versions.length}</td>
                <td class="small">
                  {f.channels.map((c) => `${c.name} → ${c.version ?? 'none'}`).join(', ')}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form class="inline-form" onSubmit={(e) => void onCreate(e)}>
        <h3>New family</h3>
        <label>
          Name
          <input name="name" required maxLength={255} />
        </label>
        <label>
          Description
          <input name="description" maxLength={1024} />
        </label>
        <button type="submit" class="ghost" disabled={busy}>
          Create
        </button>
      </form>
      {chosen && <FamilyDetails key={chosen} id={chosen} notify={notify} onChanged={load} />}
    </section>
  );
}
