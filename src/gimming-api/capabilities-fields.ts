/**
 * A cloud's capabilities as answered at the request's microversion: what its agents say of native and
 * incremental copies (native_copy_limit, native_copy_unavailable, incremental_conversion) from 1.8 on.
 * Below 1.8 the answer is the one 1.7 gave, byte for byte: the same fields in the same order.
 */
import type { CloudView } from './schemas/v1-responses';
import { type VersionState, atLeast } from './middleware/microversion';

/** The capabilities 1.8 added, which an older request is answered without. */
const SINCE_1_8 = ['native_copy_limit', 'native_copy_unavailable', 'incremental_conversion'] as const;

/** The cloud view (already shaped for REST) as answered at the request's microversion. */
export function cloudAt(ctx: { state: VersionState }, cloud: CloudView): CloudView {
  const caps = cloud.capabilities;
  if (!caps || atLeast(ctx, '1.8')) return cloud;
  const before = { ...caps };
  for (const field of SINCE_1_8) delete before[field];
  return { ...cloud, capabilities: before };
}
