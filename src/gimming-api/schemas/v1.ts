/**
 * Request bodies and query strings of the REST API v1, as JSON Schema (TypeBox), checked at the edge.
 */
import { Type as T } from '@sinclair/typebox';
import Ajv, { type ValidateFunction } from 'ajv';
import { badRequest } from '../../common/errors';

const Name = T.String({ minLength: 1, maxLength: 255, pattern: '^[^\\u0000-\\u001f\\u007f]*$' });
const CloudRef = T.String({ minLength: 1, maxLength: 255, pattern: '^[^\\u0000-\\u001f\\u007f/]*$' });
const RemoteId = T.String({ minLength: 1, maxLength: 255, pattern: '^[A-Za-z0-9._:-]+$' });

export const CreateCloud = T.Object(
  {
    name: T.String({ minLength: 1, maxLength: 255, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' }),
    type: T.Literal('openstack'),
    region_name: Name,
    zone: T.Optional(T.String({ minLength: 1, maxLength: 255, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' })),
  },
  { additionalProperties: false },
);

export const CreateImage = T.Object(
  {
    name: T.Optional(Name),
    visibility: T.Optional(
      T.Union([T.Literal('private'), T.Literal('shared'), T.Literal('community'), T.Literal('public')]),
    ),
    source: T.Object({ cloud: CloudRef, image_id: RemoteId }, { additionalProperties: false }),
    targets: T.Array(CloudRef, { minItems: 1, maxItems: 64 }),
  },
  { additionalProperties: false },
);

export const SyncImage = T.Object(
  { targets: T.Array(CloudRef, { minItems: 1, maxItems: 64 }) },
  { additionalProperties: false },
);

export const AddLocation = T.Object({ cloud: CloudRef, image_id: RemoteId }, { additionalProperties: false });

const ajv = new Ajv({ allErrors: false, strict: true });
const compiled = new Map<object, ValidateFunction>();

/** Validates `value` against `schema`; a 400 names the first field that is wrong. */
export function check<S extends object>(schema: S, value: unknown, what: string): void {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  if (!validate(value)) {
    const e = validate.errors?.[0];
    const where = e?.instancePath ? e.instancePath.slice(1).replace(/\//g, '.') : what;
    const extra =
      e?.keyword === 'additionalProperties'
        ? ` (${String((e.params as { additionalProperty?: string }).additionalProperty)})`
        : '';
    throw badRequest('gimming.request.invalid', `Invalid ${where}: ${e?.message ?? 'not allowed'}${extra}.`);
  }
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID_RE.test(value);
}
