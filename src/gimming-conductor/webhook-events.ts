/**
 * Which notifications a webhook receives: a list of event type patterns. A pattern is an event type
 * without or with its `gimming.` prefix (`image.sync.end` and `gimming.image.sync.end` are the same), in
 * which `*` stands for any characters, dots included: `image.*` is every image event, `*.end` the end of
 * every task, `image.lifecycle.*` the lifecycle events, `*` everything. `webhook.ping` is the test ping,
 * which a webhook always receives when it is asked for.
 */
export const EVENT_PREFIX = 'gimming.';
export const PING_EVENT = 'gimming.webhook.ping';

/** What a pattern may be made of (validated at creation). */
export const EVENT_PATTERN = '^[a-z0-9_*-]+(\\.[a-z0-9_*-]+)*$';

function bare(eventType: string): string {
  return eventType.startsWith(EVENT_PREFIX) ? eventType.slice(EVENT_PREFIX.length) : eventType;
}

function toRegExp(pattern: string): RegExp {
  const escaped = bare(pattern)
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${escaped}$`);
}

/** Whether an event type matches any of the patterns. */
export function matchesAny(eventType: string, patterns: readonly string[]): boolean {
  const type = bare(eventType);
  return patterns.some((p) => toRegExp(p).test(type));
}
