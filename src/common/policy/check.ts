/**
 * Policy check strings in oslo.policy's language (the part GIMinG uses): `role:<name>`, `rule:<name>`,
 * `@` (always), `!` (never), `not`, `and`, `or` and parentheses, e.g. `role:admin or (role:member and not
 * role:suspended)`. Parsed once; a string that does not parse is an error at start-up.
 *
 * What the token is scoped to is checked with `scope:project`, `scope:domain` or `scope:system` (GIMinG's
 * own check: a role alone says nothing of where it was granted), and oslo.policy's `system_scope:all`.
 */

export type Scope = 'project' | 'domain' | 'system' | 'none';

export interface Credentials {
  roles: readonly string[];
  /** Absent: no scope ('none'). */
  scope?: Scope;
}

const SCOPES: readonly string[] = ['project', 'domain', 'system'];

export type Check = (creds: Credentials, resolve: (rule: string) => boolean) => boolean;

export class PolicyParseError extends Error {
  override name = 'PolicyParseError';
}

function tokenize(text: string): string[] {
  return text
    .replace(/\(/g, ' ( ')
    .replace(/\)/g, ' ) ')
    .split(/\s+/)
    .filter((t) => t !== '');
}

export function parseCheck(text: string): Check {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = () => tokens[pos];
  const next = () => tokens[pos++];

  function atom(): Check {
    const token = next();
    if (token === undefined) throw new PolicyParseError(`unexpected end of "${text}"`);
    if (token === '(') {
      const inner = or();
      if (next() !== ')') throw new PolicyParseError(`missing ")" in "${text}"`);
      return inner;
    }
    if (token === 'not') {
      const inner = atom();
      return (c, r) => !inner(c, r);
    }
    if (token === '@') return () => true;
    if (token === '!') return () => false;
    const [kind, value] = [token.slice(0, token.indexOf(':')), token.slice(token.indexOf(':') + 1)];
    if (token.includes(':') && value !== '') {
      if (kind === 'role') return (c) => c.roles.includes(value);
      if (kind === 'rule') return (c, r) => r(value);
      if (kind === 'scope' && SCOPES.includes(value)) return (c) => c.scope === value;
      if (kind === 'system_scope' && value === 'all') return (c) => c.scope === 'system';
    }
    throw new PolicyParseError(`cannot read "${token}" in "${text}"`);
  }

  function and(): Check {
    let left = atom();
    while (peek() === 'and') {
      next();
      const right = atom();
      const l = left;
      left = (c, r) => l(c, r) && right(c, r);
    }
    return left;
  }

  function or(): Check {
    let left = and();
    while (peek() === 'or') {
      next();
      const right = and();
      const l = left;
      left = (c, r) => l(c, r) || right(c, r);
    }
    return left;
  }

  if (tokens.length === 0) return () => true; // oslo.policy: an empty rule always passes
  const check = or();
  if (pos !== tokens.length) throw new PolicyParseError(`unexpected "${tokens[pos]}" in "${text}"`);
  return check;
}

/** An API call a rule is checked for, as oslo.policy's DocumentedRuleDefault names it. */
export interface Operation {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The path with its parameters in braces, as the API reference writes it: `/v1/images/{image_id}`. */
  path: string;
}

export interface RuleDefault {
  check: string;
  description: string;
  /** The calls the rule is checked for (shown in the sample policy and the policy reference). */
  operations?: readonly Operation[];
  /** Checked by the conductor during those calls, rather than by the API's controllers. */
  enforcedBy?: 'conductor';
}

/** Rules in code, overridden by a policy file; every rule parsed at construction. */
export class Enforcer {
  private readonly checks = new Map<string, Check>();

  constructor(defaults: Record<string, RuleDefault>, overrides: Record<string, unknown> = {}) {
    for (const [name, value] of Object.entries(overrides)) {
      if (!(name in defaults)) throw new PolicyParseError(`unknown policy rule "${name}"`);
      if (typeof value !== 'string') throw new PolicyParseError(`policy rule "${name}" must be a string`);
    }
    for (const [name, rule] of Object.entries(defaults)) {
      const text = (overrides[name] as string | undefined) ?? rule.check;
      this.checks.set(name, parseCheck(text));
    }
  }

  enforce(name: string, creds: Credentials, depth = 0): boolean {
    const check = this.checks.get(name);
    if (!check || depth > 10) return false;
    return check(creds, (rule) => this.enforce(rule, creds, depth + 1));
  }
}
