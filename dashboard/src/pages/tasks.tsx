/** The project's work as it happens: every task's progress, outcome and reason, and cancel. */
import { useEffect, useState } from 'preact/hooks';
import { api, describe } from '../api';
import type { Notify } from '../app';
import { formatBandwidth } from '../../../src/common/bandwidth';
import { bytes, duration, when } from '../format';
import type { TaskInfo } from '../types';

/** Image names seen by the feed, for this tab's session. */
const imageNames = new Map<string, string>();

const TONES: Record<string, string> = {
  pending: 'busy',
  running: 'busy',
  succeeded: 'ok',
  failed: 'bad',
  cancelling: 'warn',
  cancelled: 'muted',
};

export function TasksPage(props: { notify: Notify }) {
  const [tasks, setTasks] = useState<TaskInfo[] | null>(null);
  const [status, setStatus] = useState('');
  const [error, setError] = useState('');
  const [tick, setTick] = useState(0);
  const [names, setNames] = useState<Map<string, string>>(new Map(imageNames));

  useEffect(() => {
    let stop = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      try {
        const list = await api.tasks({ limit: 100, sort: 'created_at:desc', ...(status ? { status } : {}) });
        if (stop) return;
        setTasks(list);
        const unknown = [...new Set(list.map((t) => t.image_id))].filter((id) => !imageNames.has(id));
        await Promise.all(
          unknown.slice(0, 20).map(async (id) => {
            // A deleted image has no name any more: its ID stands for it.
            imageNames.set(
              id,
              await api.image(id).then(
                (i) => i.name,
                () => id,
              ),
            );
          }),
        );
        if (!stop && unknown.length > 0) setNames(new Map(imageNames));
        setError('');
      } catch (err) {
        if (!stop) setError(describe(err));
      }
      if (!stop) timer = setTimeout(() => void load(), 2000);
    };
    void load();
    return () => {
      stop = true;
      if (timer) clearTimeout(timer);
    };
  }, [status, tick]);

  const cancel = async (task: TaskInfo) => {
    try {
      await api.cancelTask(task.id);
      props.notify('info', `Cancelling the ${task.type} to ${task.cloud}.`);
      setTick((t) => t + 1);
    } catch (err) {
      props.notify('bad', describe(err));
    }
  };

  return (
    <section aria-labelledby="tasks-title">
      <div class="page-head">
        <h1 id="tasks-title">Tasks</h1>
        <p class="muted">Live: copies, imports and deletions of your project, newest first.</p>
      </div>
      <form class="toolbar" onSubmit={(e) => e.preventDefault()}>
        <label>
          Status
          <select value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
            <option value="">Any</option>
            {Object.keys(TONES).map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
      </form>
      {error && (
        <p class="callout bad" role="alert">
          {error}
        </p>
      )}
      {tasks === null ? (
        !error && <p class="muted">Loading tasks…</p>
      ) : tasks.length === 0 ? (
        <p class="muted card empty">No task yet.</p>
      ) : (
        <ol class="feed" aria-label="Tasks">
          {tasks.map((t) => (
            <li key={t.id} class={`event ${TONES[t.status] ?? 'muted'}`}>
              <div class="event-head">
                <span class={`chip ${TONES[t.status] ?? 'muted'}`}>{t.status}</span>
                <strong>
                  {t.type} to {t.cloud}
                </strong>
                {t.source_cloud && <span class="muted"> from {t.source_cloud}</span>}
                <span class="muted small push">{when(t.updated_at)}</span>
              </div>
              <div class="event-body">
                <span class="small">
                  image <span class="image-title">{names.get(t.image_id) ?? t.image_id}</span>
                </span>
                {(t.status === 'running' || t.status === 'pending') && (
                  <span class="task-progress">
                    <progress
                      max={100}
                      value={t.progress ?? 0}
                      aria-label={`Progress of the ${t.type} to ${t.cloud}`}
                    />
                    <span class="small">
                      {t.progress !== null
                        ? `${Math.floor(t.progress)}%`
                        : t.bytes_done > 0
                          ? `${bytes(t.bytes_done)} so far`
                          : 'waiting'}
                      {t.bytes_total ? ` of ${bytes(t.bytes_total)}` : ''}
                      {t.eta_seconds !== null ? `, ${duration(t.eta_seconds)} left` : ''}
                    </span>
                  </span>
                )}
                {t.max_bandwidth !== undefined && (
                  <span class="small cap">capped at {formatBandwidth(t.max_bandwidth)}</span>
                )}
                {t.error && (
                  <p class="reason">
                    {t.error.message} <span class="muted small">({t.error.code})</span>
                  </p>
                )}
                {(t.status === 'running' || t.status === 'pending') && (
                  <button type="button" class="ghost small danger" onClick={() => void cancel(t)}>
                    Cancel
                  </button>
                )}
              </div>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
