/**
 * Image conversion with the real daemons: an agent with [agent] image_conversion tells the conductor
 * which formats it converts (a cloud shows them), and refuses to start when qemu-img does not run; a copy
 * to a zone that takes the source's format is not converted (the bytes and the proof are the cloud's).
 * (Conversions themselves, into a cloud that refuses the format, run through the agent's gRPC service in
 * tests/unit/gimming-agent/converted-copy.test.ts: the shared Glance zones take every format.)
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { location, waitForTasks } from '../support/flows';
import { http, waitFor } from '../support/http';
import { useStack } from '../support/stack';
import { REPO_ROOT } from '../support/testbed';

describe('image conversion (real daemons)', function () {
  this.timeout(180000);
  const stack = useStack({ agentEnv: { 'zone-b': { OS_AGENT__IMAGE_CONVERSION: 'true' } } });
  let tmp: string;

  before(() => (tmp = mkdtempSync(join(tmpdir(), 'gimming-conversion-'))));
  after(() => rmSync(tmp, { recursive: true, force: true }));

  /** A real qcow2 image (1 MiB of disk, 256 KiB of data). */
  function qcow2(): Buffer {
    const raw = join(tmp, 'disk.raw');
    writeFileSync(raw, Buffer.concat([Buffer.alloc(256 * 1024, 0x5a), Buffer.alloc(768 * 1024)]));
    execFileSync('/usr/bin/qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', raw, `${raw}.qcow2`]);
    return readFileSync(`${raw}.qcow2`);
  }

  it("a converting agent's cloud shows the formats it converts; another's none", async () => {
    const caps = await waitFor('both zones to show capabilities', async () => {
      const res = await http('GET', `${stack.api}/v1/clouds`, { token: stack.admin.id });
      const byName = Object.fromEntries((res.body.clouds as any[]).map((c) => [c.name, c.capabilities]));
      return byName['zone-a'] && byName['zone-b'] ? byName : undefined;
    });
    assert.deepEqual([...caps['zone-b'].convertible_formats].sort(), [
      'qcow2',
      'raw',
      'vdi',
      'vhd',
      'vhdx',
      'vmdk',
    ]);
    assert.deepEqual(caps['zone-a'].convertible_formats ?? [], []);
  });

  it('copies a qcow2 to a zone that takes qcow2 as it is, with the cloud as proof', async () => {
    const data = qcow2();
    const glanceA = stack.glance('zone-a');
    const source = await glanceA.create({
      name: 'conv-source',
      disk_format: 'qcow2',
      container_format: 'bare',
    });
    await glanceA.upload(source.id, data);
    const res = await http('POST', `${stack.api}/v1/images`, {
      token: stack.demo.id,
      json: { source: { cloud: 'zone-a', image_id: source.id }, targets: ['zone-b'] },
    });
    assert.equal(res.status, 202, res.text);
    const [task] = await waitForTasks(stack.api, stack.demo.id, res.body.id);
    assert.equal(task.status, 'succeeded', JSON.stringify(task.error));
    const copy = await location(stack.api, stack.demo.id, res.body.id, 'zone-b');
    assert.equal(copy.proof, 'cloud');
    const held = await stack.glance('zone-b').get(copy.image_id);
    assert.equal(held.disk_format, 'qcow2');
    assert.equal(held.os_hash_value, (await glanceA.get(source.id)).os_hash_value);
    assert.equal(held.gimming_converted_from, undefined);
  });

  it('an agent with image_conversion whose qemu-img does not run refuses to start, saying so', async () => {
    const path = join(stack.daemons.dir, 'no-qemu.conf');
    // [agent] is the config's last group: the lines land in it.
    writeFileSync(
      path,
      `${readFileSync(stack.daemons.configPath, 'utf8')}\nimage_conversion = true\nqemu_img_path = /nonexistent/qemu-img\n`,
      { mode: 0o600 },
    );
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'gimming-agent'), '--config-file', path], {
      env: { ...process.env, ...stack.daemons.agentEnv('zone-b', { OS_AGENT__BIND_PORT: '0' }) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30000);
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    clearTimeout(timer);
    assert.equal(code, 2, output);
    assert.match(
      output,
      /gimming-agent: \[agent\] image_conversion: qemu-img does not run at \/nonexistent\/qemu-img \(ENOENT\): install qemu-utils/,
    );
  });
});
