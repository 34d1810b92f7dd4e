/**
 * The API's edge against hostile requests, with Keystone and the conductor stubbed: what has to be
 * refused is refused before it reaches the conductor, as a 4xx JSON error, and never logged as an error.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../../support/config';
import { GimmingError } from '../../../src/common/errors';
import { setupLogging } from '../../../src/common/log';
import { createApp } from '../../../src/gimming-api/app';
import { Healthcheck } from '../../../src/gimming-api/healthcheck';
import type { KeystoneValidator } from '../../../src/common/keystone/validator';
import type { ConductorAPI } from '../../../src/gimming-conductor/rpcapi';

const TOKEN = 'a-member-token';
const ADMIN_TOKEN = 'an-admin-token';
const IMAGE = '6c7d3f64-2b8e-4f5e-9a51-0c2f0e8e6a11';

interface Answer {
  status: number;
  body: any;
}

describe('gimming-api edge', () => {
  let server: Server;
  let base: string;
  let dir: string;
  const calls: string[] = [];
  const logLines: Array<{ level: string; message: string }> = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gimming-api-unit-'));
    const configFile = join(dir, 'gimming.conf');
    writeFileSync(configFile, '[api]\nclient_body_timeout = 1\n');
    setupLogging(
      'gimming-api',
      false,
      new Writable({
        write(chunk: Buffer, _enc, done) {
          for (const line of chunk
            .toString()
            .split('\n')
            .filter((l) => l !== '')) {
            logLines.push(JSON.parse(line) as { level: string; message: string });
          }
          done();
        },
      }),
    );
    // Every conductor method records its call and answers an empty page.
    const conductor = new Proxy(
      {},
      {
        get: (_target, method) => async () => {
          calls.push(String(method));
          // A list of clouds is an array; the other lists a page.
          return method === 'listClouds' ? [] : { items: [], next_marker: null };
        },
      },
    ) as unknown as ConductorAPI;
    const keystone = {
      wwwAuthenticateUri: 'http://keystone.invalid/v3',
      validate: async (token: string) => {
        if (token !== TOKEN && token !== ADMIN_TOKEN)
          throw new GimmingError('gimming.auth.invalid_token', 401, 'Not a token.');
        return {
          user_id: 'user',
          project_id: 'project',
          roles: token === ADMIN_TOKEN ? ['admin', 'member', 'reader'] : ['member', 'reader'],
          expires_at: new Date(Date.now() + 3600_000).toISOString(),
          service_catalog: [],
        };
      },
    } as unknown as KeystoneValidator;
    const app = createApp({
      config: loadConfig([configFile], {}),
      conductor,
      keystone,
      healthcheck: new Healthcheck([], false),
    });
    server = http.createServer(app.callback());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    setupLogging('gimming', false);
    await new Promise((resolve) => server?.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    calls.length = 0;
    logLines.length = 0;
  });

  afterEach(() => {
    const errors = logLines.filter((l) => l.level === 'error' || l.level === 'fatal');
    assert.deepEqual(errors, [], 'nothing is logged as an error');
  });

  /** Any method and any path, as sent (node:http, unlike fetch, sends TRACE and unencoded paths). */
  function send(method: string, path: string, token?: string): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        `${base}${path}`,
        { method, headers: token ? { 'X-Auth-Token': token } : {} },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (text += d));
          res.on('end', () =>
            resolve({ status: res.statusCode as number, body: text ? JSON.parse(text) : undefined }),
          );
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  function assertError(answer: Answer, status: number, code: string, what: string): void {
    assert.equal(answer.status, status, `${what}: ${JSON.stringify(answer.body)}`);
    assert.equal(answer.body?.error?.code, code, what);
    assert.equal(answer.body.error.status, status, what);
    assert.match(answer.body.error.request_id, /^req-/, what);
  }

  it('asks for a token on every /v1/ path, whatever its case', async () => {
    for (const [method, path] of [
      ['GET', '/V1/clouds'],
      ['GET', '/V1/IMAGES'],
      ['DELETE', `/V1/images/${IMAGE}`],
      ['POST', `/V1/Images/${IMAGE}/refresh`],
      ['GET', '/V1/TASKS'],
    ] as const) {
      assertError(await send(method, path), 401, 'gimming.auth.missing_token', `${method} ${path}`);
      assertError(await send(method, path, 'forged'), 401, 'gimming.auth.invalid_token', `${method} ${path}`);
    }
    assert.deepEqual(calls, [], 'nothing reached the conductor');
    const listed = await send('GET', '/V1/clouds', TOKEN);
    assert.equal(listed.status, 200, 'the same path with a token is served');
    assert.deepEqual(calls, ['listClouds']);
  });

  it('refuses methods no route implements with 405, on every path', async () => {
    for (const method of ['TRACE', 'PROPFIND', 'PURGE', 'LOCK', 'MKCOL']) {
      for (const path of ['/', '/healthcheck', '/v1/', '/v1/images', `/v1/images/${IMAGE}`, '/v1/nothing']) {
        const token = path.startsWith('/v1/') ? TOKEN : undefined;
        assertError(await send(method, path, token), 405, 'gimming.request.invalid', `${method} ${path}`);
      }
      assertError(await send(method, '/v1/images'), 401, 'gimming.auth.missing_token', `${method} no token`);
    }
    assertError(await send('PUT', '/v1/images', TOKEN), 405, 'gimming.request.invalid', 'PUT /v1/images');
    assert.deepEqual(calls, [], 'nothing reached the conductor');
  });

  it('names no cloud with what no cloud can be named, and asks the conductor only what it takes', async () => {
    const long = 'a'.repeat(256);
    for (const [method, path, token] of [
      ['GET', `/v1/clouds/${long}`, TOKEN],
      ['GET', `/v1/clouds/${long}/images`, TOKEN],
      ['DELETE', `/v1/clouds/${long}`, ADMIN_TOKEN],
      ['DELETE', `/v1/images/${IMAGE}/locations/${long}`, TOKEN],
    ] as const) {
      assertError(await send(method, path, token), 404, 'gimming.cloud.not_found', `${method} ${path}`);
    }
    for (const path of [
      `/v1/images?cloud=${long}`,
      '/v1/images?cloud=',
      '/v1/images?name=',
      `/v1/images?name=${long}`,
      `/v1/tasks?cloud=${long}`,
      `/v1/matrix?cloud=${long}`,
      '/v1/matrix?cloud=zone-a&cloud=',
      `/v1/matrix?name=${long}`,
      `/v1/matrix?${'cloud=zone-a&'.repeat(65)}`,
    ]) {
      assertError(await send('GET', path, TOKEN), 400, 'gimming.request.invalid', path);
    }
    assert.deepEqual(calls, [], 'nothing reached the conductor');
    assert.equal((await send('GET', `/v1/matrix?${'cloud=zone-a&'.repeat(64)}`, TOKEN)).status, 200);
    assert.equal((await send('GET', `/v1/clouds/${'a'.repeat(255)}`, TOKEN)).status, 200);
    assert.deepEqual(calls, ['getMatrix', 'getCloud']);
  });

  it('closes a request whose JSON body stops arriving, after [api] client_body_timeout', async () => {
    const { connect } = await import('node:net');
    const { port } = server.address() as AddressInfo;
    const started = Date.now();
    const closed = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(
          'POST /v1/images HTTP/1.1\r\nHost: x\r\nX-Auth-Token: ' +
            TOKEN +
            '\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"name": ',
        );
      });
      socket.on('data', () => undefined);
      socket.on('close', () => resolve(true));
      socket.on('error', () => undefined);
      setTimeout(() => {
        socket.destroy();
        resolve(false);
      }, 8000);
    });
    assert.ok(closed, 'the server closed the stalled request');
    assert.ok(Date.now() - started < 6000, `closed after ${Date.now() - started} ms`);
    assert.ok(!calls.includes('createImage'), 'nothing reached the conductor');
  });

  it('refuses property names and remote IDs that would not survive the way to the clouds', async () => {
    const post = (path: string, body: string): Promise<Answer> =>
      new Promise((resolve, reject) => {
        const req = http.request(
          `${base}${path}`,
          { method: 'POST', headers: { 'X-Auth-Token': TOKEN, 'Content-Type': 'application/json' } },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (d: string) => (text += d));
            res.on('end', () => resolve({ status: res.statusCode as number, body: JSON.parse(text) }));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    const upload = (properties: string) =>
      post(
        '/v1/images',
        `{"name": "x", "disk_format": "raw", "container_format": "bare", "targets": ["zone-a"], "properties": ${properties}}`,
      );
    for (const name of ['__proto__', 'constructor', 'prototype']) {
      assertError(await upload(`{"${name}": "x"}`), 400, 'gimming.image.reserved_property', name);
    }
    for (const id of ['.', '..']) {
      assertError(
        await post(`/v1/images/${IMAGE}/locations`, `{"cloud": "zone-a", "image_id": "${id}"}`),
        400,
        'gimming.request.invalid',
        id,
      );
    }
    assert.deepEqual(calls, [], 'nothing reached the conductor');
  });
});
