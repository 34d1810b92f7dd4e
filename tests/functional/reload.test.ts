/**
 * SIGHUP (`systemctl reload`) on the real daemons: the API, the conductor and an agent each read their
 * configuration again and keep running: `[DEFAULT] debug` turns debug logging on at once, the API takes a
 * new policy file (and the defaults back when it is removed), a policy file or a configuration that does
 * not load is not taken (the one in use stays, the error is logged), and an option a reload does not
 * apply is named in a warning.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DaemonSet, LogLine } from '../support/daemons';
import { http, waitFor } from '../support/http';
import { useStack } from '../support/stack';

const DAEMONS = ['api', 'conductor', 'agent-zone-a'];

describe('SIGHUP reloads the daemons', function () {
  this.timeout(180000);
  const policyDir = mkdtempSync(join(tmpdir(), 'gimming-reload-policy-'));
  const policyFile = join(policyDir, 'policy.yaml');
  const stack = useStack({
    zones: ['zone-a'],
    registerClouds: false,
    extraConfig: `[oslo_policy]\npolicy_file = ${policyFile}\n`,
  });
  let daemons: DaemonSet;
  let original: string;

  before(() => {
    daemons = stack.daemons;
    original = readFileSync(daemons.configPath, 'utf8');
  });

  after(() => rmSync(policyDir, { recursive: true, force: true }));

  afterEach(() => writeFileSync(daemons.configPath, original, { mode: 0o600 }));

  const alive = (p: ChildProcess | undefined) =>
    p !== undefined && p.exitCode === null && p.signalCode === null;

  /** Sends SIGHUP to a daemon and waits for the line that ends its reload; resolves with the new lines. */
  async function hup(name: string, ends = /^configuration (reloaded|not reloaded)/): Promise<LogLine[]> {
    const from = daemons.logLines(name).length;
    const proc = daemons.process(name);
    assert.ok(alive(proc), `${name} runs`);
    proc?.kill('SIGHUP');
    await waitFor(
      `${name} to reload`,
      async () => {
        const fresh = daemons.logLines(name).slice(from);
        return fresh.some((l) => ends.test(l.message)) ? fresh : undefined;
      },
      15000,
    );
    // A moment later it still runs.
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(alive(daemons.process(name)), `${name} still runs after SIGHUP`);
    return daemons.logLines(name).slice(from);
  }

  const cloudList = async (token: string) => (await http('GET', `${stack.api}/v1/clouds`, { token })).status;

  it('turns debug logging on in every daemon, which keeps running and serving', async () => {
    for (const name of DAEMONS) {
      assert.deepEqual(
        daemons.logLines(name).filter((l) => l.level === 'debug'),
        [],
        `${name} logs no debug line before`,
      );
    }
    writeFileSync(daemons.configPath, original.replace('[DEFAULT]\n', '[DEFAULT]\ndebug = true\n'));
    for (const name of DAEMONS) {
      const lines = await hup(name);
      const done = lines.find((l) => l.message === 'configuration reloaded');
      assert.equal(done?.debug, true, `${name}: ${JSON.stringify(lines)}`);
      assert.ok(
        lines.some((l) => l.level === 'debug'),
        `${name} logs at debug level after the reload: ${JSON.stringify(lines)}`,
      );
    }
    assert.equal((await http('GET', `${stack.api}/healthcheck`)).status, 200);
    assert.equal(await cloudList(stack.demo.id), 200);
  });

  it('takes a new policy file in the API, keeps the rules in use for one that does not parse, and the defaults when it goes', async () => {
    assert.equal(await cloudList(stack.demo.id), 200);
    writeFileSync(policyFile, '"gimming:cloud:list": "role:admin"\n');
    const lines = await hup('api');
    assert.ok(
      lines.some((l) => l.message === 'policy reloaded' && l.policy_file === policyFile),
      JSON.stringify(lines),
    );
    assert.equal(await cloudList(stack.demo.id), 403, 'the new rule is enforced');
    assert.equal(await cloudList(stack.admin.id), 200);

    writeFileSync(policyFile, '"gimming:cloud:list": [\n');
    const broken = await hup('api');
    assert.ok(
      broken.some((l) => l.level === 'error' && l.message === 'not reloaded: keeping what is in use'),
      JSON.stringify(broken),
    );
    assert.equal(await cloudList(stack.demo.id), 403, 'the rules in use stay');

    rmSync(policyFile);
    await hup('api');
    assert.equal(await cloudList(stack.demo.id), 200, 'the defaults are back');
  });

  it('keeps the configuration in use when the new one does not load, and names what needs a restart', async () => {
    writeFileSync(daemons.configPath, original.replace('[DEFAULT]\n', '[DEFAULT]\ndebug = maybe\n'));
    for (const name of DAEMONS) {
      const lines = await hup(name);
      assert.ok(
        lines.some((l) => l.level === 'error' && /^configuration not reloaded/.test(l.message)),
        `${name}: ${JSON.stringify(lines)}`,
      );
    }
    assert.equal(await cloudList(stack.demo.id), 200);

    writeFileSync(daemons.configPath, original.replace('agent_down_time = 20', 'agent_down_time = 25'));
    const lines = await hup('conductor');
    const warning = lines.find((l) => l.message === 'changed options that take effect at the next restart');
    assert.deepEqual(warning?.options, ['conductor.agent_down_time'], JSON.stringify(lines));
  });
});
