/**
 * The dashboard's frame: the login (again when the token ends, keeping what was ticked), the navigation
 * between pages (hash routes, so the server only serves one page) and the notices.
 */
import { useCallback, useEffect, useState } from 'preact/hooks';
import { currentSession, describe, logout, whenExpired } from './api';
import { LoginForm } from './pages/login';
import { ImagesPage } from './pages/images';
import { UploadPage } from './pages/upload';
import { CloudsPage } from './pages/clouds';
import { TasksPage } from './pages/tasks';
import { FamiliesPage } from './pages/families';
import type { Changes } from './pages/matrix-state';
import type { Session } from './types';

const PAGES = [
  { route: 'images', title: 'Images' },
  { route: 'upload', title: 'Upload' },
  { route: 'clouds', title: 'Clouds' },
  { route: 'families', title: 'Families' },
  { route: 'tasks', title: 'Tasks' },
] as const;
type Route = (typeof PAGES)[number]['route'];

function routeFromHash(): Route {
  const name = location.hash.replace(/^#\/?/, '');
  return PAGES.find((p) => p.route === name)?.route ?? 'images';
}

export interface Notice {
  id: number;
  tone: 'ok' | 'bad' | 'info';
  text: string;
}

export type Notify = (tone: Notice['tone'], text: string) => void;

let noticeIds = 0;

export function App() {
  const [session, setSession] = useState<Session | null>(currentSession());
  const [expired, setExpired] = useState(false);
  const [route, setRoute] = useState<Route>(routeFromHash());
  const [notices, setNotices] = useState<Notice[]>([]);
  // What the user ticked and unticked, not yet saved: kept across pages and across a new login.
  const [changes, setChanges] = useState<Changes>(new Map());

  const notify = useCallback<Notify>((tone, text) => {
    const id = ++noticeIds;
    setNotices((n) => [...n.slice(-3), { id, tone, text }]);
    if (tone !== 'bad') setTimeout(() => setNotices((n) => n.filter((x) => x.id !== id)), 6000);
  }, []);

  useEffect(() => {
    const onHash = () => setRoute(routeFromHash());
    addEventListener('hashchange', onHash);
    whenExpired(() => {
      setSession(null);
      setExpired(true);
    });
    return () => removeEventListener('hashchange', onHash);
  }, []);

  useEffect(() => {
    const page = PAGES.find((p) => p.route === route);
    document.title = session ? `${page?.title ?? ''} · GIMinG` : 'Log in · GIMinG';
  }, [route, session]);

  if (!session) {
    return (
      <LoginForm
        expired={expired}
        pending={[...changes.values()].length}
        onLoggedIn={(s) => {
          setSession(s);
          setExpired(false);
        }}
      />
    );
  }

  const signOut = async () => {
    try {
      await logout();
    } catch (err) {
      notify('bad', `Logging out did not revoke the token: ${describe(err)}`);
    }
    setChanges(new Map());
    setExpired(false);
    setSession(null);
  };

  return (
    <div class="frame">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <div class="brand" aria-label="GIMinG">
          <img src="/dashboard/favicon.svg" alt="" width="28" height="28" />
          <span>GIMinG</span>
        </div>
        <nav aria-label="Pages">
          <ul>
            {PAGES.map((p) => (
              <li key={p.route}>
                <a href={`#/${p.route}`} aria-current={route === p.route ? 'page' : undefined}>
                  {p.title}
                  {p.route === 'images' && changes.size > 0 ? (
                    <span class="badge" aria-label={`${changes.size} unsaved`}>
                      {changes.size}
                    </span>
                  ) : null}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          <span>
            {session.user.name} <span class="muted">in {session.project.name}</span>
          </span>
          <button type="button" class="ghost" onClick={() => void signOut()}>
            Log out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {route === 'images' && <ImagesPage notify={notify} changes={changes} setChanges={setChanges} />}
        {route === 'upload' && <UploadPage notify={notify} />}
        {route === 'clouds' && <CloudsPage notify={notify} />}
        {route === 'families' && <FamiliesPage notify={notify} />}
        {route === 'tasks' && <TasksPage notify={notify} />}
      </main>
      <div class="notices" role="status" aria-live="polite">
        {notices.map((n) => (
          <div key={n.id} class={`notice ${n.tone}`}>
            <span>{n.text}</span>
            <button
              type="button"
              class="ghost small"
              aria-label="Dismiss"
              onClick={() => setNotices((all) => all.filter((x) => x.id !== n.id))}
            >
              ×
            </button>
          </div>
        ))}
      </div>
    </div>
  );
}
