/**
 * The policy reference (reStructuredText, doc/source/configuration/policy.rst), rendered from the rules
 * in code like the sample policy file: a summary table, then every rule with its default check string,
 * the API calls it is checked for and its description, each with a label other pages can link to
 * (`policy-gimming-image-create` for `gimming:image:create`).
 */
import { generatedBanner, heading, label, literal, text } from '../rst';
import type { RuleDefault } from './check';

/** The label of a rule's entry: :ref:`policy-gimming-image-create` links to gimming:image:create. */
export function ruleLabel(name: string): string {
  return label(`policy-${name}`);
}

const refName = (name: string) => ruleLabel(name).slice('.. _'.length, -1);

/**
 * `gimming:image:create` -> `image`: rules are grouped by the resource their name gives; the personas
 * the others are written in (`context_is_admin`, `project_member`) come first, as `persona`.
 */
function resourceOf(name: string): string {
  return name.split(':')[1] ?? 'persona';
}

function entry(name: string, rule: RuleDefault): string[] {
  const out = [ruleLabel(name), '', ...heading(text(name), '-'), '', `:Default: ${literal(rule.check)}`];
  const operations = rule.operations ?? [];
  if (operations.length > 0) {
    out.push(':Operations:');
    for (const { method, path } of operations) out.push(`   - ${literal(`${method} ${path}`)}`);
  }
  out.push('', text(rule.description), '');
  return out;
}

export function renderPolicyReference(rules: Record<string, RuleDefault>): string {
  const out = [
    ...generatedBanner('the rules in src/common/policy/rules.ts', 'npm run genpolicy'),
    '.. _policy-reference:',
    '',
    ...heading('Policy reference', '=', true),
    '',
    'Every policy rule of ``gimming-api``, with its default and the calls it is checked for. The defaults',
    "follow OpenStack's personas: readers read, members change their project's images, administrators",
    'register clouds, make images public and see every project. A rule says who may attempt a call;',
    'which project may see what is enforced by the conductor, which takes who is an administrator from',
    '``context_is_admin`` (decided once per request), never from the roles. Every default asks for a',
    'project-scoped token: a role granted on a domain or on the system is refused (403) unless a policy',
    'file says otherwise (see :doc:`/admin/security/authorization`).',
    '',
    'The yaml file named by :ref:`[oslo_policy] policy_file <config-oslo-policy-policy-file>` overrides',
    "rules one by one with oslo.policy's check strings (``role:<name>``, ``rule:<name>``, ``@``, ``!``,",
    "``not``, ``and``, ``or``, parentheses), ``system_scope:all``, and GIMinG's ``scope:project``,",
    '``scope:domain`` and ``scope:system`` for what the token is scoped to; :doc:`sample-policy` lists',
    'every rule to start from. An',
    'unknown rule or a check that does not parse stops ``gimming-api`` at start-up.',
    '',
    '.. list-table::',
    '   :header-rows: 1',
    '   :widths: 40 60',
    '',
    '   * - Rule',
    '     - Default',
  ];
  for (const [name, rule] of Object.entries(rules)) {
    out.push(`   * - :ref:\`${text(name)} <${refName(name)}>\``, `     - ${literal(rule.check)}`);
  }
  out.push('');
  const groups = new Map<string, string[]>();
  for (const name of Object.keys(rules)) {
    const names = groups.get(resourceOf(name)) ?? [];
    names.push(name);
    groups.set(resourceOf(name), names);
  }
  for (const [resource, names] of groups) {
    const title = `${resource.charAt(0).toUpperCase()}${resource.slice(1)} rules`;
    out.push(label(`policy-${resource}`), '', ...heading(text(title), '='), '');
    for (const name of names) out.push(...entry(name, rules[name] as RuleDefault));
  }
  while (out[out.length - 1] === '') out.pop();
  return `${out.join('\n')}\n`;
}
