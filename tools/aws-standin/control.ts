/**
 * The control API for tests, on the EC2 port under /_standin/ (loopback only, no AWS signature):
 *   GET    /_standin/health              {"status":"ok", regions, buckets}
 *   POST   /_standin/faults              {"action","service"?,"region"?,"count"?,"code","message"?,"status"?}
 *                                        or {"task":"import"|"export"|"copy","region"?,"count"?,"statusMessage"}
 *   GET    /_standin/faults              the faults still pending
 *   DELETE /_standin/faults              forget them all
 *   GET    /_standin/state[?region=R&account=A]   images, snapshots, import/export tasks, S3 objects and
 *                                        multipart uploads, so a test can check that nothing is left
 */
import type http from 'node:http';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Ec2Services } from './ec2/context';
import { readBody } from './query-endpoint';
import type { Multipart } from './s3-multipart';

function send(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** The objects in a bucket, read from s3rver's files (`<key>._S3rver_object`). */
function listObjects(root: string, bucket: string): { bucket: string; key: string; size: number }[] {
  const out: { bucket: string; key: string; size: number }[] = [];
  const base = join(root, bucket);
  const walk = (dir: string) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== '._S3rver_uploads') walk(p);
      } else if (e.name.endsWith('._S3rver_object')) {
        const rel = relative(base, p).slice(0, -'._S3rver_object'.length);
        out.push({ bucket, key: rel, size: statSync(p).size });
      }
    }
  };
  walk(base);
  return out;
}

export async function handleControl(
  svc: Ec2Services,
  multipart: Multipart,
  s3Root: string,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://x');
  const path = url.pathname;
  try {
    if (path === '/_standin/health' && req.method === 'GET') {
      send(res, 200, { status: 'ok', regions: svc.config.regions, buckets: svc.config.buckets });
    } else if (path === '/_standin/faults') {
      if (req.method === 'GET') send(res, 200, { calls: svc.faults.calls, tasks: svc.faults.tasks });
      else if (req.method === 'DELETE') {
        svc.faults.clear();
        send(res, 204, null);
      } else if (req.method === 'POST') {
        const body = JSON.parse((await readBody(req)).toString('utf8') || '{}') as Record<string, unknown>;
        const count = typeof body.count === 'number' ? body.count : 1;
        if (typeof body.task === 'string') {
          send(
            res,
            201,
            svc.faults.addTask({
              kind: body.task as 'import',
              region: body.region as string | undefined,
              remaining: count,
              statusMessage: body.statusMessage as string,
            }),
          );
        } else {
          send(
            res,
            201,
            svc.faults.addCall({
              service: body.service as 'ec2',
              action: body.action as string,
              region: body.region as string | undefined,
              remaining: count,
              code: body.code as string,
              message: body.message as string | undefined,
              status: body.status as number | undefined,
            }),
          );
        }
      } else send(res, 405, { error: 'method not allowed' });
    } else if (path === '/_standin/state' && req.method === 'GET') {
      const region = url.searchParams.get('region');
      const account = url.searchParams.get('account');
      const pick = <T extends { region: string; account: string }>(m: Map<string, T>) =>
        [...m.values()].filter(
          (r) => (!region || r.region === region) && (!account || r.account === account),
        );
      const buckets = svc.config.buckets.filter(
        (b) => (!region || b.region === region) && (!account || b.account === account),
      );
      send(res, 200, {
        images: pick(svc.store.images),
        snapshots: pick(svc.store.snapshots),
        importTasks: pick(svc.store.importTasks),
        exportTasks: pick(svc.store.exportTasks),
        objects: buckets.flatMap((b) => listObjects(s3Root, b.name)),
        multipartUploads: buckets.flatMap((b) => multipart.list(b.name)),
      });
    } else send(res, 404, { error: `no control resource ${path}` });
  } catch (e) {
    send(res, 400, { error: (e as Error).message });
  }
}
