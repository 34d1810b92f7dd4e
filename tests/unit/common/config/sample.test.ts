import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderSample } from '../../../../src/common/config/sample';
import { composeSchema } from '../../../../src/common/config/schema';
import { driverConfigFragments } from '../../../../src/gimming-agent/drivers/registry';

const SCHEMA = composeSchema(driverConfigFragments());

const REPO = join(__dirname, '..', '..', '..', '..', '..');

describe('sample config', () => {
  it('is current: etc/gimming/gimming.conf.sample matches the schema (npm run genconfig)', () => {
    const committed = readFileSync(join(REPO, 'etc', 'gimming', 'gimming.conf.sample'), 'utf8');
    assert.equal(committed, renderSample(SCHEMA));
  });

  it('documents every option in full sentences', () => {
    for (const [group, options] of Object.entries(SCHEMA)) {
      for (const [name, spec] of Object.entries(options)) {
        assert.match(spec.doc, /^[A-Z].*\.$/s, `[${group}] ${name} help text`);
      }
    }
  });
});
