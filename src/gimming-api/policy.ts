/**
 * Policy rules in code, in OpenStack's reader / member / admin personas. Each rule names the roles that
 * may perform an action; ownership (which project may see what) is enforced by the conductor.
 */
import type { RequestContext } from '../common/context';
import { GimmingError } from '../common/errors';

const READER = ['reader', 'member', 'admin'];
const MEMBER = ['member', 'admin'];
const ADMIN = ['admin'];

export const RULES: Record<string, { roles: string[]; description: string }> = {
  'gimming:cloud:create': { roles: ADMIN, description: 'Register a shared cloud.' },
  'gimming:cloud:list': { roles: READER, description: 'List the clouds.' },
  'gimming:cloud:get': { roles: READER, description: 'Show a cloud.' },
  'gimming:cloud:list_images': { roles: READER, description: 'Browse the images a cloud holds, live.' },
  'gimming:image:create': { roles: MEMBER, description: 'Create (adopt and sync) an image.' },
  'gimming:image:list': { roles: READER, description: 'List images.' },
  'gimming:image:get': { roles: READER, description: 'Show an image.' },
  'gimming:image:list_all_projects': { roles: ADMIN, description: 'List images of every project.' },
  'gimming:image:upload': { roles: MEMBER, description: 'Upload the data of an image.' },
  'gimming:image:sync': {
    roles: MEMBER,
    description: 'Copy an image to more clouds, or retry failed copies.',
  },
  'gimming:image:refresh': {
    roles: MEMBER,
    description: 'Check every copy of an image against its cloud now.',
  },
  'gimming:image:delete': { roles: MEMBER, description: 'Forget an image.' },
  'gimming:location:create': { roles: MEMBER, description: 'Link an existing copy to an image.' },
  'gimming:location:delete': { roles: MEMBER, description: 'Forget a copy, or delete it from its cloud.' },
  'gimming:task:cancel': { roles: MEMBER, description: 'Cancel a pending or running task.' },
  'gimming:task:list': { roles: READER, description: 'List tasks.' },
  'gimming:task:get': { roles: READER, description: 'Show a task.' },
};

export function allowed(ctx: RequestContext, action: string): boolean {
  const rule = RULES[action];
  if (!rule) return false;
  return rule.roles.some((role) => ctx.hasRole(role));
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
