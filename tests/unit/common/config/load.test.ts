import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, parseCommandLine } from '../../../../src/common/config/load';
import { loadConfig } from '../../../support/config';

const dir = mkdtempSync(join(tmpdir(), 'gimming-conf-'));
let files = 0;

function confFile(text: string): string {
  const path = join(dir, `gimming-${files++}.conf`);
  writeFileSync(path, text);
  return path;
}

after(() => rmSync(dir, { recursive: true, force: true }));

describe('config loading', () => {
  it('reads groups and options with oslo types', () => {
    const config = loadConfig(
      [
        confFile(
          '[DEFAULT]\ndebug = yes\n[api]\nbind_port = 8080\n[keystone_authtoken]\nservice_token_roles = [a, b]\n',
        ),
      ],
      {},
    );
    assert.equal(config.DEFAULT.debug, true);
    assert.equal(config.api.bind_port, 8080);
    assert.deepEqual(config.keystone_authtoken.service_token_roles, ['a', 'b']);
    assert.equal(config.api.default_limit, 100);
  });

  it('reads "no" as false, unlike convict', () => {
    assert.equal(loadConfig([confFile('[DEFAULT]\ndebug = no\n')], {}).DEFAULT.debug, false);
    assert.equal(loadConfig([confFile('[DEFAULT]\ndebug = off\n')], {}).DEFAULT.debug, false);
  });

  it('refuses unknown groups and options, and bad values', () => {
    assert.throws(() => loadConfig([confFile('[nonsense]\na = 1\n')], {}), /unknown group \[nonsense\]/);
    assert.throws(
      () => loadConfig([confFile('[api]\nbind_prot = 1\n')], {}),
      /unknown option "bind_prot" in \[api\]/,
    );
    assert.throws(() => loadConfig([confFile('[api]\nbind_port = 12abc\n')], {}), ConfigError);
    assert.throws(() => loadConfig([confFile('[api]\nbind_port = 70000\n')], {}), ConfigError);
    assert.throws(() => loadConfig([confFile('[DEFAULT]\ndebug = maybe\n')], {}), ConfigError);
    assert.throws(() => loadConfig([confFile('[agent]\nglance_interface = private\n')], {}), ConfigError);
    assert.throws(
      () => loadConfig([confFile('[agent]\nchunk_size = 10\n')], {}),
      /chunk_size: must be at least/,
    );
    assert.throws(() => loadConfig([confFile('orphan = 1\n')], {}), /outside any \[group\]/);
  });

  it('lets later files and then OS_<GROUP>__<OPTION> variables override', () => {
    const a = confFile('[agent]\nzone = zone-a\nbind_port = 1000\n');
    const b = confFile('[agent]\nbind_port = 2000\n');
    const config = loadConfig([a, b], { OS_AGENT__ZONE: 'zone-b' });
    assert.equal(config.agent.zone, 'zone-b');
    assert.equal(config.agent.bind_port, 2000);
    assert.throws(() => loadConfig([a], { OS_AGENT__BIND_PORT: 'x' }), ConfigError);
  });

  it('takes --config-file (repeated, with = too) and leaves other arguments', () => {
    const cli = parseCommandLine(['--config-file', '/a.conf', 'db', '--config-file=/b.conf', 'sync']);
    assert.deepEqual(cli.configFiles, ['/a.conf', '/b.conf']);
    assert.deepEqual(cli.rest, ['db', 'sync']);
    assert.throws(() => parseCommandLine(['--config-file']), ConfigError);
  });
});
