/**
 * The metrics of each daemon, read as Prometheus reads them: the database gauges of the conductor filled
 * in the scrape that asks for them (one query for both zone gauges), method labels that stay bounded, the
 * agent's staging gauge and byte counters, and the listener that serves them.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveMetrics } from '../../../src/common/metrics';
import { AgentMetrics } from '../../../src/gimming-agent/metrics';
import { ConductorMetrics, type ConductorMetricsSource } from '../../../src/gimming-conductor/metrics';
import { setupLogging } from '../../../src/common/log';
import { Scrape } from '../../support/prometheus';

describe('metrics', () => {
  // What these log (warnings on purpose) is not the test's output.
  before(() => setupLogging('gimming', false, new Writable({ write: (_chunk, _enc, done) => done() })));
  after(() => setupLogging('gimming', false));

  describe('gimming-conductor', () => {
    it('reads the database in the scrape that asks, once for both zone gauges', async () => {
      let zoneQueries = 0;
      let alive = 1;
      const source: ConductorMetricsSource = {
        taskCounts: async () => [
          { type: 'copy', status: 'succeeded', count: 3 },
          { type: 'import', status: 'failed', count: 1 },
        ],
        zoneSummary: async () => {
          zoneQueries += 1;
          await new Promise((r) => setTimeout(r, 10));
          return [
            { zone: 'zone-a', alive, lastHeartbeatAt: new Date(Date.now() - 4000) },
            { zone: 'zone-c', alive: 0, lastHeartbeatAt: null },
          ];
        },
      };
      const metrics = new ConductorMetrics(source);
      let scrape = Scrape.parse(await metrics.registry.metrics());
      assert.equal(zoneQueries, 1);
      assert.equal(scrape.value('gimming_agents_alive', { zone: 'zone-a' }), 1);
      assert.equal(scrape.value('gimming_agents_alive', { zone: 'zone-c' }), 0);
      const age = scrape.value('gimming_zone_last_heartbeat_age_seconds', { zone: 'zone-a' });
      assert.ok(age >= 4 && age < 6, String(age));
      assert.equal(scrape.find('gimming_zone_last_heartbeat_age_seconds', { zone: 'zone-c' }).length, 0);
      assert.equal(scrape.value('gimming_tasks', { type: 'copy', status: 'succeeded' }), 3);
      assert.equal(scrape.value('gimming_tasks', { type: 'import', status: 'failed' }), 1);
      assert.equal(
        scrape.value('gimming_tasks', { type: 'delete', status: 'running' }),
        0,
        'known pairs at 0',
      );
      assert.equal(scrape.find('gimming_tasks').length, 18);

      alive = 2;
      scrape = Scrape.parse(await metrics.registry.metrics());
      assert.equal(zoneQueries, 2);
      assert.equal(scrape.value('gimming_agents_alive', { zone: 'zone-a' }), 2, 'not the previous scrape');
    });

    it('keeps the last values when the database cannot be read', async () => {
      let fail = false;
      const metrics = new ConductorMetrics({
        taskCounts: async () => {
          if (fail) throw new Error('gone');
          return [{ type: 'copy', status: 'pending', count: 7 }];
        },
        zoneSummary: async () => {
          if (fail) throw new Error('gone');
          return [{ zone: 'zone-a', alive: 1, lastHeartbeatAt: new Date() }];
        },
      });
      await metrics.registry.metrics();
      fail = true;
      const scrape = Scrape.parse(await metrics.registry.metrics());
      assert.equal(scrape.value('gimming_tasks', { type: 'copy', status: 'pending' }), 7);
      assert.equal(scrape.value('gimming_agents_alive', { zone: 'zone-a' }), 1);
    });

    it('counts RPC messages by method and outcome, a method it lacks as unknown', async () => {
      const metrics = new ConductorMetrics({ taskCounts: async () => [], zoneSummary: async () => [] });
      metrics.observeRpc('create_image', 'ok', 0.02);
      metrics.observeRpc('create_image', 'refused', 0.001);
      metrics.observeRpc('no_such_method', 'refused', 0);
      metrics.observeRpc('__proto__', 'refused', 0);
      const scrape = Scrape.parse(await metrics.registry.metrics());
      const name = 'gimming_conductor_rpc_requests_total';
      assert.equal(scrape.value(name, { method: 'create_image', outcome: 'ok' }), 1);
      assert.equal(scrape.value(name, { method: 'create_image', outcome: 'refused' }), 1);
      assert.equal(scrape.value(name, { method: 'unknown', outcome: 'refused' }), 2);
      assert.equal(
        scrape.value('gimming_conductor_rpc_duration_seconds_count', {
          method: 'create_image',
          outcome: 'ok',
        }),
        1,
      );
    });
  });

  describe('gimming-agent', () => {
    it('reads the staging area at each scrape and counts bytes per direction from 0', async () => {
      const staging = { usedBytes: 100, maxBytes: 1000 };
      const metrics = new AgentMetrics('zone-a', staging);
      let scrape = Scrape.parse(await metrics.registry.metrics());
      assert.equal(scrape.value('gimming_agent_staging_bytes', { zone: 'zone-a' }), 100);
      assert.equal(scrape.value('gimming_agent_staging_max_bytes', { zone: 'zone-a' }), 1000);
      for (const direction of ['in', 'out', 'staged']) {
        assert.equal(scrape.value('gimming_agent_bytes_copied_total', { direction, zone: 'zone-a' }), 0);
      }
      assert.equal(scrape.value('gimming_agent_heartbeats_sent_total', { zone: 'zone-a' }), 0);
      staging.usedBytes = 42;
      metrics.bytes('in', 10);
      metrics.bytes('in', 5);
      metrics.copyFinished(15, 0.5);
      metrics.heartbeatSent();
      scrape = Scrape.parse(await metrics.registry.metrics());
      assert.equal(scrape.value('gimming_agent_staging_bytes', { zone: 'zone-a' }), 42);
      assert.equal(scrape.value('gimming_agent_bytes_copied_total', { direction: 'in', zone: 'zone-a' }), 15);
      assert.equal(
        scrape.value('gimming_agent_copy_throughput_bytes_per_second_sum', { zone: 'zone-a' }),
        30,
      );
      assert.equal(scrape.value('gimming_agent_heartbeats_sent_total', { zone: 'zone-a' }), 1);
      assert.equal(scrape.value('gimming_build_info', { daemon: 'gimming-agent' }), 1);
    });
  });

  describe('the listener', () => {
    let server: Server;
    let base: string;

    before(async () => {
      const metrics = new AgentMetrics('zone-a', { usedBytes: 0, maxBytes: 0 });
      server = await serveMetrics(metrics.registry, '127.0.0.1', 0);
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });

    after(async () => {
      await new Promise((resolve) => server.close(resolve));
    });

    it('answers GET /metrics in the text format, and nothing else', async () => {
      const res = await fetch(`${base}/metrics`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
      const scrape = Scrape.parse(await res.text());
      assert.equal(scrape.types.get('process_cpu_seconds_total'), 'counter');
      assert.equal(scrape.types.get('gimming_agent_copy_throughput_bytes_per_second'), 'histogram');
      assert.equal((await fetch(`${base}/metrics?x=1`)).status, 200);
      assert.equal((await fetch(`${base}/`)).status, 404);
      assert.equal((await fetch(`${base}/healthcheck`)).status, 404);
      assert.equal((await fetch(`${base}/metrics`, { method: 'POST' })).status, 405);
      const head = await fetch(`${base}/metrics`, { method: 'HEAD' });
      assert.equal(head.status, 200);
      assert.equal(await head.text(), '');
    });

    it('refuses to start on a port already taken', async () => {
      const metrics = new AgentMetrics('zone-a', { usedBytes: 0, maxBytes: 0 });
      const port = (server.address() as AddressInfo).port;
      await assert.rejects(serveMetrics(metrics.registry, '127.0.0.1', port), /EADDRINUSE/);
    });
  });
});
