/**
 * The calls each policy rule names (its operations, shown in the sample policy and the policy reference)
 * are the calls whose handlers check it: read from the controllers' source, route by route.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RULES } from '../../../src/gimming-api/policy';

// Run from dist/tests/unit/gimming-api/.
const REPO = join(__dirname, '..', '..', '..', '..');
const CONTROLLERS = join(REPO, 'src', 'gimming-api', 'controllers', 'v1');

/** "METHOD /path/{param}" -> the rules its handler checks, from `router.<method>('<path>', ...)` blocks. */
function checkedByRoute(): Map<string, Set<string>> {
  const routes = new Map<string, Set<string>>();
  for (const file of readdirSync(CONTROLLERS).filter((f) => f.endsWith('.ts'))) {
    const source = readFileSync(join(CONTROLLERS, file), 'utf8');
    const starts = [...source.matchAll(/router\.(get|post|put|patch|delete)\(\s*'([^']+)'/g)];
    starts.forEach((m, i) => {
      const body = source.slice(m.index, starts[i + 1]?.index ?? source.length);
      const path = (m[2] as string).replace(/:([a-z_]+)/g, '{$1}');
      const route = `${(m[1] as string).toUpperCase()} ${path}`;
      const rules = new Set(
        [...body.matchAll(/(?:authorize|allowed)\([^,]+,\s*'([^']+)'\)/g)].map((r) => r[1] as string),
      );
      routes.set(route, rules);
    });
  }
  return routes;
}

describe('policy rules and the calls they are checked for', () => {
  it('finds the routes of the v1 controllers', () => {
    const routes = checkedByRoute();
    assert.ok(routes.size >= 20, [...routes.keys()].join(', '));
    assert.deepEqual([...(routes.get('POST /v1/clouds') ?? [])].sort(), [
      'gimming:cloud:create',
      'gimming:cloud:create_project',
    ]);
  });

  it("each rule's operations are exactly the routes whose handler checks it", () => {
    const routes = checkedByRoute();
    for (const [name, rule] of Object.entries(RULES)) {
      if (rule.enforcedBy === 'conductor') continue; // below
      const declared = (rule.operations ?? []).map((o) => `${o.method} ${o.path}`).sort();
      const checked = [...routes]
        .filter(([, rules]) => rules.has(name))
        .map(([route]) => route)
        .sort();
      assert.deepEqual(declared, checked, name);
    }
  });

  it('a rule the conductor checks is checked there, and names calls whose handlers call the conductor', () => {
    const conductor = readdirSync(join(REPO, 'src', 'gimming-conductor'))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => readFileSync(join(REPO, 'src', 'gimming-conductor', f), 'utf8'))
      .join('\n');
    const routes = checkedByRoute();
    for (const [name, rule] of Object.entries(RULES)) {
      if (rule.enforcedBy !== 'conductor') continue;
      assert.ok(conductor.includes(`allowed(ctx, '${name}')`), `${name} is checked by the conductor`);
      assert.ok((rule.operations ?? []).length > 0, name);
      for (const { method, path } of rule.operations ?? []) {
        assert.ok(routes.has(`${method} ${path}`), `${name}: ${method} ${path} is a route`);
      }
    }
  });

  it('every rule a handler checks is a rule in code', () => {
    for (const [route, rules] of checkedByRoute()) {
      for (const name of rules) assert.ok(name in RULES, `${route} checks unknown rule ${name}`);
    }
  });
});
