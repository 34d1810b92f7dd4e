/**
 * The control API for tests, on the compute port under /_standin/ (loopback only, no token):
 *   GET    /_standin/health                 {"status":"ok", projects, buckets, serviceAccounts}
 *   POST   /_standin/faults                 {"method","project"?,"count"?,"status"?,"message"?,"reason"?}
 *                                           or {"method","operation":true,"project"?,"count"?,"code"?,"message"?}
 *   GET    /_standin/faults                 the faults still pending
 *   DELETE /_standin/faults                 forget them all
 *   PUT    /_standin/operations             {"insertMs"?,"otherMs"?}: how long operations started from now
 *                                           on take (a slow images.insert, to be seen at work or cancelled)
 *   GET    /_standin/state[?project=P]      images (with policy and what their raw disk held), operations,
 *                                           objects and open upload sessions, so a test can check bytes
 *                                           and that nothing is left
 */
import type http from 'node:http';
import type { StandinConfig } from './config';
import { sendJson } from './errors';
import type { Faults } from './faults';
import { readJson } from './http-util';
import type { ServiceAccount } from './service-accounts';
import type { Store } from './state';

export interface ControlServices {
  config: StandinConfig;
  store: Store;
  faults: Faults;
  accounts: Map<string, ServiceAccount>;
}

export async function handleControl(
  svc: ControlServices,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://x');
  const path = url.pathname;
  try {
    if (path === '/_standin/health' && req.method === 'GET') {
      sendJson(res, 200, {
        status: 'ok',
        projects: svc.config.projects,
        buckets: svc.config.buckets,
        serviceAccounts: [...svc.accounts.values()].map((a) => ({
          email: a.email,
          projects: a.projects,
          keyFile: a.keyFile,
        })),
      });
    } else if (path === '/_standin/faults') {
      if (req.method === 'GET')
        sendJson(res, 200, { calls: svc.faults.calls, operations: svc.faults.operations });
      else if (req.method === 'DELETE') {
        svc.faults.clear();
        sendJson(res, 204, null);
      } else if (req.method === 'POST')
        sendJson(res, 201, svc.faults.add((await readJson(req)) as Record<string, unknown>));
      else sendJson(res, 405, { error: 'method not allowed' });
    } else if (path === '/_standin/operations' && req.method === 'PUT') {
      const body = (await readJson(req)) as Record<string, unknown>;
      const ops = svc.config.operations;
      for (const k of ['insertMs', 'otherMs'] as const) {
        const v = body[k];
        if (v === undefined) continue;
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 3_600_000)
          throw new Error(`${k} must be a whole number of milliseconds, 0 to 3600000`);
        ops[k] = v;
      }
      sendJson(res, 200, { insertMs: ops.insertMs, otherMs: ops.otherMs });
    } else if (path === '/_standin/state' && req.method === 'GET') {
      const project = url.searchParams.get('project');
      const buckets = svc.config.buckets.filter((b) => !project || b.project === project).map((b) => b.name);
      sendJson(res, 200, {
        images: [...svc.store.images.values()].filter((i) => !project || i.project === project),
        operations: [...svc.store.operations.values()]
          .filter((o) => !project || o.project === project)
          .map((o) => ({ project: o.project, ...o.op })),
        objects: [...svc.store.objects.values()].filter((o) => buckets.includes(o.bucket)),
        uploads: [...svc.store.uploads.values()].filter((u) => !u.completed && buckets.includes(u.bucket)),
      });
    } else sendJson(res, 404, { error: `no control resource ${path}` });
  } catch (e) {
    sendJson(res, 400, { error: (e as Error).message });
  }
}
