import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RuleDefault } from '../../../../src/common/policy/check';
import { renderPolicyReference, ruleLabel } from '../../../../src/common/policy/reference';
import { RULES, renderPolicySample } from '../../../../src/gimming-api/policy';

// Run from dist/tests/unit/common/policy/.
const REPO = join(__dirname, '..', '..', '..', '..', '..');

const SMALL: Record<string, RuleDefault> = {
  'gimming:cloud:create': {
    check: 'role:admin',
    description: 'Register a cloud.',
    operations: [{ method: 'POST', path: '/v1/clouds' }],
  },
  'gimming:image:get': {
    check: 'role:reader or role:admin',
    description: 'Show an image_ (not a *reference*).',
    operations: [
      { method: 'GET', path: '/v1/images/{image_id}' },
      { method: 'HEAD' as 'GET', path: '/v1/images/{image_id}' },
    ],
  },
  'gimming:cloud:get': { check: '@', description: 'Show a cloud.' },
};

describe('policy reference', () => {
  it('is current: doc/source/configuration/policy.rst matches the rules (npm run genpolicy)', () => {
    const committed = readFileSync(join(REPO, 'doc', 'source', 'configuration', 'policy.rst'), 'utf8');
    assert.equal(committed, renderPolicyReference(RULES));
  });

  it('writes a summary table, then each rule with its default, operations and description', () => {
    const rst = renderPolicyReference(SMALL);
    for (const block of [
      [
        '   * - :ref:`gimming:cloud:create <policy-gimming-cloud-create>`',
        '     - ``role:admin``',
        '   * - :ref:`gimming:image:get <policy-gimming-image-get>`',
        '     - ``role:reader or role:admin``',
      ],
      [
        '.. _policy-gimming-image-get:',
        '',
        'gimming:image:get',
        '-----------------',
        '',
        ':Default: ``role:reader or role:admin``',
        ':Operations:',
        '   - ``GET /v1/images/{image_id}``',
        '   - ``HEAD /v1/images/{image_id}``',
        '',
        'Show an image\\_ (not a \\*reference\\*).',
      ],
      ['gimming:cloud:get', '-----------------', '', ':Default: ``@``', '', 'Show a cloud.'],
    ]) {
      assert.ok(rst.includes(block.join('\n')), `missing:\n${block.join('\n')}\n--- in ---\n${rst}`);
    }
  });

  it('groups the rules by resource, in the order they first appear', () => {
    const rst = renderPolicyReference(SMALL);
    const cloud = rst.indexOf('.. _policy-cloud:\n\nCloud rules\n===========');
    const image = rst.indexOf('.. _policy-image:\n\nImage rules\n===========');
    assert.ok(cloud > 0 && image > cloud, rst);
    // gimming:cloud:get comes after gimming:image:get in SMALL but is listed with the cloud rules.
    assert.ok(rst.indexOf('.. _policy-gimming-cloud-get:') < image, rst);
  });

  it('has an entry and a unique label for every rule in code, with the calls it is checked for', () => {
    const rst = renderPolicyReference(RULES);
    const labels = rst.split('\n').filter((line) => line.startsWith('.. _'));
    assert.equal(new Set(labels).size, labels.length, 'labels are unique');
    for (const [name, rule] of Object.entries(RULES)) {
      const at = rst.indexOf(`${ruleLabel(name)}\n\n${name}\n`);
      assert.ok(at >= 0, name);
      const next = rst.indexOf('\n.. _', at + 1);
      const entry = next < 0 ? rst.slice(at) : rst.slice(at, next);
      assert.ok(entry.includes(`:Default: \`\`${rule.check}\`\``), name);
      // (The personas other rules are written in, such as context_is_admin, are checked for no call.)
      if (name.includes(':')) {
        assert.ok((rule.operations ?? []).length > 0, `${name} names the calls it is checked for`);
      }
      for (const { method, path } of rule.operations ?? []) {
        assert.ok(entry.includes(`   - \`\`${method} ${path}\`\``), `${name}: ${method} ${path}`);
      }
    }
  });

  it('the sample policy names the calls of each rule above it, as oslopolicy-sample-generator does', () => {
    const sample = renderPolicySample();
    assert.ok(
      sample.includes(
        '# Make an image public (in every cloud that holds a copy).\n' +
          '# POST  /v1/images\n' +
          '# PATCH  /v1/images/{image_id}\n' +
          '#"gimming:image:publicize": "rule:context_is_admin"\n',
      ),
      sample,
    );
  });
});
