/**
 * `[api] workers`: several gimming-api processes behind one address, with node's cluster module (the
 * primary holds the listening socket and hands connections to its workers in turn; each worker is a whole
 * API: its own broker connection, token cache and conductor client). The primary does no request work: it
 * starts the workers, starts a worker again when one dies, and passes SIGHUP (reload) and SIGTERM/SIGINT
 * (stop) on to them. Node 20 has no SO_REUSEPORT for `listen`, hence cluster rather than separate daemons.
 */
import cluster, { type Worker } from 'node:cluster';
import { getLogger } from '../common/log';

/** A worker that dies sooner than this after it started is started again only after a pause. */
const FLAPPING_MS = 5000;

/** True in the process that should serve requests (a worker, or the only process when workers is 1). */
export function servesRequests(workers: number): boolean {
  return workers <= 1 || !cluster.isPrimary;
}

/** In the primary: starts `workers` API processes and keeps them running until a stop signal. */
export function superviseWorkers(workers: number): void {
  const log = getLogger('api');
  let stopping = false;
  const started = new Map<number, number>();
  const fork = () => {
    const worker = cluster.fork();
    started.set(worker.id, Date.now());
  };
  cluster.on('exit', (worker: Worker, code, signal) => {
    const lived = Date.now() - (started.get(worker.id) ?? 0);
    started.delete(worker.id);
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    log.error({ worker_pid: worker.process.pid, code, signal }, 'API worker died; starting another');
    setTimeout(fork, lived < FLAPPING_MS ? FLAPPING_MS : 0);
  });
  const each = (fn: (w: Worker) => void) => Object.values(cluster.workers ?? {}).forEach((w) => w && fn(w));
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal, workers }, 'stopping API workers');
    each((w) => w.process.kill(signal));
    setTimeout(() => process.exit(1), 35000).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // bootstrap() reloads the primary's own log level; the workers reload everything else themselves.
  process.on('SIGHUP', () => each((w) => w.process.kill('SIGHUP')));
  for (let i = 0; i < workers; i++) fork();
  log.info({ workers }, 'gimming-api started its workers');
}
