/**
 * A daemon started with a bad configuration stops at once with a clear message and exit code 2.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/testbed';

const dir = mkdtempSync(join(tmpdir(), 'gimming-conf-'));
let files = 0;
after(() => rmSync(dir, { recursive: true, force: true }));

function run(command: string, conf: string, env: Record<string, string> = {}) {
  const path = join(dir, `gimming-${files++}.conf`);
  writeFileSync(path, conf);
  return spawnSync(process.execPath, [join(REPO_ROOT, 'bin', command), '--config-file', path], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 20000,
  });
}

const SECRET = 'a'.repeat(64);
const CONDUCTOR = '[database]\nconnection = mysql://root@127.0.0.1/x\n';
const API = '[keystone_authtoken]\nauth_url = http://127.0.0.1:1/v3\npassword = x\n';

describe('daemons refuse a bad configuration at start-up', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['gimming-api', '[api]\nbind_prot = 9595\n', /unknown option "bind_prot" in \[api\]/],
    [
      'gimming-conductor',
      '[database]\nconnection = mysql://root@127.0.0.1/x\nmax_pool_size = lots\n',
      /max_pool_size/,
    ],
    ['gimming-agent', '[agent]\nglance_interface = secret\n', /glance_interface/],
    ['gimming-api', '[DEFAULT]\ndebug = maybe\n', /debug/],
    ['gimming-conductor', '[DEFAULT]\n', /missing required options: \[database\] connection/],
    ['gimming-manage', '[wrong]\n', /unknown group \[wrong\]/],
    // Every daemon that serves or calls agents needs the shared secret, a long one.
    ['gimming-agent', '[agent]\n', /missing required option \[agent\] rpc_secrets/],
    ['gimming-conductor', CONDUCTOR, /missing required option \[agent\] rpc_secrets/],
    ['gimming-api', API, /missing required option \[agent\] rpc_secrets/],
    [
      'gimming-agent',
      `[agent]\nrpc_secrets = ${SECRET},too-short\n`,
      /rpc_secrets: secret number 2 is shorter than 32 characters/,
    ],
  ];
  for (const [command, conf, message] of cases) {
    it(`${command}: ${conf.replace(/\n/g, ' ').trim()}`, () => {
      const result = run(command, conf);
      assert.equal(result.status, 2, result.stderr);
      assert.match(result.stderr, message);
      assert.ok(!result.stderr.includes('    at '), 'no stack trace');
    });
  }

  it('reads environment overrides and refuses a bad one', () => {
    const result = run('gimming-agent', '', { OS_AGENT__BIND_PORT: 'ninety' });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /bind_port/);
  });
});

describe('gimming-api policy file', () => {
  it('refuses to start with an unknown rule or a check it cannot read', () => {
    for (const policy of ['"gimming:nothing": "@"\n', '"gimming:image:list": "role:"\n']) {
      const file = join(dir, `policy-${files++}.yaml`);
      writeFileSync(file, policy);
      const result = run(
        'gimming-api',
        `[oslo_policy]\npolicy_file = ${file}\n${API}[agent]\nrpc_secrets = ${SECRET}\n`,
      );
      assert.equal(result.status, 2, result.stderr);
      assert.match(result.stderr, /bad policy/);
    }
  });
});
