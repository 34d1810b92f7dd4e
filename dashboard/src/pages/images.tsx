/**
 * Images x clouds (GLINT's matrix): a page of images at a time, each cell a checkbox saying the state of
 * the copy in words (and an icon), with progress and time left while copying. Ticks and unticks are kept
 * until Save, which asks the API what it would do (a dry run), asks the user, then sets each image's
 * clouds.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, describe } from '../api';
import type { Notify } from '../app';
import { Dialog } from '../dialog';
import { bytes, duration, kindOf, stateOf } from '../format';
import type { CloudInfo, ImageInfo, TargetsPlan, TaskInfo } from '../types';
import { ImageDetails } from './image-details';
import { type Changes, currentClouds, toggle, wanted } from './matrix-state';

const PAGE_SIZE = 50;
const SORTS = [
  { value: 'name:asc', label: 'Name, A to Z' },
  { value: 'name:desc', label: 'Name, Z to A' },
  { value: 'created_at:desc', label: 'Newest first' },
  { value: 'created_at:asc', label: 'Oldest first' },
  { value: 'updated_at:desc', label: 'Recently changed' },
  { value: 'status:asc', label: 'Status' },
];

interface Filters {
  name: string;
  status: string;
  visibility: string;
  cloud: string;
  sort: string;
}

interface PlanEntry {
  image: { id: string; name: string };
  want: string[];
  plan?: TargetsPlan;
  error?: string;
}

export function ImagesPage(props: {
  notify: Notify;
  changes: Changes;
  setChanges: (fn: (c: Changes) => Changes) => void;
}) {
  const { notify, changes, setChanges } = props;
  const [clouds, setClouds] = useState<CloudInfo[] | null>(null);
  const [images, setImages] = useState<ImageInfo[] | null>(null);
  const [tasks, setTasks] = useState<Map<string, TaskInfo>>(new Map());
  const [filters, setFilters] = useState<Filters>({
    name: '',
    status: '',
    visibility: '',
    cloud: '',
    sort: 'name:asc',
  });
  // The markers of the pages before this one (the first page has none).
  const [markers, setMarkers] = useState<string[]>([]);
  const [next, setNext] = useState<string | undefined>();
  const [error, setError] = useState('');
  const [plans, setPlans] = useState<PlanEntry[] | null>(null);
  const [saving, setSaving] = useState(false);
  const [details, setDetails] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const [checking, setChecking] = useState(false);
  const table = useRef<HTMLTableElement>(null);

  const marker = markers[markers.length - 1];
  // An import is the image's own work (its data coming in), before any copy: shown on its row.
  const imports = new Map([...tasks.values()].filter((t) => t.type === 'import').map((t) => [t.image_id, t]));

  useEffect(() => {
    let stop = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      try {
        const [cl, page, running] = await Promise.all([
          clouds ? Promise.resolve(clouds) : api.clouds(),
          api.images({
            limit: PAGE_SIZE,
            ...(marker ? { marker } : {}),
            ...(filters.name ? { name: filters.name } : {}),
            ...(filters.status ? { status: filters.status } : {}),
            ...(filters.visibility ? { visibility: filters.visibility } : {}),
            ...(filters.cloud ? { cloud: filters.cloud } : {}),
            sort: filters.sort,
          }),
          api.tasks({ limit: 200, status: 'running' }),
        ]);
        if (stop) return;
        setClouds(cl);
        setImages(page.images);
        setNext(
          page.next ? (new URL(page.next, location.href).searchParams.get('marker') ?? undefined) : undefined,
        );
        setTasks(new Map(running.map((t) => [t.id, t])));
        setError('');
        const busy = page.images.some((i) =>
          i.locations.some((l) => ['queued', 'copying'].includes(l.status)),
        );
        timer = setTimeout(() => void load(), busy ? 1500 : 8000);
      } catch (err) {
        if (!stop) setError(describe(err));
      }
    };
    void load();
    return () => {
      stop = true;
      if (timer) clearTimeout(timer);
    };
  }, [marker, filters, tick]);

  const reload = () => setTick((t) => t + 1);

  /** GLINT's sanity check: every copy of the images on this page looked at in its cloud now. */
  const checkClouds = async () => {
    if (!images) return;
    setChecking(true);
    const queue = [...images];
    const failures: string[] = [];
    const worker = async () => {
      for (let image = queue.shift(); image; image = queue.shift()) {
        try {
          await api.refresh(image.id);
        } catch (err) {
          failures.push(`${image.name}: ${describe(err)}`);
        }
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    setChecking(false);
    const checked = images.length - failures.length;
    notify('ok', `Checked ${checked} image(s) against their clouds.`);
    for (const f of failures.slice(0, 3)) notify('bad', f);
    reload();
  };

  const setFilter = (key: keyof Filters, value: string) => {
    setMarkers([]);
    setFilters((f) => ({ ...f, [key]: value }));
  };

  /** Arrow keys move between the matrix's checkboxes; Space ticks (the browser's own). */
  const onKeyDown = (e: KeyboardEvent) => {
    const target = e.target as HTMLElement;
    const row = Number(target.dataset.row);
    const col = Number(target.dataset.col);
    if (Number.isNaN(row) || Number.isNaN(col)) return;
    const moves: Record<string, [number, number]> = {
      ArrowUp: [-1, 0],
      ArrowDown: [1, 0],
      ArrowLeft: [0, -1],
      ArrowRight: [0, 1],
    };
    const move = moves[e.key];
    if (!move) return;
    const el = table.current?.querySelector<HTMLInputElement>(
      `input[data-row="${row + move[0]}"][data-col="${col + move[1]}"]`,
    );
    if (el) {
      e.preventDefault();
      el.focus();
    }
  };

  const cloudName = (id: string) => clouds?.find((c) => c.id === id)?.name ?? id;

  /** Asks the API what each changed image's new clouds would do. */
  const review = async () => {
    const entries: PlanEntry[] = [...changes.entries()].map(([id, c]) => ({
      image: { id, name: c.name },
      want: [...c.want],
    }));
    setSaving(true);
    await Promise.all(
      entries.map(async (entry) => {
        try {
          entry.plan = await api.setTargets(entry.image.id, entry.want, true);
        } catch (err) {
          entry.error = describe(err);
        }
      }),
    );
    setSaving(false);
    setPlans(entries);
  };

  const apply = async () => {
    if (!plans) return;
    setSaving(true);
    let done = 0;
    const failures: string[] = [];
    for (const entry of plans) {
      if (!entry.plan || entry.plan.refused.length > 0) continue;
      try {
        await api.setTargets(entry.image.id, entry.want, false);
        done++;
        setChanges((c) => {
          const n = new Map(c);
          n.delete(entry.image.id);
          return n;
        });
      } catch (err) {
        failures.push(`${entry.image.name}: ${describe(err)}`);
      }
    }
    setSaving(false);
    setPlans(null);
    if (done > 0) notify('ok', `Saved ${done} image(s). Copies and removals are under way.`);
    for (const f of failures) notify('bad', f);
    reload();
  };

  const refusedCount = plans?.filter((p) => p.error || (p.plan?.refused.length ?? 0) > 0).length ?? 0;
  const applicable = plans?.filter((p) => p.plan && p.plan.refused.length === 0) ?? [];

  return (
    <section aria-labelledby="images-title">
      <div class="page-head">
        <h1 id="images-title">Images</h1>
        <p class="muted">Tick the clouds each image should be in, then Save.</p>
      </div>
      <form class="toolbar" role="search" onSubmit={(e) => e.preventDefault()}>
        <label>
          Name
          <input
            type="search"
            placeholder="Exact name"
            value={filters.name}
            onChange={(e) => setFilter('name', e.currentTarget.value.trim())}
          />
        </label>
        <label>
          Status
          <select value={filters.status} onChange={(e) => setFilter('status', e.currentTarget.value)}>
            <option value="">Any</option>
            {['active', 'queued', 'saving', 'importing', 'deleting'].map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Visibility
          <select value={filters.visibility} onChange={(e) => setFilter('visibility', e.currentTarget.value)}>
            <option value="">Any</option>
            {['private', 'shared', 'community', 'public'].map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          In cloud
          <select value={filters.cloud} onChange={(e) => setFilter('cloud', e.currentTarget.value)}>
            <option value="">Any</option>
            {(clouds ?? []).map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Sort
          <select value={filters.sort} onChange={(e) => setFilter('sort', e.currentTarget.value)}>
            {SORTS.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
        </label>
        <button type="button" class="ghost" onClick={reload}>
          Refresh
        </button>
        <button
          type="button"
          class="ghost"
          disabled={checking || !images || images.length === 0}
          onClick={() => void checkClouds()}
        >
          {checking ? 'Checking…' : 'Check against the clouds'}
        </button>
      </form>
      {error && (
        <p class="callout bad" role="alert">
          {error}
        </p>
      )}
      {images === null || clouds === null ? (
        !error && (
          <p class="muted" aria-busy="true">
            Loading images…
          </p>
        )
      ) : images.length === 0 ? (
        <div class="empty card">
          <p>No images here yet.</p>
          <a class="button primary" href="#/upload">
            Upload an image
          </a>
        </div>
      ) : (
        <div class="matrix-wrap" tabIndex={-1}>
          <table class="matrix" ref={table} onKeyDown={onKeyDown}>
            <caption class="sr-only">
              Images (rows) against clouds (columns); each checkbox says whether the image should be in that
              cloud.
            </caption>
            <thead>
              <tr>
                <th
                  scope="col"
                  aria-sort={
                    filters.sort.startsWith('name')
                      ? filters.sort.endsWith('asc')
                        ? 'ascending'
                        : 'descending'
                      : undefined
                  }
                >
                  <button
                    type="button"
                    class="sort"
                    onClick={() => setFilter('sort', filters.sort === 'name:asc' ? 'name:desc' : 'name:asc')}
                  >
                    Image {filters.sort === 'name:asc' ? '▲' : filters.sort === 'name:desc' ? '▼' : ''}
                  </button>
                </th>
                {clouds.map((c) => (
                  <th scope="col" key={c.id} data-kind={c.type}>
                    <span class="cloud-head">
                      {c.name}{' '}
                      <span class="chip kind small" title={kindOf(c.type).service}>
                        {kindOf(c.type).tag}
                      </span>{' '}
                      <span class="muted small">
                        {c.scope === 'project' ? 'project' : c.type === 'gcp' ? c.project : c.region_name}
                      </span>
                    </span>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {images.map((image, row) => {
                const want = wanted(changes, image);
                const have = currentClouds(image);
                return (
                  <tr key={image.id} class={changes.has(image.id) ? 'changed' : undefined}>
                    <th scope="row">
                      <button type="button" class="link image-name" onClick={() => setDetails(image.id)}>
                        {image.name}
                      </button>
                      <span class="muted small">
                        {image.status} · {image.visibility}
                      </span>
                      <ImportProgress task={imports.get(image.id)} />
                    </th>
                    {clouds.map((cloud, col) => {
                      const location = image.locations.find((l) => l.cloud_id === cloud.id);
                      const task = location?.task_id ? tasks.get(location.task_id) : undefined;
                      const ticked = want.has(cloud.id);
                      const pending = ticked !== have.has(cloud.id);
                      const state = location ? stateOf(location.status) : null;
                      const words = pending
                        ? ticked
                          ? 'will copy'
                          : 'will remove'
                        : state
                          ? state.label
                          : 'not here';
                      const progress =
                        task && task.progress !== null
                          ? `${Math.floor(task.progress)}%${task.eta_seconds !== null ? `, ${duration(task.eta_seconds)} left` : ''}`
                          : '';
                      const id = `cell-${row}-${col}`;
                      return (
                        <td
                          key={cloud.id}
                          class={`cell ${state?.tone ?? 'none'}${pending ? ' pending' : ''}`}
                        >
                          <label for={id}>
                            <input
                              id={id}
                              type="checkbox"
                              checked={ticked}
                              data-row={row}
                              data-col={col}
                              aria-label={`${image.name} in ${cloud.name}`}
                              aria-describedby={`${id}-state`}
                              onChange={() => setChanges((c) => toggle(c, image, cloud.id))}
                            />
                            <span class="state" id={`${id}-state`}>
                              <span class="icon" aria-hidden="true">
                                {pending ? (ticked ? '+' : '−') : (state?.icon ?? '·')}
                              </span>
                              <span class="words">
                                {words}
                                {progress && !pending ? <span class="progress-text"> {progress}</span> : null}
                              </span>
                            </span>
                          </label>
                          {task && task.progress !== null && !pending ? (
                            <progress max={100} value={task.progress} aria-label={`Copy to ${cloud.name}`} />
                          ) : null}
                        </td>
                      );
                    })}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <nav class="pager" aria-label="Pages of images">
        <button
          type="button"
          class="ghost"
          disabled={markers.length === 0}
          onClick={() => setMarkers((m) => m.slice(0, -1))}
        >
          ← Previous
        </button>
        <span class="muted">Page {markers.length + 1}</span>
        <button
          type="button"
          class="ghost"
          disabled={!next}
          onClick={() => next && setMarkers((m) => [...m, next])}
        >
          Next →
        </button>
      </nav>
      {changes.size > 0 && (
        <div class="savebar" role="region" aria-label="Unsaved changes">
          <span>
            <strong>{changes.size}</strong> image(s) changed
          </span>
          <button type="button" class="ghost" onClick={() => setChanges(() => new Map())}>
            Discard
          </button>
          <button type="button" class="primary" disabled={saving} onClick={() => void review()}>
            {saving ? 'Checking…' : 'Save'}
          </button>
        </div>
      )}
      {plans && (
        <Dialog title="Save these changes?" onClose={() => setPlans(null)}>
          <ul class="plans">
            {plans.map((p) => (
              <li key={p.image.id}>
                <strong class="image-title">{p.image.name}</strong>
                {p.error && <p class="callout bad">{p.error}</p>}
                {p.plan && (
                  <>
                    {p.plan.add.length > 0 && <p>Copy to {p.plan.add.join(', ')}.</p>}
                    {p.plan.remove.length > 0 && p.plan.refused.length === 0 && (
                      <p class="warn-text">
                        Delete the copy in {p.plan.remove.join(', ')} from{' '}
                        {p.plan.remove.length > 1 ? 'those clouds' : 'that cloud'}.
                      </p>
                    )}
                    {p.plan.refused.length === 0 &&
                      p.plan.warnings.map((w) => (
                        <p class="warn-text" key={`w-${w.cloud}`}>
                          Note: {w.message}
                        </p>
                      ))}
                    {p.plan.refused.map((r) => (
                      <p class="callout bad" key={r.cloud}>
                        Not allowed: {r.message}
                      </p>
                    ))}
                    {p.plan.add.length === 0 && p.plan.remove.length === 0 && (
                      <p class="muted">Nothing to do.</p>
                    )}
                  </>
                )}
              </li>
            ))}
          </ul>
          {refusedCount > 0 && (
            <p class="muted">
              {refusedCount} image(s) cannot be saved as ticked and stay unsaved; the others can.
            </p>
          )}
          <div class="actions">
            <button type="button" class="ghost" onClick={() => setPlans(null)}>
              Go back
            </button>
            <button
              type="button"
              class="primary"
              disabled={saving || applicable.length === 0}
              onClick={() => void apply()}
            >
              {applicable.some((p) => (p.plan?.remove.length ?? 0) > 0) ? 'Delete and copy' : 'Copy'}
            </button>
          </div>
        </Dialog>
      )}
      {details && (
        <ImageDetails
          id={details}
          clouds={clouds ?? []}
          cloudName={cloudName}
          notify={notify}
          onClose={() => {
            setDetails(null);
            reload();
          }}
        />
      )}
    </section>
  );
}

/** The data of an image being imported: how far, and the time left. */
function ImportProgress(props: { task: TaskInfo | undefined }) {
  const t = props.task;
  if (!t) return null;
  const words =
    t.progress !== null
      ? `import ${t.progress}%${t.eta_seconds !== null ? `, ${duration(t.eta_seconds)} left` : ''}`
      : t.bytes_done > 0
        ? `import: ${bytes(t.bytes_done)} so far`
        : 'import starting';
  return (
    <span class="row-progress small">
      {words}
      {t.progress !== null && <progress max={100} value={t.progress} aria-label="Import" />}
    </span>
  );
}
