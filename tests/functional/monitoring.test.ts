/**
 * What an operator watches, through the real daemons: each daemon's Prometheus metrics after real work
 * (a sync between the two Glance zones, an upload through the staging area), and the API's /healthcheck
 * when the conductor stops and comes back, and while a disable file drains the API.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import nodeHttp from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DaemonSet } from '../support/daemons';
import { waitForTasks } from '../support/flows';
import { http, waitFor } from '../support/http';
import type { Glance, Token } from '../support/openstack';
import { type Scrape, scrape } from '../support/prometheus';
import { freePort, useStack } from '../support/stack';

/** The metrics ports, picked free at start. */
const METRICS = { api: 0, conductor: 0, 'zone-a': 0, 'zone-b': 0 };
/** A file already in zone-a's staging area when its agent starts (left by an earlier run). */
const LEFT_STAGED_BYTES = 12345;

describe('monitoring: metrics and healthcheck', function () {
  this.timeout(180000);
  let daemons: DaemonSet;
  let api: string;
  let demo: Token;
  let glanceA: Glance;
  let disableFile: string;
  let scratch: string;

  const metricsUrl = (daemon: keyof typeof METRICS) => `http://127.0.0.1:${METRICS[daemon]}/metrics`;
  const scrapeAll = async () => {
    const [apiM, conductor, a, b] = await Promise.all([
      scrape(metricsUrl('api')),
      scrape(metricsUrl('conductor')),
      scrape(metricsUrl('zone-a')),
      scrape(metricsUrl('zone-b')),
    ]);
    return { api: apiM, conductor, 'zone-a': a, 'zone-b': b };
  };

  // The metrics ports too are picked free, before the stack is made.
  before(async () => {
    for (const daemon of Object.keys(METRICS) as Array<keyof typeof METRICS>)
      METRICS[daemon] = await freePort();
    scratch = mkdtempSync(join(tmpdir(), 'gimming-monitoring-'));
    disableFile = join(scratch, 'healthcheck-disable');
  });

  const stack = useStack({
    extraConfig: () => `
[metrics]
enabled = true
api_port = ${METRICS.api}
conductor_port = ${METRICS.conductor}

[healthcheck]
disable_by_file_path = ${disableFile}
conductor_timeout = 1
conductor_cache_time = 1
`,
    agentEnv: () => ({
      'zone-a': { OS_METRICS__AGENT_PORT: String(METRICS['zone-a']) },
      'zone-b': { OS_METRICS__AGENT_PORT: String(METRICS['zone-b']) },
    }),
    beforeStart: (s) => {
      mkdirSync(s.daemons.stagingDir('zone-a'), { recursive: true });
      writeFileSync(join(s.daemons.stagingDir('zone-a'), randomUUID()), Buffer.alloc(LEFT_STAGED_BYTES));
    },
    // A conductor left stopped by a failed test would never see the SIGTERM.
    beforeStop: (s) => void s.daemons.process('conductor')?.kill('SIGCONT'),
  });

  before(() => {
    ({ daemons, api, demo } = stack);
    glanceA = stack.glance('zone-a');
  });

  after(async function () {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  /** GET or HEAD /healthcheck with an Accept header. */
  const health = (accept = 'text/plain', method = 'GET') =>
    http(method, `${api}/healthcheck`, { headers: { Accept: accept } });

  describe('metrics', () => {
    it('counts a sync in every daemon: requests, RPC, tasks, gRPC calls, bytes each way, throughput', async () => {
      const before = await scrapeAll();
      const size = 3 * 1024 * 1024 + 4321;
      const { image: source } = await glanceA.createWithData(size);
      const created = await http('POST', `${api}/v1/images`, {
        token: demo.id,
        json: { source: { cloud: 'zone-a', image_id: source.id }, targets: ['zone-b'] },
      });
      assert.equal(created.status, 202, created.text);
      const [task] = await waitForTasks(api, demo.id, created.body.id);
      assert.equal(task.status, 'succeeded', JSON.stringify(task.error));
      // Refused before any route runs, and no route at all.
      assert.equal((await http('GET', `${api}/v1/images`)).status, 401);
      assert.equal(
        (await http('GET', `${api}/v1/images/${created.body.id}/nothing`, { token: demo.id })).status,
        404,
      );
      // Two heartbeat intervals ([agent] heartbeat_interval = 2): heartbeats between the scrapes, however
      // quick the sync was.
      await new Promise((r) => setTimeout(r, 4500));
      const after = await scrapeAll();
      const delta = (m: Scrape, b: Scrape, name: string, labels: Record<string, string>) =>
        m.sum(name, labels) - b.sum(name, labels);

      // gimming-api: by method, route template and status.
      const requests = 'gimming_api_http_requests_total';
      const post = { method: 'POST', route: '/v1/images', status: '202' };
      assert.equal(delta(after.api, before.api, requests, post), 1, 'POST /v1/images 202');
      assert.ok(
        delta(after.api, before.api, requests, { method: 'GET', route: '/v1/tasks', status: '200' }) >= 1,
      );
      assert.equal(
        delta(after.api, before.api, requests, { method: 'GET', route: '/v1/images', status: '401' }),
        1,
        'a request refused before its route ran still counts under its route',
      );
      assert.equal(
        delta(after.api, before.api, requests, { method: 'GET', route: 'unmatched', status: '404' }),
        1,
      );
      assert.equal(
        after.api.find(requests).filter((s) => s.labels.route?.includes(created.body.id)).length,
        0,
        'never a raw path',
      );
      assert.equal(delta(after.api, before.api, 'gimming_api_http_request_duration_seconds_count', post), 1);
      assert.equal(after.api.types.get('gimming_api_http_request_duration_seconds'), 'histogram');

      // gimming-conductor: RPC by method and outcome; tasks and agents from the database.
      const rpc = 'gimming_conductor_rpc_requests_total';
      assert.equal(
        delta(after.conductor, before.conductor, rpc, { method: 'create_image', outcome: 'ok' }),
        1,
      );
      assert.ok(
        delta(after.conductor, before.conductor, rpc, { method: 'agent_heartbeat', outcome: 'ok' }) > 0,
      );
      assert.ok(
        after.conductor.sum('gimming_conductor_rpc_duration_seconds_count', { method: 'create_image' }) >= 1,
      );
      assert.equal(
        delta(after.conductor, before.conductor, 'gimming_tasks', { type: 'copy', status: 'succeeded' }),
        1,
      );
      assert.equal(after.conductor.value('gimming_tasks', { type: 'copy', status: 'running' }), 0);
      for (const zone of ['zone-a', 'zone-b']) {
        assert.equal(after.conductor.value('gimming_agents_alive', { zone }), 1, zone);
        const age = after.conductor.value('gimming_zone_last_heartbeat_age_seconds', { zone });
        assert.ok(age >= 0 && age < 10, `${zone}: last heartbeat ${age} s ago (every 2 s)`);
      }

      // The agents: the target pulled and uploaded every byte, the source served every byte.
      const bytes = 'gimming_agent_bytes_copied_total';
      assert.equal(
        delta(after['zone-b'], before['zone-b'], bytes, { direction: 'in', zone: 'zone-b' }),
        size,
      );
      assert.equal(
        delta(after['zone-a'], before['zone-a'], bytes, { direction: 'out', zone: 'zone-a' }),
        size,
      );
      assert.equal(delta(after['zone-a'], before['zone-a'], bytes, { direction: 'in' }), 0);
      assert.equal(delta(after['zone-b'], before['zone-b'], bytes, { direction: 'out' }), 0);
      const throughput = 'gimming_agent_copy_throughput_bytes_per_second';
      assert.equal(delta(after['zone-b'], before['zone-b'], `${throughput}_count`, { zone: 'zone-b' }), 1);
      assert.ok(delta(after['zone-b'], before['zone-b'], `${throughput}_sum`, { zone: 'zone-b' }) > 0);
      const grpc = 'gimming_agent_grpc_requests_total';
      assert.equal(delta(after['zone-b'], before['zone-b'], grpc, { method: 'CopyImage', code: 'OK' }), 1);
      assert.equal(delta(after['zone-a'], before['zone-a'], grpc, { method: 'ReadImage', code: 'OK' }), 1);
      assert.ok(delta(after['zone-a'], before['zone-a'], grpc, { method: 'DescribeImage', code: 'OK' }) >= 1);
      for (const zone of ['zone-a', 'zone-b'] as const) {
        assert.ok(after[zone].value('gimming_agent_heartbeats_sent_total', { zone }) > 0, zone);
        assert.equal(after[zone].value('gimming_agent_heartbeat_failures_total', { zone }), 0, zone);
      }
      assert.equal(
        after['zone-a'].value('gimming_agent_staging_bytes', { zone: 'zone-a' }),
        LEFT_STAGED_BYTES,
      );
      assert.equal(after['zone-b'].value('gimming_agent_staging_bytes', { zone: 'zone-b' }), 0);

      // Every daemon: the default process metrics, and which daemon and version it is.
      for (const [daemon, m] of Object.entries(after)) {
        for (const name of [
          'process_resident_memory_bytes',
          'process_cpu_seconds_total',
          'nodejs_eventloop_lag_seconds',
        ]) {
          assert.equal(m.find(name).length, 1, `${daemon}: ${name}`);
        }
        const kind = daemon.startsWith('zone') ? 'agent' : daemon;
        assert.equal(m.value('gimming_build_info', { daemon: `gimming-${kind}` }), 1, daemon);
      }
    });

    it('shows an upload in the staging gauge while it arrives, and the staging area emptied after', async () => {
      const size = 2 * 1024 * 1024 + 99;
      const data = randomBytes(size);
      const created = await http('POST', `${api}/v1/images`, {
        token: demo.id,
        json: { name: 'staged', disk_format: 'raw', container_format: 'bare', targets: ['zone-b'] },
      });
      assert.equal(created.status, 201, created.text);
      const before = await scrape(metricsUrl('zone-b'));
      assert.equal(before.value('gimming_agent_staging_bytes', { zone: 'zone-b' }), 0);
      assert.equal(before.value('gimming_agent_staging_max_bytes', { zone: 'zone-b' }), 10737418240);

      // Half the body is sent, and the rest held back until the gauge shows the upload.
      let finish: () => void = () => undefined;
      const put = new Promise<number>((resolve, reject) => {
        const req = nodeHttp.request(
          `${api}/v1/images/${created.body.id}/file`,
          {
            method: 'PUT',
            headers: {
              'X-Auth-Token': demo.id,
              'Content-Type': 'application/octet-stream',
              'Content-Length': size,
            },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', reject);
        req.write(data.subarray(0, size / 2));
        finish = () => req.end(data.subarray(size / 2));
      });
      try {
        const reserved = await waitFor('the upload to show in the staging gauge', async () => {
          const value = (await scrape(metricsUrl('zone-b'))).value('gimming_agent_staging_bytes', {
            zone: 'zone-b',
          });
          return value > 0 ? value : undefined;
        });
        assert.equal(reserved, size, 'an upload under way holds its declared size');
      } finally {
        finish();
      }
      assert.equal(await put, 204);
      const [task] = await waitForTasks(api, demo.id, created.body.id);
      assert.equal(task.status, 'succeeded', JSON.stringify(task.error));
      const emptied = await waitFor('the staging area to be emptied', async () => {
        const m = await scrape(metricsUrl('zone-b'));
        return m.value('gimming_agent_staging_bytes', { zone: 'zone-b' }) === 0 ? m : undefined;
      });
      const bytes = 'gimming_agent_bytes_copied_total';
      assert.equal(
        emptied.sum(bytes, { direction: 'staged' }) - before.sum(bytes, { direction: 'staged' }),
        size,
      );
      // The copy read the agent's own staging area: into zone-b, nothing served to another agent.
      assert.equal(emptied.sum(bytes, { direction: 'in' }) - before.sum(bytes, { direction: 'in' }), size);
      assert.equal(emptied.sum(bytes, { direction: 'out' }) - before.sum(bytes, { direction: 'out' }), 0);
      const grpc = 'gimming_agent_grpc_requests_total';
      assert.equal(
        emptied.sum(grpc, { method: 'WriteStaging', code: 'OK' }) -
          before.sum(grpc, { method: 'WriteStaging', code: 'OK' }),
        1,
      );
    });

    it('is served on its own port, without a token, and not by the API', async () => {
      const onApi = await http('GET', `${api}/metrics`);
      assert.equal(onApi.status, 404, 'the public API does not serve the metrics');
      const res = await fetch(metricsUrl('api'));
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
      assert.equal((await fetch(`http://127.0.0.1:${METRICS.api}/v1/images`)).status, 404);
      assert.equal((await fetch(metricsUrl('conductor'), { method: 'POST' })).status, 405);
    });
  });

  describe('healthcheck', () => {
    it('answers OK as text by default, as JSON when asked, and 204 to HEAD', async () => {
      const text = await health('text/plain');
      assert.equal(text.status, 200);
      assert.equal(text.text, 'OK');
      assert.match(text.headers.get('content-type') ?? '', /^text\/plain/);
      assert.equal((await health('*/*')).text, 'OK');
      const json = await health('application/json');
      assert.equal(json.status, 200);
      assert.deepEqual(json.body, { detailed: false, reasons: ['OK'] });
      assert.equal((await health('text/plain', 'HEAD')).status, 204);
    });

    it('pings the conductor once for many polls at once', async () => {
      const count = async () =>
        (await scrape(metricsUrl('conductor'))).sum('gimming_conductor_rpc_requests_total', {
          method: 'ping',
        });
      const before = await count();
      await new Promise((r) => setTimeout(r, 1100)); // past [healthcheck] conductor_cache_time
      const answers = await Promise.all(Array.from({ length: 30 }, () => health()));
      assert.ok(answers.every((a) => a.status === 200));
      const pings = (await count()) - before;
      assert.equal(pings, 1, `${pings} pings for 30 polls`);
    });

    it('answers 503 naming the conductor while it is stopped, and 200 once it is back', async () => {
      const conductor = daemons.process('conductor');
      assert.ok(conductor);
      conductor.kill('SIGSTOP');
      try {
        const down = await waitFor(
          'the healthcheck to fail',
          async () => {
            const res = await health();
            return res.status === 503 ? res : undefined;
          },
          15000,
        );
        assert.equal(down.text, 'The conductor is unreachable.');
        const json = await health('application/json');
        assert.equal(json.status, 503);
        assert.deepEqual(json.body, { detailed: false, reasons: ['The conductor is unreachable.'] });
        assert.equal((await health('text/plain', 'HEAD')).status, 503);
      } finally {
        conductor.kill('SIGCONT');
      }
      await waitFor('the healthcheck to pass again', async () =>
        (await health()).status === 200 ? true : undefined,
      );
      assert.equal((await health()).text, 'OK');
    });

    it('answers 503 while the conductor is gone, and 200 once a new one runs', async () => {
      const conductor = daemons.process('conductor');
      assert.ok(conductor);
      const exited = new Promise((resolve) => conductor.once('exit', resolve));
      conductor.kill('SIGKILL');
      await exited;
      const down = await waitFor('the healthcheck to fail', async () => {
        const res = await health();
        return res.status === 503 ? res : undefined;
      });
      assert.match(down.text, /conductor/);
      daemons.spawn('conductor', 'gimming-conductor', {});
      await waitFor('the healthcheck to pass again', async () =>
        (await health()).status === 200 ? true : undefined,
      );
      // The new conductor serves its metrics on the same port.
      const m = await scrape(metricsUrl('conductor'));
      assert.ok(m.sum('gimming_conductor_rpc_requests_total', { method: 'ping', outcome: 'ok' }) >= 1);
    });

    it('answers 503 DISABLED BY FILE while the disable file exists, and 200 once it is gone', async () => {
      writeFileSync(disableFile, '');
      try {
        const text = await health();
        assert.equal(text.status, 503);
        assert.equal(text.text, 'DISABLED BY FILE');
        const json = await health('application/json');
        assert.equal(json.status, 503);
        assert.deepEqual(json.body, { detailed: false, reasons: ['DISABLED BY FILE'] });
        assert.equal((await health('text/plain', 'HEAD')).status, 503);
        // Draining: the API itself still works.
        assert.equal((await http('GET', `${api}/v1/images`, { token: demo.id })).status, 200);
      } finally {
        rmSync(disableFile, { force: true });
      }
      const back = await health();
      assert.equal(back.status, 200);
      assert.equal(back.text, 'OK');
    });
  });
});
