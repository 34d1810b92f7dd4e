/**
 * A daemon started with a bad configuration stops at once with a clear message and exit code 2.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
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
    // And mutual TLS, unless plaintext is asked for in so many words.
    [
      'gimming-agent',
      `[agent]\nrpc_secrets = ${SECRET}\n`,
      /missing required option \[agent\] ssl_ca_file, \[agent\] ssl_cert_file, \[agent\] ssl_key_file/,
    ],
    [
      'gimming-conductor',
      `${CONDUCTOR}[agent]\nrpc_secrets = ${SECRET}\nssl_ca_file = /nonexistent/ca.pem\nssl_cert_file = /x\nssl_key_file = /y\n`,
      /\[agent\] TLS: cannot read the CA certificate file \/nonexistent\/ca.pem: ENOENT/,
    ],
    [
      'gimming-api',
      `${API}[agent]\nrpc_secrets = ${SECRET}\nssl_ca_file = ${'/etc/hostname'}\nssl_cert_file = /x\nssl_key_file = /y\n`,
      /\[agent\] TLS: cannot read the certificate file \/x: ENOENT|holds no PEM certificate/,
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

  it('refuses a key that does not fit the certificate, naming both files', () => {
    const pki = join(dir, 'pki');
    spawnSync('bash', [join(REPO_ROOT, 'tools', 'testbed', 'pki.sh'), pki, 'issue', 'one']);
    spawnSync('bash', [join(REPO_ROOT, 'tools', 'testbed', 'pki.sh'), pki, 'issue', 'two']);
    const conf = `[agent]\nrpc_secrets = ${SECRET}\nssl_ca_file = ${pki}/ca.pem\nssl_cert_file = ${pki}/one.pem\nssl_key_file = ${pki}/two-key.pem\n`;
    const result = run('gimming-agent', conf);
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stderr, /the private key .*two-key\.pem does not fit the certificate .*one\.pem/);
  });

  it('runs plaintext only when asked, and says so loudly', async () => {
    const path = join(dir, `gimming-${files++}.conf`);
    writeFileSync(
      path,
      `[agent]\nrpc_secrets = ${SECRET}\nrpc_plaintext = true\nbind_host = 127.0.0.1\nbind_port = 0\n[DEFAULT]\ntransport_url = rabbit://guest:guest@127.0.0.1:1/\n`,
    );
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'gimming-agent'), '--config-file', path], {
      env: { ...process.env, OS_AGENT__STAGING_DIR: join(dir, 'staging-plain') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      for (let i = 0; i < 100 && !out.includes('NOT encrypted'); i++)
        await new Promise((r) => setTimeout(r, 100));
      const line = out.split('\n').find((l) => l.includes('NOT encrypted'));
      assert.ok(line, out);
      assert.equal(JSON.parse(line).level, 'warn');
    } finally {
      child.kill('SIGKILL');
    }
  });

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
        `[oslo_policy]\npolicy_file = ${file}\n${API}[agent]\nrpc_secrets = ${SECRET}\nrpc_plaintext = true\n`,
      );
      assert.equal(result.status, 2, result.stderr);
      assert.match(result.stderr, /bad policy/);
    }
  });
});
