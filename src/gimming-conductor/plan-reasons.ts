/**
 * Why the planner (planner.ts) chose a target's path: the `reason` of a plan's target, shown by a dry run
 * and kept in the copy task's plan. Why a copy is native or why not (which zone's agents do not offer or
 * allow the cloud's own copy), why it is converted, and why a better copy was not read from. A refused
 * target's reason is its refusal's message. Sentences only: no kind of cloud is named here either; why a
 * zone's agents do not offer a native copy is what they say (Capabilities.native_copy_unavailable, since
 * RPC 1.22: Glance's [glance] native_import = never, or its Glance not advertising glance-download), and
 * what it means for an older agent's kind is in the docs.
 */
import type { Capabilities } from './capabilities';

interface Named {
  name: string;
  zone: string;
  type: string;
}

/** The target's cloud copies the image itself. */
export function nativeReason(target: Named, from: Named): string {
  return (
    `Native: cloud ${target.name} (${target.type}) copies the image from cloud ${from.name} itself, as ` +
    `the agents of ${zones(target, from)} allow; no byte passes through the agents.`
  );
}

/**
 * Why the bytes pass through the agents: the source is staged data, or the target's zone does not offer
 * a native copy from the source's kind, or the source's zone does not allow one into the target's kind,
 * and why, where that zone's agents say it (native_copy_unavailable). With a conversion, why it is
 * converted.
 */
export function agentReason(
  target: Named,
  targetCaps: Capabilities | null,
  from: Named | null,
  conversion: { from: string; to: string } | null,
  sourceCaps: Capabilities | null = null,
): string {
  const converted = conversion
    ? ` Converted from ${conversion.from} to ${conversion.to} by the agents of zone ${target.zone}: cloud ` +
      `${target.name} takes no ${conversion.from} images.`
    : '';
  if (!from) {
    return (
      `Through the agents: the image's data is staged by an agent (an upload or an import), which only ` +
      `the agents copy.${converted}`
    );
  }
  const why = targetCaps?.native_copy.includes(from.type)
    ? `cloud ${target.name} could copy from cloud ${from.name} itself, but the agents of zone ${from.zone} ` +
      `do not allow it (they name no ${target.type} cloud among those their cloud's images are copied to ` +
      `natively)${because(sourceCaps, target.type)}`
    : `the agents of zone ${target.zone} offer no native copy from ${from.type} clouds into cloud ` +
      `${target.name} (${target.type})${because(targetCaps, from.type)}`;
  return `Through the agents from cloud ${from.name}: ${why}.${converted}`;
}

/** Why a zone's agents say their cloud makes no native copy with a kind now (1.22), after a colon; or ''. */
function because(caps: Capabilities | null, kind: string): string {
  const said = caps?.native_copy_unavailable?.[kind];
  return said ? `: ${said}` : '';
}

/**
 * The reason of a plan made from another source than the best one (source-choice.ts's order), which was
 * refused: that refusal first, so that a dry run says why the better copy was not read from.
 */
export function afterRefusal(reason: string, better: { source: string | null; refusal: string }): string {
  const copy = better.source === null ? "The image's staged data" : `The copy in cloud ${better.source}`;
  return `${copy} is not read from: ${better.refusal} ${reason}`;
}

/** The reason of a target that needs no copy. */
export function settledReason(target: { name: string }, path: 'present' | 'tagged' | 'skipped'): string {
  switch (path) {
    case 'present':
      return `Cloud ${target.name} holds a copy already, or is getting one.`;
    case 'tagged':
      return (
        `Cloud ${target.name} holds an image tagged with the image's ID and the same bytes: it is taken ` +
        'as the copy, nothing moves.'
      );
    case 'skipped':
      return `Cloud ${target.name} holds another image of the name and on_conflict is skip: no copy is made.`;
  }
}

/** The reason of a copy that ran another way than planned (tasks/copy-plan.ts whatRan). */
export function ranOtherwiseReason(
  planned: { path: string },
  ran: { path: string; conversion: { from: string; to: string } | null },
): string {
  if (planned.path === 'native' && ran.path !== 'native') {
    return (
      'Planned native, but the target agent streamed the bytes: when the copy was made, its cloud could ' +
      'not copy from the source itself (see the agent log).'
    );
  }
  if (ran.path === 'native')
    return 'Planned through the agents, but the target cloud copied the image itself.';
  return ran.conversion
    ? `Converted from ${ran.conversion.from} to ${ran.conversion.to} by the target agent: the target ` +
        "cloud's own format list takes no " +
        `${ran.conversion.from} images.`
    : 'Streamed as it is: the target cloud takes the source format.';
}

function zones(target: Named, from: Named): string {
  return target.zone === from.zone ? `zone ${target.zone}` : `zones ${target.zone} and ${from.zone}`;
}
