/**
 * doc/source/install/manual.rst: the configuration files it shows are accepted by GIMinG's loader as the
 * daemons would read them, and the units it installs are the ones in etc/systemd/.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { requireOptions } from '../../../src/common/config/load';
import { loadConfig } from '../../support/config';
import { agentRpcAuth } from '../../../src/common/grpc/auth';

// Run from dist/tests/unit/deploy/.
const REPO = resolve(__dirname, '..', '..', '..', '..');
const GUIDE = readFileSync(join(REPO, 'doc', 'source', 'install', 'manual.rst'), 'utf8');

/** The literal blocks (after a line ending in `::`) that are ini files, with the line before each. */
function iniBlocks(): Array<{ intro: string; text: string }> {
  const lines = GUIDE.split('\n');
  const blocks: Array<{ intro: string; text: string }> = [];
  for (let i = 0; i < lines.length; i++) {
    if (!(lines[i] ?? '').endsWith('::')) continue;
    let j = i + 1;
    while (j < lines.length && (lines[j] ?? '').trim() === '') j++;
    const body: string[] = [];
    while (j < lines.length && ((lines[j] ?? '').startsWith('    ') || (lines[j] ?? '').trim() === '')) {
      body.push((lines[j] ?? '').slice(4));
      j++;
    }
    if (/^\[[A-Za-z_]+\]$/.test(body[0] ?? '')) blocks.push({ intro: lines[i] ?? '', text: body.join('\n') });
  }
  return blocks;
}

describe('manual installation guide', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gimming-guide-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('shows gimming.conf and an agent file per zone that the daemons accept', () => {
    const blocks = iniBlocks();
    assert.equal(blocks.length, 3, 'gimming.conf, agent-zone-a.conf, agent-zone-b.conf');
    const [main, ...agents] = blocks.map((b, i) => {
      const path = join(dir, `${i}.conf`);
      writeFileSync(path, b.text);
      return { intro: b.intro, path };
    });
    const config = loadConfig([main?.path as string], {});
    requireOptions(config, [
      ['keystone_authtoken', 'auth_url'],
      ['keystone_authtoken', 'password'],
      ['database', 'connection'],
    ]);
    assert.ok(agentRpcAuth(config).signer);
    const zones = agents.map(({ intro, path }) => {
      const agent = loadConfig([main?.path as string, path], {});
      assert.match(intro, new RegExp(`agent-${agent.agent.zone}\\.conf`), 'the file is named after its zone');
      assert.ok(
        agent.agent.staging_dir.startsWith('/var/lib/gimming/'),
        "inside the agent unit's StateDirectory",
      );
      return agent;
    });
    assert.deepEqual(
      zones.map((c) => c.agent.zone),
      ['zone-a', 'zone-b'],
    );
    assert.notEqual(zones[0]?.DEFAULT.host, zones[1]?.DEFAULT.host);
    assert.notEqual(zones[0]?.agent.bind_port, zones[1]?.agent.bind_port);
  });

  it('installs the systemd units of etc/systemd/', () => {
    for (const unit of readdirSync(join(REPO, 'etc', 'systemd'))) {
      assert.ok(GUIDE.includes(`/opt/gimming/etc/systemd/${unit}`), `the guide copies ${unit}`);
    }
  });
});
