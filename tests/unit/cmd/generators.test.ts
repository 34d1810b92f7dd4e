import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderConfigReference } from '../../../src/common/config/reference';
import { renderSample } from '../../../src/common/config/sample';
import { composeSchema } from '../../../src/common/config/schema';
import { driverConfigFragments } from '../../../src/gimming-agent/drivers/registry';
import { renderPolicyReference } from '../../../src/common/policy/reference';
import { RULES, renderPolicySample } from '../../../src/gimming-api/policy';

// The schema as the daemons and the generator load it: with the drivers' options.
const SCHEMA = composeSchema(driverConfigFragments());

// Run from dist/tests/unit/cmd/: the generators are compiled beside, in dist/src/cmd/.
const CMD = join(__dirname, '..', '..', '..', 'src', 'cmd');

const run = (script: string, ...args: string[]) =>
  spawnSync(process.execPath, [join(CMD, script), ...args], { encoding: 'utf8' });

describe('gimming-config-generator and gimming-policy-generator', () => {
  const generators = [
    {
      script: 'gimming-config-generator.js',
      sample: renderSample(SCHEMA),
      rst: renderConfigReference(SCHEMA),
    },
    {
      script: 'gimming-policy-generator.js',
      sample: renderPolicySample(),
      rst: renderPolicyReference(RULES),
    },
  ];

  for (const { script, sample, rst } of generators) {
    it(`${script}: prints the sample by default, the reference with --format rst`, () => {
      const byDefault = run(script);
      assert.equal(byDefault.status, 0, byDefault.stderr);
      assert.equal(byDefault.stdout, sample);
      assert.equal(run(script, '--format', 'sample').stdout, sample);
      const reference = run(script, '--format=rst');
      assert.equal(reference.status, 0, reference.stderr);
      assert.equal(reference.stdout, rst);
    });

    it(`${script}: writes --output FILE`, () => {
      const dir = mkdtempSync(join(tmpdir(), 'gimming-gen-'));
      try {
        const out = join(dir, 'out.rst');
        const result = run(script, '--format', 'rst', '--output', out);
        assert.equal(result.status, 0, result.stderr);
        assert.equal(result.stdout, '');
        assert.equal(readFileSync(out, 'utf8'), rst);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it(`${script}: refuses an unknown format, option or argument with exit code 2 and the usage`, () => {
      for (const args of [['--format', 'html'], ['--outptu', 'x'], ['stray']]) {
        const result = run(script, ...args);
        assert.equal(result.status, 2, args.join(' '));
        assert.equal(result.stdout, '');
        assert.match(result.stderr, /usage: gimming-(config|policy)-generator \[--format sample\|rst\]/);
      }
    });
  }
});
