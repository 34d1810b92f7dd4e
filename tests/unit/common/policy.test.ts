import assert from 'node:assert/strict';
import { Enforcer, PolicyParseError, parseCheck } from '../../../src/common/policy/check';
import { RULES, renderPolicySample } from '../../../src/gimming-api/policy';

const as = (...roles: string[]) => ({ roles, scope: 'project' as const });
const scoped = (scope: 'domain' | 'system' | 'none', ...roles: string[]) => ({ roles, scope });
const never = () => false;

describe('policy check strings', () => {
  it('reads roles, and/or/not, parentheses, @ and !', () => {
    const check = parseCheck('role:admin or (role:member and not role:suspended)');
    assert.equal(check(as('admin'), never), true);
    assert.equal(check(as('member'), never), true);
    assert.equal(check(as('member', 'suspended'), never), false);
    assert.equal(check(as('reader'), never), false);
    assert.equal(parseCheck('@')(as(), never), true);
    assert.equal(parseCheck('!')(as('admin'), never), false);
    assert.equal(parseCheck('')(as(), never), true);
  });

  it('refuses what it cannot read', () => {
    for (const bad of [
      'role:',
      'role:a or',
      '(role:a',
      'owner:x',
      'role:a role:b',
      'scope:x',
      'system_scope:x',
    ]) {
      assert.throws(() => parseCheck(bad), PolicyParseError, bad);
    }
  });

  it('overrides defaults rule by rule, follows rule: references, refuses unknown rules', () => {
    const defaults = { a: { check: 'role:admin', description: '' }, b: { check: 'rule:a', description: '' } };
    const enforcer = new Enforcer(defaults, { a: 'role:member' });
    assert.equal(enforcer.enforce('a', as('member')), true);
    assert.equal(enforcer.enforce('b', as('member')), true);
    assert.equal(enforcer.enforce('a', as('admin')), false);
    assert.equal(enforcer.enforce('missing', as('admin')), false);
    assert.throws(() => new Enforcer(defaults, { c: '@' }), /unknown policy rule "c"/);
    assert.throws(() => new Enforcer(defaults, { a: 3 }), /must be a string/);
  });

  it('defaults: readers read, members change, admins register clouds', () => {
    const enforcer = new Enforcer(RULES);
    assert.equal(enforcer.enforce('gimming:image:list', as('reader')), true);
    assert.equal(enforcer.enforce('gimming:image:create', as('reader')), false);
    assert.equal(enforcer.enforce('gimming:image:create', as('member')), true);
    assert.equal(enforcer.enforce('gimming:cloud:create', as('member')), false);
    assert.equal(enforcer.enforce('gimming:cloud:create', as('admin')), true);
  });

  it('reads what a token is scoped to', () => {
    assert.equal(parseCheck('scope:project')(as(), never), true);
    assert.equal(parseCheck('scope:project')(scoped('system'), never), false);
    assert.equal(parseCheck('scope:domain')(scoped('domain'), never), true);
    assert.equal(parseCheck('scope:system')(scoped('system'), never), true);
    assert.equal(parseCheck('system_scope:all')(scoped('system'), never), true);
    assert.equal(parseCheck('system_scope:all')(scoped('domain'), never), false);
    assert.equal(parseCheck('scope:project')({ roles: [] }, never), false);
  });

  it('an admin role granted on a domain or the system is nobody here, unless a policy file says so', () => {
    const enforcer = new Enforcer(RULES);
    assert.equal(enforcer.enforce('context_is_admin', as('admin')), true);
    for (const scope of ['domain', 'system', 'none'] as const) {
      for (const name of ['context_is_admin', 'gimming:image:list', 'gimming:image:list_all_projects']) {
        assert.equal(enforcer.enforce(name, scoped(scope, 'admin', 'member', 'reader')), false, name);
      }
    }
    const systemAdmins = new Enforcer(RULES, {
      context_is_admin: '(role:admin and scope:project) or (role:admin and system_scope:all)',
    });
    assert.equal(systemAdmins.enforce('gimming:cloud:create', scoped('system', 'admin')), true);
    assert.equal(systemAdmins.enforce('gimming:cloud:create', scoped('domain', 'admin')), false);
  });

  it('the sample names every rule', () => {
    const sample = renderPolicySample();
    for (const name of Object.keys(RULES)) assert.ok(sample.includes(`#"${name}":`), name);
  });
});
