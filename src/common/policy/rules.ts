/**
 * GIMinG's policy: rules in code in OpenStack's reader / member / admin personas, which a policy file
 * ([oslo_policy] policy_file, yaml) may override rule by rule. Ownership (which project may see what) is
 * enforced by the conductor; these rules say who may attempt an action at all. The API checks most of
 * them at its edge; the conductor, which takes the caller's identity from Keystone itself, decides with
 * the same rules who is an administrator (context_is_admin) and the rules only it can check, once it
 * knows what a cloud says (those marked `enforcedBy: 'conductor'`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { RequestContext } from '../context';
import { GimmingError } from '../errors';
import { Enforcer, type Operation, type RuleDefault } from './check';

const ADMIN = 'rule:context_is_admin';
const MEMBER = 'rule:project_member';
const READER = 'rule:project_reader';

type Method = Operation['method'];
const op = (method: Method, path: string): Operation => ({ method, path });
const rule = (check: string, description: string, ...operations: Operation[]): RuleDefault => ({
  check,
  description,
  operations,
});

const IMAGE = '/v1/images/{image_id}';
const FAMILY = '/v1/families/{family}';

/** The rules, each with the calls it is checked for (a unit test holds these to the controllers). */
export const RULES: Record<string, RuleDefault> = {
  // The personas the rules below are written in. Each asks for a project-scoped token: a role granted on
  // a domain or on the system says nothing about which project's images it covers.
  context_is_admin: rule(
    'role:admin and scope:project',
    "Who GIMinG treats as an administrator: sees and acts on every project's images and tasks (with " +
      'all_projects), publicizes images, adopts images it does not own. Decided once per request, where ' +
      'it enters the API; the conductor acts on that answer, never on the roles.',
  ),
  project_member: rule(
    '(role:member or role:admin) and scope:project',
    'A member of the project the token is scoped to.',
  ),
  project_reader: rule(
    '(role:reader or role:member or role:admin) and scope:project',
    'A reader of the project the token is scoped to.',
  ),
  'gimming:cloud:create': rule(ADMIN, 'Register a shared cloud.', op('POST', '/v1/clouds')),
  'gimming:cloud:delete': rule(
    ADMIN,
    'Remove a shared cloud that holds no tracked copy.',
    op('DELETE', '/v1/clouds/{cloud}'),
  ),
  'gimming:cloud:create_project': rule(
    MEMBER,
    "Register a cloud owned by the caller's project (its own Keystone and credentials, if any).",
    op('POST', '/v1/clouds'),
  ),
  'gimming:cloud:delete_project': rule(
    MEMBER,
    "Remove a cloud of the caller's project that holds no tracked copy.",
    op('DELETE', '/v1/clouds/{cloud}'),
  ),
  'gimming:cloud:list': rule(READER, 'List the clouds.', op('GET', '/v1/clouds')),
  'gimming:cloud:get': rule(READER, 'Show a cloud.', op('GET', '/v1/clouds/{cloud}')),
  'gimming:cloud:list_images': rule(
    READER,
    'Browse the images a cloud holds, live.',
    op('GET', '/v1/clouds/{cloud}/images'),
  ),
  'gimming:image:create': rule(
    MEMBER,
    'Create an image: adopt one that lives in a cloud, or record one to upload.',
    op('POST', '/v1/images'),
  ),
  'gimming:image:adopt_unowned': {
    ...rule(
      ADMIN,
      'Adopt, or link as a copy, an image of a cloud that another project owns there (public, or shared ' +
        "with the caller's project). Without it a project adopts and links only its own images. Checked " +
        'by the conductor, which alone learns who owns the image.',
      op('POST', '/v1/images'),
      op('POST', `${IMAGE}/locations`),
    ),
    enforcedBy: 'conductor',
  },
  'gimming:image:import': rule(
    MEMBER,
    'Create an image whose data is imported from a URL.',
    op('POST', '/v1/images'),
  ),
  'gimming:image:publicize': rule(
    ADMIN,
    'Make an image public (in every cloud that holds a copy).',
    op('POST', '/v1/images'),
    op('PATCH', IMAGE),
  ),
  'gimming:image:update': rule(
    MEMBER,
    "Change an image's name or visibility, in every copy.",
    op('PATCH', IMAGE),
  ),
  'gimming:member:list': rule(
    READER,
    'List the projects an image is shared with.',
    op('GET', `${IMAGE}/members`),
  ),
  'gimming:member:create': rule(
    MEMBER,
    'Share an image with a project, in every copy.',
    op('POST', `${IMAGE}/members`),
  ),
  'gimming:member:delete': rule(
    MEMBER,
    'Stop sharing an image with a project, in every copy.',
    op('DELETE', `${IMAGE}/members/{member_id}`),
  ),
  'gimming:image:list': rule(
    READER,
    'List images, and the matrix of images and clouds.',
    op('GET', '/v1/images'),
    op('GET', '/v1/matrix'),
  ),
  'gimming:image:get': rule(READER, 'Show an image.', op('GET', IMAGE)),
  'gimming:image:list_all_projects': rule(
    ADMIN,
    'List images, tasks and webhooks of every project.',
    op('GET', '/v1/images'),
    op('GET', '/v1/matrix'),
    op('GET', '/v1/tasks'),
    op('GET', '/v1/webhooks'),
  ),
  'gimming:image:upload': rule(MEMBER, 'Upload the data of an image.', op('PUT', `${IMAGE}/file`)),
  'gimming:image:sync': rule(
    MEMBER,
    'Copy an image to more clouds, or retry failed copies.',
    op('POST', `${IMAGE}/sync`),
  ),
  'gimming:image:set_targets': rule(
    MEMBER,
    'Set the clouds an image should be in: copy it to the new ones, delete its copies from the others.',
    op('PUT', `${IMAGE}/targets`),
  ),
  'gimming:image:refresh': rule(
    MEMBER,
    'Check every copy of an image against its cloud now.',
    op('POST', `${IMAGE}/refresh`),
  ),
  'gimming:image:delete': rule(MEMBER, 'Forget an image.', op('DELETE', IMAGE)),
  'gimming:image:delete_remote': rule(
    MEMBER,
    'Delete an image with every copy of it from the clouds (checked with gimming:image:delete).',
    op('DELETE', IMAGE),
  ),
  'gimming:location:create': rule(
    MEMBER,
    'Link an existing copy to an image.',
    op('POST', `${IMAGE}/locations`),
  ),
  'gimming:location:delete': rule(
    MEMBER,
    'Forget a copy, or delete it from its cloud.',
    op('DELETE', `${IMAGE}/locations/{cloud}`),
  ),
  'gimming:task:cancel': rule(
    MEMBER,
    'Cancel a pending or running task.',
    op('POST', '/v1/tasks/{task_id}/cancel'),
  ),
  'gimming:task:list': rule(READER, 'List tasks.', op('GET', '/v1/tasks')),
  'gimming:task:get': rule(READER, 'Show a task.', op('GET', '/v1/tasks/{task_id}')),
  'gimming:webhook:create': rule(
    MEMBER,
    "Register a webhook that receives the project's notifications.",
    op('POST', '/v1/webhooks'),
  ),
  'gimming:webhook:list': rule(READER, "List the project's webhooks.", op('GET', '/v1/webhooks')),
  'gimming:webhook:get': rule(READER, 'Show a webhook.', op('GET', '/v1/webhooks/{webhook_id}')),
  'gimming:webhook:delete': rule(
    MEMBER,
    'Delete a webhook and its delivery history.',
    op('DELETE', '/v1/webhooks/{webhook_id}'),
  ),
  'gimming:webhook:list_deliveries': rule(
    READER,
    "List a webhook's deliveries, newest first.",
    op('GET', '/v1/webhooks/{webhook_id}/deliveries'),
  ),
  'gimming:webhook:ping': rule(
    MEMBER,
    'Send a test delivery (gimming.webhook.ping) to a webhook.',
    op('POST', '/v1/webhooks/{webhook_id}/ping'),
  ),
  // 1.2: image families, channels and lifecycle.
  'gimming:family:create': rule(
    MEMBER,
    "Create an image family in the caller's project.",
    op('POST', '/v1/families'),
  ),
  'gimming:family:list': rule(READER, "List the project's image families.", op('GET', '/v1/families')),
  'gimming:family:list_all_projects': rule(
    ADMIN,
    "List every project's image families (all_projects=true).",
    op('GET', '/v1/families'),
  ),
  'gimming:family:get': rule(
    READER,
    'Show an image family with its versions and channels.',
    op('GET', FAMILY),
    op('GET', `${FAMILY}/versions`),
    op('GET', `${FAMILY}/channels`),
  ),
  'gimming:family:delete': rule(
    MEMBER,
    'Forget an image family, its versions and channels (the images stay).',
    op('DELETE', FAMILY),
  ),
  'gimming:family:add_version': rule(
    MEMBER,
    "Add one of the project's images to a family as its newest version.",
    op('POST', `${FAMILY}/versions`),
  ),
  'gimming:family:set_lifecycle': rule(
    MEMBER,
    'Deprecate, obsolete, revoke or restore a version, now or at a time, in every cloud holding a copy.',
    op('POST', `${FAMILY}/versions/{version}/lifecycle`),
  ),
  'gimming:channel:promote': rule(
    MEMBER,
    'Point a channel at a version.',
    op('PUT', `${FAMILY}/channels/{channel}`),
  ),
  'gimming:channel:rollback': rule(
    MEMBER,
    'Point a channel back at the version it had before its last promotion.',
    op('POST', `${FAMILY}/channels/{channel}/rollback`),
  ),
  'gimming:channel:history': rule(
    READER,
    "Show a channel's history (every promotion, rollback and move of latest).",
    op('GET', `${FAMILY}/channels/{channel}/history`),
  ),
  'gimming:channel:resolve': rule(
    READER,
    "Resolve a channel to its version's image ID in each cloud.",
    op('GET', `${FAMILY}/channels/{channel}/resolve`),
  ),
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
  return enforcer.enforce(action, { roles: ctx.roles, scope: ctx.scope });
}

/** The policy's `context_is_admin` for a caller (what the request context carries as is_admin). */
export function isAdministrator(ctx: RequestContext): boolean {
  return allowed(ctx, 'context_is_admin');
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

/**
 * The sample policy file: every rule, its description, the calls it is checked for (as
 * oslopolicy-sample-generator writes them) and its default, commented out.
 */
export function renderPolicySample(): string {
  const lines = ['# GIMinG policy: uncomment a rule to override its default.', ''];
  for (const [name, r] of Object.entries(RULES)) {
    lines.push(`# ${r.description}`);
    for (const { method, path } of r.operations ?? []) lines.push(`# ${method}  ${path}`);
    lines.push(`#"${name}": "${r.check}"`, '');
  }
  return lines.join('\n');
}
