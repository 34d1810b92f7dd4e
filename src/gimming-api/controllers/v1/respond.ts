/**
 * From the conductor's RPC views to the REST answers (schemas/v1-responses.ts). The API answers what its
 * REST schema names and nothing else: a field the conductor adds is not shown until the API decides to,
 * and the decision cannot be forgotten, because this file then fails to compile (see `Decided` below).
 * Fields are kept in the order the conductor sent them, so an answer is byte for byte the RPC view's
 * JSON while the two are the same.
 */
import type { Static, TSchema } from '@sinclair/typebox';
import type * as Rpc from '../../../gimming-conductor/rpc-schemas';
import type * as Rest from '../../schemas/v1-responses';

/** A JSON Schema as TypeBox writes it, as far as the REST schemas use it. */
interface Node {
  type?: string;
  properties?: Record<string, Node>;
  patternProperties?: Record<string, Node>;
  additionalProperties?: Node | boolean;
  items?: Node;
  anyOf?: Node[];
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** The branch of a union a value is in (by JSON type; integer is a number). */
function branch(options: Node[], value: unknown): Node | undefined {
  const type = typeOf(value);
  return options.find((o) => o.type === type || (o.type === 'integer' && type === 'number'));
}

function visit(schema: Node, value: unknown): unknown {
  if (schema.anyOf) {
    const chosen = branch(schema.anyOf, value);
    return chosen ? visit(chosen, value) : value;
  }
  if (schema.type === 'array' && Array.isArray(value) && schema.items) {
    const items = schema.items;
    return value.map((v) => visit(items, v));
  }
  if (schema.type === 'object' && typeOf(value) === 'object') {
    const out: Record<string, unknown> = {};
    const map = schema.patternProperties ? Object.values(schema.patternProperties)[0] : undefined;
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      const named = schema.properties && Object.hasOwn(schema.properties, key);
      const field = named ? schema.properties?.[key] : map;
      if (!field) continue;
      // A cloud's property may be called __proto__ (an own key of the parsed RPC answer): keep it as one.
      if (key === '__proto__') {
        Object.defineProperty(out, key, {
          value: visit(field, v),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      } else out[key] = visit(field, v);
    }
    return out;
  }
  return value;
}

/**
 * The REST answer of `schema` made from a conductor view: only the fields the schema names, in the order
 * they came. The view must be assignable to the REST type (a field REST requires is one the RPC view has).
 */
export function shape<S extends TSchema>(schema: S, view: Static<S>): Static<S> {
  return visit(schema as Node, view);
}

/**
 * The paths of the fields of RPC view `R` that REST view `S` does not have, nested objects and arrays
 * included (`.locations[].remote.size`).
 */
type Missing<R, S, P extends string = ''> = R extends readonly (infer RI)[]
  ? S extends readonly (infer SI)[]
    ? Missing<RI, SI, `${P}[]`>
    : never
  : R extends object
    ? {
        [K in keyof R & string]-?: K extends keyof S
          ? Missing<NonNullable<R[K]>, NonNullable<S[K]>, `${P}.${K}`>
          : `${P}.${K}`;
      }[keyof R & string]
    : never;

/**
 * `true` when every field of the RPC view is either in the REST view or in `Hidden` (paths the API
 * deliberately does not show); otherwise the type is the first undecided path, which is what the
 * compiler names when `true` is not assignable to it.
 */
type Decided<R, S, Hidden extends string = never> = [Exclude<Missing<R, S>, Hidden>] extends [never]
  ? true
  : Exclude<Missing<R, S>, Hidden>;

/** Compiles only for `true`: otherwise the compiler names the undecided path. */
type Assert<T extends true> = T;

/**
 * Every RPC view the REST API answers with, decided field by field. The API shows every field of each
 * but those named as `Hidden` (with why), which the REST schema need not have.
 */
export type DecidedViews = [
  // What a cloud reserves is enforced (gimming.image.reserved_property), not yet part of the cloud view.
  // native_copy_limit, native_copy_unavailable and incremental_conversion are shown from 1.8 on
  // (capabilities-fields.ts takes them out of an older answer).
  // Whether its agents read uploads live is the agents' own (no microversion: the plan's reason says it).
  Assert<
    Decided<
      Rpc.CloudView,
      Rest.CloudView,
      '.capabilities.reserved_property_prefixes' | '.capabilities.live_staging_reads'
    >
  >,
  Assert<Decided<Rpc.ImageView, Rest.ImageView>>,
  Assert<Decided<Rpc.LocationView, Rest.LocationView>>,
  // A copy's start with its upload is told in plan.reason (no microversion: behaviour, not contract).
  Assert<Decided<Rpc.TaskView, Rest.TaskView, '.plan.live'>>,
  Assert<Decided<Rpc.CloudImageView, Rest.CloudImageView>>,
  Assert<Decided<Rpc.MatrixView, Rest.MatrixView>>,
  Assert<Decided<Rpc.MemberView, Rest.MemberView>>,
  Assert<Decided<Rpc.TargetsView, Rest.TargetsView>>,
  Assert<Decided<Rpc.PlanView, Rest.PlanView>>,
  Assert<Decided<Rpc.WebhookView, Rest.WebhookView>>,
  Assert<Decided<Rpc.WebhookDeliveryView, Rest.WebhookDeliveryView>>,
  Assert<Decided<Rpc.FamilyView, Rest.FamilyView>>,
  Assert<Decided<Rpc.ChannelHistoryEntry, Rest.ChannelHistoryEntryView>>,
  Assert<Decided<Rpc.ResolvedChannelView, Rest.ResolvedChannelView>>,
  Assert<Decided<Rpc.LifecycleChangeView, Rest.LifecycleChangeView>>,
];
