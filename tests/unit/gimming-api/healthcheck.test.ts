/**
 * /healthcheck as oslo.middleware answers it (text, JSON, detailed JSON, HEAD, the disable file), and the
 * conductor check: one ping for many polls, its outcome cached, only a missing answer counting as down.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Router from '@koa/router';
import Koa from 'koa';
import { GimmingError, unavailable } from '../../../src/common/errors';
import {
  CONDUCTOR_UNREACHABLE,
  ConductorCheck,
  DISABLED_BY_FILE,
  type HealthCheck,
  Healthcheck,
  disableByFileCheck,
  messagingCheck,
} from '../../../src/gimming-api/healthcheck';
import { setupLogging } from '../../../src/common/log';

const ANSWER = { host: 'conductor-1', rpc_version: '1.5' };

describe('gimming-api healthcheck', () => {
  // What these log (warnings on purpose) is not the test's output.
  before(() => setupLogging('gimming', false, new Writable({ write: (_chunk, _enc, done) => done() })));
  after(() => setupLogging('gimming', false));

  describe('the conductor check', () => {
    let clock = 0;
    const now = () => clock;

    beforeEach(() => {
      clock = 1_000_000;
    });

    it('sends one ping for polls that come while it is under way, and reuses the answer for the cache time', async () => {
      let pings = 0;
      let answer: () => void = () => undefined;
      const check = new ConductorCheck(
        () => {
          pings += 1;
          return new Promise((resolve) => (answer = () => resolve(ANSWER)));
        },
        5000,
        () => true,
        now,
      );
      const polls = [check.run(), check.run(), check.run()];
      answer();
      for (const result of await Promise.all(polls)) assert.equal(result.available, true);
      assert.equal(pings, 1);
      clock += 4999;
      assert.equal((await check.run()).available, true);
      assert.equal(pings, 1, 'still cached');
      clock += 1;
      const again = check.run();
      answer();
      await again;
      assert.equal(pings, 2, 'pinged again once the cache time passed');
    });

    it('reports the conductor unreachable when no conductor answers, and caches that too', async () => {
      let pings = 0;
      const check = new ConductorCheck(
        async () => {
          pings += 1;
          throw unavailable('gimming.rpc.timeout', 'No reply from the conductor service to ping within 2 s.');
        },
        5000,
        () => true,
        now,
      );
      const result = await check.run();
      assert.equal(result.available, false);
      assert.equal(result.reason, CONDUCTOR_UNREACHABLE);
      assert.match(result.details, /gimming\.rpc\.timeout: No reply/);
      await check.run();
      assert.equal(pings, 1);
    });

    it('counts any answer as a conductor, even a refusal (an older conductor without ping)', async () => {
      const check = new ConductorCheck(
        async () => {
          throw new GimmingError(
            'gimming.rpc.unsupported_version',
            400,
            'conductor API 1.4 cannot serve ping',
          );
        },
        0,
        () => true,
        now,
      );
      const result = await check.run();
      assert.equal(result.available, true);
      assert.match(result.details, /unsupported_version/);
    });

    it('sends nothing while the messaging service is unreachable', async () => {
      let pings = 0;
      const check = new ConductorCheck(
        async () => {
          pings += 1;
          return ANSWER;
        },
        0,
        () => false,
        now,
      );
      const result = await check.run();
      assert.equal(result.available, false);
      assert.equal(result.reason, CONDUCTOR_UNREACHABLE);
      assert.equal(pings, 0);
    });
  });

  describe('the answer', () => {
    let server: Server | undefined;
    let dir: string;

    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'gimming-healthcheck-'));
    });

    afterEach(async () => {
      await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
      server = undefined;
      rmSync(dir, { recursive: true, force: true });
    });

    async function serve(checks: HealthCheck[], detailed = false): Promise<string> {
      const app = new Koa();
      const router = new Router();
      router.get('/healthcheck', new Healthcheck(checks, detailed).handler());
      app.use(router.routes());
      const listening = http.createServer(app.callback());
      server = listening;
      await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(listening.address() as AddressInfo).port}/healthcheck`;
    }

    const get = async (url: string, accept?: string, method = 'GET') => {
      const res = await fetch(url, { method, headers: accept ? { Accept: accept } : {} });
      return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
    };

    it('is 200 OK as text unless JSON is preferred, 204 to HEAD', async () => {
      const url = await serve([disableByFileCheck(null), messagingCheck(() => true)]);
      for (const accept of [undefined, '*/*', 'text/plain', 'text/html', 'text/plain, application/json']) {
        const res = await get(url, accept);
        assert.equal(res.status, 200, String(accept));
        assert.equal(res.text, 'OK', String(accept));
        assert.match(res.type, /^text\/plain/, String(accept));
      }
      for (const accept of ['application/json', 'text/plain;q=0.5, application/json']) {
        const res = await get(url, accept);
        assert.equal(res.status, 200);
        assert.match(res.type, /^application\/json/);
        assert.deepEqual(JSON.parse(res.text), { detailed: false, reasons: ['OK'] });
      }
      const head = await get(url, undefined, 'HEAD');
      assert.equal(head.status, 204);
      assert.equal(head.text, '');
    });

    it('is 503 with the reasons of the failing checks only', async () => {
      const file = join(dir, 'disable');
      writeFileSync(file, '');
      const url = await serve([
        disableByFileCheck(file),
        messagingCheck(() => false),
        disableByFileCheck(null),
      ]);
      const res = await get(url);
      assert.equal(res.status, 503);
      assert.equal(res.text, `${DISABLED_BY_FILE}\nThe messaging service is unreachable.`);
      const json = await get(url, 'application/json');
      assert.equal(json.status, 503);
      assert.deepEqual(JSON.parse(json.text), {
        detailed: false,
        reasons: [DISABLED_BY_FILE, 'The messaging service is unreachable.'],
      });
      assert.equal((await get(url, undefined, 'HEAD')).status, 503);
      rmSync(file);
      assert.equal((await get(url)).status, 503, 'the messaging service is still down');
    });

    it('follows the disable file as it comes and goes', async () => {
      const file = join(dir, 'disable');
      const url = await serve([disableByFileCheck(file)]);
      assert.equal((await get(url)).status, 200);
      writeFileSync(file, '');
      assert.deepEqual(await get(url), {
        status: 503,
        type: 'text/plain; charset=utf-8',
        text: DISABLED_BY_FILE,
      });
      rmSync(file);
      assert.equal((await get(url)).text, 'OK');
    });

    it('gives every check with its details in detailed mode', async () => {
      const file = join(dir, 'disable');
      const url = await serve([disableByFileCheck(file), messagingCheck(() => true)], true);
      const res = await get(url, 'application/json');
      assert.equal(res.status, 200);
      const body = JSON.parse(res.text);
      assert.equal(body.detailed, true);
      assert.deepEqual(body.reasons, [
        { reason: 'OK', details: `Path '${file}' was not found.`, class: 'disable_by_file' },
        { reason: 'OK', details: 'Connected to the messaging service.', class: 'messaging' },
      ]);
      assert.equal(typeof body.now, 'string');
      assert.equal(body.node_version, process.version);
      assert.equal(typeof body.memory.rss, 'number');
      assert.equal((await get(url)).text, 'OK', 'text stays short');
    });
  });
});
