/**
 * An image family's versions, channels and lifecycle changes in words, as the dashboard says them: which
 * lifecycle changes a version can take (and what each does, for its confirmation), a version's name and a
 * channel's history entry. Pure (no DOM, no Node), so the dashboard bundles it and unit tests run it.
 */

export type Lifecycle = 'active' | 'deprecated' | 'obsolete' | 'revoked';

/** From the mildest to the strongest: a version goes forward along it, or back to active (undo). */
const ORDER: readonly Lifecycle[] = ['active', 'deprecated', 'obsolete', 'revoked'];

export interface LifecycleAction {
  /** The state the change sets (POST .../lifecycle {"state"}). */
  state: Lifecycle;
  /** The button's word. */
  label: string;
  /** What it does, asked before it is done. */
  effect: string;
  /** Whether it takes the version out of use (the button and its confirmation say so). */
  danger: boolean;
}

const ACTIONS: Record<Lifecycle, Omit<LifecycleAction, 'state'>> = {
  deprecated: {
    label: 'Deprecate',
    effect:
      'Its copies are hidden, or marked deprecated, in their clouds; they still boot. Channels keep pointing at it.',
    danger: false,
  },
  obsolete: {
    label: 'Obsolete',
    effect:
      'Its copies are hidden and deactivated, or disabled, in their clouds: they no longer boot. Channels keep pointing at it.',
    danger: true,
  },
  revoked: {
    label: 'Revoke',
    effect:
      'Its copies are hidden and deactivated, or disabled, in their clouds; latest moves back to the newest version left, and any other channel pointing at it is cleared.',
    danger: true,
  },
  active: {
    label: 'Undo',
    effect:
      'It becomes active again: its copies are shown and reactivated in their clouds (sharing that disabling removed is not put back).',
    danger: false,
  },
};

function known(state: string): Lifecycle | undefined {
  return (ORDER as readonly string[]).includes(state) ? (state as Lifecycle) : undefined;
}

/**
 * The lifecycle changes a version in `state` can take: each stronger state, and undo (back to active)
 * when it is not active. A state this code does not know offers only undo.
 */
export function lifecycleActions(state: string): LifecycleAction[] {
  const current = known(state);
  const stronger = current ? ORDER.slice(ORDER.indexOf(current) + 1) : [];
  const states: Lifecycle[] = current === 'active' ? stronger : [...stronger, 'active'];
  return states.map((s) => ({ state: s, ...ACTIONS[s] }));
}

/** A version as people name it: its number, and its label when it has one ("3 (20261203)"). */
export function versionName(v: { sequence: number; label: string | null } | null | undefined): string {
  if (!v) return 'none';
  return v.label ? `${v.sequence} (${v.label})` : String(v.sequence);
}

/** The question a lifecycle change asks before it is made. */
export function confirmation(family: string, version: string, action: LifecycleAction): string {
  const verb = action.state === 'active' ? 'Undo the lifecycle change of' : `${action.label}`;
  return `${verb} version ${version} of ${family}? ${action.effect}`;
}

/** One move of a channel, in words ("promoted to 3, from 2"). */
export function historyWords(entry: {
  action: string;
  version: number | null;
  previous_version: number | null;
}): string {
  const to = entry.version === null ? 'none' : String(entry.version);
  const from = entry.previous_version === null ? '' : `, from ${entry.previous_version}`;
  switch (entry.action) {
    case 'promote':
      return `promoted to ${to}${from}`;
    case 'rollback':
      return `rolled back to ${to}${from}`;
    case 'follow':
      return `followed the newest version to ${to}${from}`;
    case 'clear':
      return `cleared (version ${entry.previous_version ?? '?'} was revoked)`;
    default:
      return `${entry.action}: ${to}${from}`;
  }
}
