/**
 * Prometheus metrics: one registry per daemon (prom-client), with the process metrics every Node.js
 * exporter has (memory, CPU, event loop, GC), and an HTTP listener of its own that answers GET /metrics
 * in the text exposition format.
 *
 * The listener is apart from the REST API and the agent gRPC port ([metrics] bind_host and the daemon's
 * port): it needs no token, so it belongs on a management network, and a scrape never competes with
 * requests in the API's own middleware.
 */
import http from 'node:http';
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { GimmingConfig } from './config/schema';
import { describeError } from './errors';
import { getLogger } from './log';
import { VERSION } from './version';

export type DaemonKind = 'api' | 'conductor' | 'agent';

/** Buckets (seconds) for how long a request or call takes: from a cache hit to a long upload. */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900];

/** A daemon's registry, with the default process metrics and gimming_build_info. */
export function createRegistry(daemon: DaemonKind): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const info = new Gauge({
    name: 'gimming_build_info',
    help: 'Always 1; the labels name the daemon and the GIMinG version it runs.',
    labelNames: ['daemon', 'version'],
    registers: [registry],
  });
  info.set({ daemon: `gimming-${daemon}`, version: VERSION }, 1);
  return registry;
}

/** The port of this daemon's metrics listener. */
export function metricsPort(config: GimmingConfig, daemon: DaemonKind): number {
  const m = config.metrics;
  return daemon === 'api' ? m.api_port : daemon === 'conductor' ? m.conductor_port : m.agent_port;
}

/**
 * Serves `registry` at GET (and HEAD) /metrics; every other path is 404, every other method 405. Resolves
 * once listening, rejects when the port cannot be bound (the daemon then stops: metrics were asked for).
 */
export async function serveMetrics(registry: Registry, host: string, port: number): Promise<http.Server> {
  const log = getLogger('metrics');
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not Found\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { 'Content-Type': 'text/plain', Allow: 'GET, HEAD' }).end('Method Not Allowed\n');
      return;
    }
    registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'Content-Type': registry.contentType });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (err: unknown) => {
        log.warn({ err: describeError(err) }, 'could not collect the metrics');
        res.writeHead(500, { 'Content-Type': 'text/plain' }).end('The metrics could not be collected.\n');
      },
    );
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  log.info({ bind: `${host}:${port}` }, 'metrics listener started');
  return server;
}

/** Starts the metrics listener when [metrics] enabled is set; returns a function that closes it. */
export async function startMetrics(
  config: GimmingConfig,
  daemon: DaemonKind,
  registry: Registry,
): Promise<() => Promise<void>> {
  if (!config.metrics.enabled) return async () => undefined;
  const server = await serveMetrics(registry, config.metrics.bind_host, metricsPort(config, daemon));
  return () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
}
