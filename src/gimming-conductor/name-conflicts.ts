/**
 * What a sync does when a target cloud already holds an image of the image's name with other bytes (as
 * FIWARE GlanceSync does): `refuse` (the default from REST 1.3: the target is refused with the reason,
 * before any byte moves, and the dry-run plan shows it), `skip` (no copy to that cloud), `rename` (the
 * old image is renamed `<name>-<UTC date and time>` before the copy; a cloud whose names are fixed, such
 * as EC2's AMIs, refuses it), `replace` (the old image is deleted once the new copy is active). The
 * bytes are compared by size and the hashes both sides know (byte-identity.ts); an image whose bytes
 * cannot be compared is a conflict too. An image tagged with this image's ID is the image's own copy,
 * never a conflict. Without `on_conflict` (an API server before 1.17, or a request before REST 1.3) no
 * conflict is looked for, as before.
 */
import { Type as T } from '@sinclair/typebox';
import type { RequestContext } from '../common/context';
import type { AgentGateway, RemoteImage } from './agent-gateway';
import { IMAGE_ID_PROPERTY, compareBytes, identityOf, remoteIdentity } from './byte-identity';
import type { CloudRow, ImageRow } from './db/entities';

export const CONFLICT_POLICIES = ['refuse', 'skip', 'rename', 'replace'] as const;
export type ConflictPolicy = (typeof CONFLICT_POLICIES)[number];

/** `on_conflict` of a sync: one policy for every target, or one per target (its name or ID; `*` the rest). */
export type OnConflict = ConflictPolicy | Record<string, ConflictPolicy>;

const ConflictPolicyArg = T.Union(CONFLICT_POLICIES.map((p) => T.Literal(p)));
/** The RPC schema of `on_conflict` (sync_image, 1.17). */
export const OnConflictArg = T.Union([
  ConflictPolicyArg,
  T.Record(T.String({ maxLength: 255 }), ConflictPolicyArg),
]);

/** What a plan says of a target's conflict. */
export interface NameConflict {
  remote_id: string;
  name: string;
  /** Why the bytes are taken for other bytes: `different` or `unproven` (nothing to compare). */
  bytes: 'different' | 'unproven';
  policy: ConflictPolicy;
  /** The name the old image gets (rename). */
  renamed_to?: string;
}

/** The policy for a target; undefined: no conflict is looked for. */
export function policyFor(onConflict: OnConflict | undefined, target: CloudRow): ConflictPolicy | undefined {
  if (onConflict === undefined) return undefined;
  if (typeof onConflict === 'string') return onConflict;
  return onConflict[target.name] ?? onConflict[target.id] ?? onConflict['*'] ?? 'refuse';
}

/** `<name>-YYYYMMDDTHHMMSSZ`, the name a renamed image gets. */
export function renamedName(name: string, now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${name.slice(0, 255 - stamp.length - 1)}-${stamp}`;
}

/** The active image of the same name in the target that holds other bytes (the first one), if any. */
export async function findNameConflict(
  gateway: AgentGateway,
  ctx: RequestContext,
  address: string,
  target: CloudRow,
  image: ImageRow,
): Promise<{ remote: RemoteImage; bytes: 'different' | 'unproven' } | undefined> {
  // Listed without filters: a filter's meaning is the driver's (a Glance query, an EC2 tag).
  const images = await gateway.listImages(ctx, address, target, {}, 1000);
  for (const remote of images) {
    if (remote.name !== image.specName || remote.status !== 'active') continue;
    if (remote.properties[IMAGE_ID_PROPERTY] === image.id) continue;
    const verdict = compareBytes(identityOf(image), remoteIdentity(remote)).verdict;
    if (verdict === 'different' || verdict === 'unproven') return { remote, bytes: verdict };
  }
  return undefined;
}

/** The refusal a conflict gives under `refuse` (or `rename` in a cloud whose names are fixed). */
export function conflictRefusal(
  conflict: NameConflict,
  target: CloudRow,
  fixedNames: boolean,
): { code: string; message: string } {
  const held =
    `${target.name} already holds image ${conflict.remote_id} named ${conflict.name} with ` +
    (conflict.bytes === 'different' ? 'other bytes' : 'bytes that cannot be compared');
  if (conflict.policy === 'rename' && fixedNames) {
    return {
      code: 'gimming.plan.name_fixed',
      message: `${held}, and the names of its images cannot change (EC2): use on_conflict skip or replace.`,
    };
  }
  return {
    code: 'gimming.plan.name_conflict',
    message: `${held}: on_conflict skip, rename or replace says what to do.`,
  };
}
