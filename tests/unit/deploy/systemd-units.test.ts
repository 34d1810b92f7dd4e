/**
 * The systemd units shipped in etc/systemd/ (doc/source/install/manual.rst): each runs the daemon it is
 * named after, from the install layout the guide describes, with the configuration files the daemons
 * read; `systemd-analyze verify` accepts them where it is available.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DEFAULT_CONFIG_FILES } from '../../../src/common/config/load';
import { DAEMON_NODE_FLAGS } from '../../../src/common/daemon-node-flags';

// Run from dist/tests/unit/deploy/.
const REPO = resolve(__dirname, '..', '..', '..', '..');
const UNITS = join(REPO, 'etc', 'systemd');
/** Where doc/source/install/manual.rst puts the code. */
const PREFIX = '/opt/gimming';
const CONF = DEFAULT_CONFIG_FILES[0] as string;

type Unit = Record<string, Record<string, string[]>>;

/** systemd's unit syntax, enough for these files: sections, `Key=value` (repeatable), comments. */
function parseUnit(text: string): Unit {
  const unit: Unit = {};
  let section: Record<string, string[]> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[([A-Za-z]+)\]$/.exec(line);
    if (header) {
      section = unit[header[1] as string] ??= {};
      continue;
    }
    const kv = /^([A-Za-z]+)=(.*)$/.exec(line);
    assert.ok(kv && section, `not a unit file line: ${raw}`);
    (section[kv[1] as string] ??= []).push(kv[2] as string);
  }
  return unit;
}

function one(unit: Unit, section: string, key: string): string {
  const values = unit[section]?.[key] ?? [];
  assert.equal(values.length, 1, `[${section}] ${key} once`);
  return values[0] as string;
}

const EXPECTED: Record<string, { daemon: string; configFiles: string[] }> = {
  'gimming-api.service': { daemon: 'gimming-api', configFiles: [CONF] },
  'gimming-conductor.service': { daemon: 'gimming-conductor', configFiles: [CONF] },
  'gimming-agent@.service': { daemon: 'gimming-agent', configFiles: [CONF, '/etc/gimming/agent-%i.conf'] },
};

describe('systemd units', () => {
  const packageBins = (
    JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { bin: Record<string, string> }
  ).bin;

  it('are the three daemons', () => {
    assert.deepEqual(
      readdirSync(UNITS)
        .filter((f) => f.endsWith('.service'))
        .sort(),
      Object.keys(EXPECTED).sort(),
    );
  });

  for (const [file, expected] of Object.entries(EXPECTED)) {
    describe(file, () => {
      const unit = parseUnit(readFileSync(join(UNITS, file), 'utf8'));

      it(`runs ${expected.daemon} from ${PREFIX}/bin, a binary of the package`, () => {
        const [program, ...args] = one(unit, 'Service', 'ExecStart').split(/\s+/);
        assert.equal(program, `${PREFIX}/bin/${expected.daemon}`);
        assert.equal(packageBins[expected.daemon], `bin/${expected.daemon}`);
        assert.ok(existsSync(join(REPO, 'bin', expected.daemon)), `bin/${expected.daemon} exists`);
        const files: string[] = [];
        for (let i = 0; i < args.length; i += 2) {
          assert.equal(args[i], '--config-file', `ExecStart arguments: ${args.join(' ')}`);
          files.push(args[i + 1] as string);
        }
        assert.deepEqual(files, expected.configFiles);
      });

      it('runs as the gimming user, restarts unless the configuration is refused, starts at boot', () => {
        assert.equal(one(unit, 'Service', 'User'), 'gimming');
        assert.equal(one(unit, 'Service', 'Group'), 'gimming');
        assert.equal(one(unit, 'Service', 'Restart'), 'on-failure');
        assert.equal(one(unit, 'Service', 'RestartPreventExitStatus'), '2'); // bootstrap's exit code
        assert.equal(one(unit, 'Install', 'WantedBy'), 'multi-user.target');
      });

      it('starts node with the flags the tests and benchmarks start the daemon with', () => {
        const flags = DAEMON_NODE_FLAGS[expected.daemon] ?? [];
        const env = (unit.Service?.Environment ?? []).filter((e) => e.startsWith('NODE_OPTIONS='));
        assert.deepEqual(env, flags.length > 0 ? [`NODE_OPTIONS=${flags.join(' ')}`] : []);
      });

      it('reloads with SIGHUP (systemctl reload), which the daemon survives', () => {
        assert.equal(one(unit, 'Service', 'ExecReload'), '/bin/kill -HUP $MAINPID');
      });

      it('points to documentation that exists', () => {
        const doc = one(unit, 'Unit', 'Documentation');
        assert.ok(doc.startsWith(`file:${PREFIX}/`), doc);
        assert.ok(existsSync(join(REPO, doc.slice(`file:${PREFIX}/`.length))), doc);
      });
    });
  }

  it('gives each agent a writable /var/lib/gimming for its staging area', () => {
    const unit = parseUnit(readFileSync(join(UNITS, 'gimming-agent@.service'), 'utf8'));
    assert.equal(one(unit, 'Service', 'StateDirectory'), 'gimming');
  });

  it('are accepted by systemd-analyze verify', function () {
    this.timeout(30000);
    const probe = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
    if (probe.error) this.skip(); // no systemd here
    const dir = mkdtempSync(join(tmpdir(), 'gimming-units-'));
    try {
      // The binaries as this checkout has them; the agent as an instance.
      const names: string[] = [];
      for (const file of Object.keys(EXPECTED)) {
        const text = readFileSync(join(UNITS, file), 'utf8').replaceAll(PREFIX, REPO);
        const name = file.replace('@.service', '@zone-a.service');
        writeFileSync(join(dir, name), text);
        names.push(`./${name}`);
      }
      const result = spawnSync('systemd-analyze', ['verify', ...names], { cwd: dir, encoding: 'utf8' });
      assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
      assert.equal(result.stderr.trim(), '', result.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
