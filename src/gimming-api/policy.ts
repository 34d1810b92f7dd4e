/**
 * GIMinG's policy: rules in code in OpenStack's reader / member / admin personas, which a policy file
 * ([oslo_policy] policy_file, yaml) may override rule by rule. Ownership (which project may see what) is
 * enforced by the conductor; these rules say who may attempt an action at all.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { RequestContext } from '../common/context';
import { GimmingError } from '../common/errors';
import { Enforcer, type RuleDefault } from '../common/policy/check';

const ADMIN = 'role:admin';
const MEMBER = 'role:member or role:admin';
const READER = 'role:reader or role:member or role:admin';

const rule = (check: string, description: string): RuleDefault => ({ check, description });

export const RULES: Record<string, RuleDefault> = {
  'gimming:cloud:create': rule(ADMIN, 'Register a shared cloud.'),
  'gimming:cloud:delete': rule(ADMIN, 'Remove a shared cloud that holds no tracked copy.'),
  'gimming:cloud:create_project': rule(
    MEMBER,
    "Register a cloud owned by the caller's project (its own Keystone and credentials, if any).",
  ),
  'gimming:cloud:delete_project': rule(
    MEMBER,
    "Remove a cloud of the caller's project that holds no tracked copy.",
  ),
  'gimming:cloud:list': rule(READER, 'List the clouds.'),
  'gimming:cloud:get': rule(READER, 'Show a cloud.'),
  'gimming:cloud:list_images': rule(READER, 'Browse the images a cloud holds, live.'),
  'gimming:image:create': rule(
    MEMBER,
    'Create an image: adopt one that lives in a cloud, or record one to upload.',
  ),
  'gimming:image:import': rule(MEMBER, 'Create an image whose data is imported from a URL.'),
  'gimming:image:publicize': rule(ADMIN, 'Make an image public (in every cloud that holds a copy).'),
  'gimming:image:update': rule(MEMBER, "Change an image's name or visibility, in every copy."),
  'gimming:member:list': rule(READER, 'List the projects an image is shared with.'),
  'gimming:member:create': rule(MEMBER, 'Share an image with a project, in every copy.'),
  'gimming:member:delete': rule(MEMBER, 'Stop sharing an image with a project, in every copy.'),
  'gimming:image:list': rule(READER, 'List images, and the matrix of images and clouds.'),
  'gimming:image:get': rule(READER, 'Show an image.'),
  'gimming:image:list_all_projects': rule(ADMIN, 'List images and tasks of every project.'),
  'gimming:image:upload': rule(MEMBER, 'Upload the data of an image.'),
  'gimming:image:sync': rule(MEMBER, 'Copy an image to more clouds, or retry failed copies.'),
  'gimming:image:refresh': rule(MEMBER, 'Check every copy of an image against its cloud now.'),
  'gimming:image:delete': rule(MEMBER, 'Forget an image.'),
  'gimming:image:delete_remote': rule(
    MEMBER,
    'Delete an image with every copy of it from the clouds (checked with gimming:image:delete).',
  ),
  'gimming:location:create': rule(MEMBER, 'Link an existing copy to an image.'),
  'gimming:location:delete': rule(MEMBER, 'Forget a copy, or delete it from its cloud.'),
  'gimming:task:cancel': rule(MEMBER, 'Cancel a pending or running task.'),
  'gimming:task:list': rule(READER, 'List tasks.'),
  'gimming:task:get': rule(READER, 'Show a task.'),
};

let enforcer = new Enforcer(RULES);

/** Loads the policy file, if there is one; a rule that does not parse or is unknown stops the API. */
export function loadPolicy(policyFile: string | null): string | undefined {
  if (!policyFile || !existsSync(policyFile)) {
    enforcer = new Enforcer(RULES);
    return undefined;
  }
  const parsed = parseYaml(readFileSync(policyFile, 'utf8')) as unknown;
  const overrides = parsed === null || parsed === undefined ? {} : parsed;
  if (typeof overrides !== 'object' || Array.isArray(overrides)) {
    throw new Error(`${policyFile}: a policy file maps rule names to check strings`);
  }
  enforcer = new Enforcer(RULES, overrides as Record<string, unknown>);
  return policyFile;
}

export function allowed(ctx: RequestContext, action: string): boolean {
  return enforcer.enforce(action, { roles: ctx.roles });
}

export function authorize(ctx: RequestContext, action: string): void {
  if (!allowed(ctx, action)) {
    throw new GimmingError(
      'gimming.policy.forbidden',
      403,
      `Policy does not allow ${action} to be performed.`,
    );
  }
}

/** The sample policy file: every rule, its description and its default, commented out. */
export function renderPolicySample(): string {
  const lines = ['# GIMinG policy: uncomment a rule to override its default.', ''];
  for (const [name, r] of Object.entries(RULES)) {
    lines.push(`# ${r.description}`, `#"${name}": "${r.check}"`, '');
  }
  return lines.join('\n');
}
