import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { optionLabel, renderConfigReference } from '../../../../src/common/config/reference';
import { type GroupSpec, composeSchema } from '../../../../src/common/config/schema';
import { driverConfigFragments } from '../../../../src/gimming-agent/drivers/registry';
import { label } from '../../../../src/common/rst';

// Run from dist/tests/unit/common/config/.
const REPO = join(__dirname, '..', '..', '..', '..', '..');

const SCHEMA = composeSchema(driverConfigFragments());

const SMALL: Record<string, GroupSpec> = {
  DEFAULT: {
    host: { doc: 'Name of *this* node.', format: 'oslo-string', default: 'x', sampleDefault: '<host name>' },
  },
  agent: {
    workers: { doc: 'Workers.', format: 'oslo-int', default: 4, min: 1 },
    rpc_secrets: { doc: 'Secrets.', format: 'oslo-list', default: [], sensitive: true },
    glance_interface: { doc: 'Interface.', format: ['public', 'internal'], default: 'public' },
    region: { doc: 'Region.', format: 'oslo-string', default: null },
  },
};

describe('configuration reference', () => {
  it('is current: doc/source/configuration/config.rst matches the schema (npm run genconfig)', () => {
    const committed = readFileSync(join(REPO, 'doc', 'source', 'configuration', 'config.rst'), 'utf8');
    assert.equal(committed, renderConfigReference(composeSchema(driverConfigFragments())));
  });

  it('writes each option with its type, default, minimum, secrecy, environment variable and help', () => {
    const rst = renderConfigReference(SMALL);
    assert.ok(rst.startsWith('.. This file is generated from src/common/config/schema.ts'), rst);
    for (const block of [
      ['.. _config-default:', '', '[DEFAULT]', '========='],
      [
        '.. _config-default-host:',
        '',
        'host',
        '----',
        '',
        ':Type: string',
        ':Default: ``<host name>``',
        ':Environment: ``OS_DEFAULT__HOST``',
        '',
        'Name of \\*this\\* node.',
      ],
      [
        'workers',
        '-------',
        '',
        ':Type: integer',
        ':Default: ``4``',
        ':Minimum: 1',
        ':Environment: ``OS_AGENT__WORKERS``',
      ],
      [
        'rpc_secrets',
        '-----------',
        '',
        ':Type: list (comma-separated)',
        ':Default: (empty)',
        ':Secret: yes',
        ':Environment: ``OS_AGENT__RPC_SECRETS``',
      ],
      [':Type: string, one of ``public``, ``internal``', ':Default: ``public``'],
      ['region', '------', '', ':Type: string', ':Default: ``<None>``'],
    ]) {
      assert.ok(rst.includes(block.join('\n')), `missing:\n${block.join('\n')}\n--- in ---\n${rst}`);
    }
    assert.ok(rst.endsWith('Region.\n'), 'ends with one newline');
  });

  it('has an entry and a unique label for every group and option of the schema', () => {
    const rst = renderConfigReference(composeSchema(driverConfigFragments()));
    const labels = rst.split('\n').filter((line) => line.startsWith('.. _'));
    assert.equal(new Set(labels).size, labels.length, 'labels are unique');
    for (const [group, options] of Object.entries(SCHEMA)) {
      assert.ok(rst.includes(`${label(`config-${group}`)}\n\n[${group}]\n`), group);
      for (const name of Object.keys(options)) {
        const at = rst.indexOf(`${optionLabel(group, name)}\n\n${name.replace(/_$/, '\\_')}\n`);
        assert.ok(at >= 0, `[${group}] ${name}`);
      }
    }
  });
});
