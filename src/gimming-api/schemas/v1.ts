/**
 * Request bodies and query strings of the REST API v1, as JSON Schema (TypeBox), checked at the edge.
 */
import { Type as T } from '@sinclair/typebox';
import Ajv, { type ValidateFunction } from 'ajv';
import { badRequest } from '../../common/errors';

const Name = T.String({ minLength: 1, maxLength: 255, pattern: '^[^\\u0000-\\u001f\\u007f]*$' });
const CloudRef = T.String({ minLength: 1, maxLength: 255, pattern: '^[^\\u0000-\\u001f\\u007f/]*$' });
// A cloud's image ID: not `.` or `..`, which a URL path would collapse.
const RemoteId = T.String({ minLength: 1, maxLength: 255, pattern: '^(?!\\.{1,2}$)[A-Za-z0-9._:-]+$' });

/**
 * A bandwidth cap (microversion 1.4): bytes per second, or a string with a unit ("100M", "80MiB/s",
 * "1Gbit"; common/bandwidth.ts), converted to bytes per second at the edge.
 */
export const MaxBandwidth = T.Union([
  T.Integer({ minimum: 1 }),
  T.String({ minLength: 1, maxLength: 32, pattern: '^ *\\d+(\\.\\d+)? *[A-Za-z]* *(/s)? *$' }),
]);

export const CreateCloud = T.Object(
  {
    name: T.String({ minLength: 1, maxLength: 255, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' }),
    type: T.Union([T.Literal('openstack'), T.Literal('aws'), T.Literal('gcp')]),
    // openstack: a region of the Keystone catalog; aws: an AWS region code (us-east-1), checked by the conductor
    region_name: Name,
    zone: T.Optional(T.String({ minLength: 1, maxLength: 255, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' })),
    // shared (default: the operator's, for everyone) or project (the caller's project's own)
    scope: T.Optional(T.Union([T.Literal('shared'), T.Literal('project')])),
    // A project cloud's own Keystone, and the key-manager secret with its credentials.
    auth_url: T.Optional(T.String({ minLength: 1, maxLength: 1024, pattern: '^https?://[^\\s]+$' })),
    credentials_ref: T.Optional(T.String({ minLength: 1, maxLength: 1024, pattern: '^[^\\s]+$' })),
    // aws only (and required there): the S3 bucket for transfers; the conductor checks S3's naming rules.
    bucket: T.Optional(T.String({ minLength: 1, maxLength: 255, pattern: '^[^\\s]+$' })),
    // gcp only: the Google Cloud project (required), where images are stored, their default family;
    // the conductor checks Google's naming rules.
    project: T.Optional(T.String({ minLength: 1, maxLength: 255, pattern: '^[^\\s]+$' })),
    storage_location: T.Optional(T.String({ minLength: 1, maxLength: 64, pattern: '^[^\\s]+$' })),
    family: T.Optional(T.String({ minLength: 1, maxLength: 63, pattern: '^[^\\s]+$' })),
    // 1.4: every copy to or from the cloud is held to this bandwidth
    max_bandwidth: T.Optional(MaxBandwidth),
  },
  { additionalProperties: false },
);

const Visibility = T.Union([
  T.Literal('private'),
  T.Literal('shared'),
  T.Literal('community'),
  T.Literal('public'),
]);

const ConflictPolicy = T.Union(['refuse', 'skip', 'rename', 'replace'].map((p) => T.Literal(p)));

/** What to do about another image of the name in a target: one policy, or one per target (`*` the rest). */
const OnConflictField = T.Optional(
  T.Union([ConflictPolicy, T.Record(T.String({ minLength: 1, maxLength: 255 }), ConflictPolicy)]),
);

/** Adopt an image that lives in a cloud and copy it to the targets. */
export const CreateImage = T.Object(
  {
    name: T.Optional(Name),
    visibility: T.Optional(Visibility),
    source: T.Object({ cloud: CloudRef, image_id: RemoteId }, { additionalProperties: false }),
    // No target: track the image where it is (spread it later with sync).
    targets: T.Array(CloudRef, { minItems: 0, maxItems: 64 }),
    // 1.4: the copies to the targets are held to this bandwidth
    max_bandwidth: T.Optional(MaxBandwidth),
    on_conflict: OnConflictField, // 1.7: refuse by default
  },
  { additionalProperties: false },
);

/** Glance's disk and container formats. */
export const DISK_FORMATS = [
  'ami',
  'ari',
  'aki',
  'vhd',
  'vhdx',
  'vmdk',
  'raw',
  'qcow2',
  'vdi',
  'iso',
  'ploop',
] as const;
export const CONTAINER_FORMATS = ['bare', 'ovf', 'ova', 'aki', 'ari', 'ami', 'docker', 'compressed'] as const;

/** Record an image whose data is uploaded next (PUT /v1/images/{id}/file). */
export const CreateUploadImage = T.Object(
  {
    name: Name,
    disk_format: T.Union(DISK_FORMATS.map((f) => T.Literal(f))),
    container_format: T.Union(CONTAINER_FORMATS.map((f) => T.Literal(f))),
    visibility: T.Optional(Visibility),
    min_disk: T.Optional(T.Integer({ minimum: 0, maximum: 2147483647 })),
    min_ram: T.Optional(T.Integer({ minimum: 0, maximum: 2147483647 })),
    // Glance's schema: property names up to 255 characters, values strings of up to 255.
    properties: T.Optional(
      T.Record(
        T.String({ minLength: 1, maxLength: 255, pattern: '^[A-Za-z0-9_:.-]+$' }),
        T.String({ maxLength: 255 }),
        { maxProperties: 128, additionalProperties: false },
      ),
    ),
    targets: T.Array(CloudRef, { minItems: 1, maxItems: 64 }),
    // 1.4: the copies from the staged data to the targets are held to this bandwidth
    max_bandwidth: T.Optional(MaxBandwidth),
    on_conflict: OnConflictField, // 1.7: refuse by default
  },
  { additionalProperties: false },
);

/** Import an image's data from a URL (like Glance's web-download), then copy it to the targets. */
export const CreateImportImage = T.Object(
  {
    ...CreateUploadImage.properties,
    source: T.Object(
      { url: T.String({ minLength: 1, maxLength: 2048, pattern: '^[^\\u0000-\\u0020\\u007f]+$' }) },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

/**
 * Property names GIMinG or the clouds own: a user cannot set them. The prefixes a kind of cloud keeps
 * for itself besides are its driver's (reserved_property_prefixes), refused by the conductor.
 */
const RESERVED = new Set([
  'checksum',
  'size',
  'status',
  'id',
  'owner',
  'locations',
  'name',
  'disk_format',
  'container_format',
  'visibility',
  'min_disk',
  'min_ram',
  'protected',
  'tags',
  'created_at',
  'updated_at',
  'virtual_size',
  'file',
  'schema',
  'self',
  'direct_url',
  'stores',
  'os_hidden',
]);

export function reservedProperty(name: string): boolean {
  // __proto__ and the like would not survive being an object's key on the way to the clouds.
  if (name === '__proto__' || name === 'constructor' || name === 'prototype') return true;
  return RESERVED.has(name) || /^(os_hash_|gimming_)/.test(name);
}

/** An earlier version of the image: targets holding a copy of it get only the blocks that differ (1.5). */
const IncrementalFrom = T.Optional(
  T.String({ pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' }),
);

export const SyncImage = T.Object(
  {
    targets: T.Array(CloudRef, { minItems: 1, maxItems: 64 }),
    max_bandwidth: T.Optional(MaxBandwidth), // 1.4: the cap of the copies
    incremental_from: IncrementalFrom,
  },
  { additionalProperties: false },
);

/** 1.3: a sync with what to do about another image of the name in a target, for all or per target. */
export const SyncImageWithConflicts = T.Object(
  {
    targets: T.Array(CloudRef, { minItems: 1, maxItems: 64 }),
    on_conflict: OnConflictField,
    max_bandwidth: T.Optional(MaxBandwidth), // 1.4
    incremental_from: IncrementalFrom,
  },
  { additionalProperties: false },
);

/** The clouds an image should be in: copies made to the new ones, the others' copies deleted. */
export const SetTargets = T.Object(
  { clouds: T.Array(CloudRef, { minItems: 0, maxItems: 64 }), dry_run: T.Optional(T.Boolean()) },
  { additionalProperties: false },
);

/** Changes to an image (JSON merge patch): applied to every copy. */
export const UpdateImage = T.Object(
  { name: T.Optional(Name), visibility: T.Optional(Visibility) },
  { additionalProperties: false, minProperties: 1 },
);

/** A project to share an image with (Glance's image member body). */
export const AddMember = T.Object(
  { member: T.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }) },
  { additionalProperties: false },
);

export const AddLocation = T.Object(
  { cloud: CloudRef, image_id: RemoteId, accept_unverified: T.Optional(T.Boolean()) },
  { additionalProperties: false },
);

/** Register a webhook (the conductor checks where its URL leads). */
export const CreateWebhook = T.Object(
  {
    url: T.String({ minLength: 1, maxLength: 2048, pattern: '^https?://[^\\s]+$' }),
    name: T.Optional(Name),
    // Event type patterns (webhook-events.ts): `image.*`, `*.end`, `gimming.image.sync.error`, `*`.
    event_types: T.Optional(
      T.Array(T.String({ minLength: 1, maxLength: 255, pattern: '^[a-z0-9_*-]+(\\.[a-z0-9_*-]+)*$' }), {
        minItems: 1,
        maxItems: 32,
      }),
    ),
  },
  { additionalProperties: false },
);

/** Image attributes `GET /v1/images?sort=key[:asc|desc]` sorts by. */
export const IMAGE_SORT_KEYS = ['created_at', 'updated_at', 'name', 'status', 'visibility'] as const;

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

// 1.2: image families.
const FamilyName = T.String({ minLength: 1, maxLength: 255, pattern: '^[A-Za-z0-9][A-Za-z0-9._:+-]*$' });
const VersionRef = T.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._:+-]*$' });

export const CreateFamily = T.Object(
  { name: FamilyName, description: T.Optional(T.String({ maxLength: 1024 })) },
  { additionalProperties: false },
);

export const AddFamilyVersion = T.Object(
  {
    image_id: T.String({ minLength: 1, maxLength: 255 }),
    // A name for the version besides its sequence number (not all digits: those are sequence numbers).
    label: T.Optional(
      T.String({ minLength: 1, maxLength: 64, pattern: '^(?![0-9]+$)[A-Za-z0-9][A-Za-z0-9._:+-]*$' }),
    ),
    // The version it was built from: its sequence number, label or ID.
    parent: T.Optional(VersionRef),
  },
  { additionalProperties: false },
);

export const PromoteChannel = T.Object({ version: VersionRef }, { additionalProperties: false });

export const SetLifecycle = T.Object(
  {
    state: T.Union([
      T.Literal('active'),
      T.Literal('deprecated'),
      T.Literal('obsolete'),
      T.Literal('revoked'),
    ]),
    // An ISO 8601 time with its zone: the change waits until then; absent: now.
    at: T.Optional(
      T.String({
        maxLength: 64,
        pattern:
          '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]+)?)?(Z|[+-][0-9]{2}:[0-9]{2})$',
      }),
    ),
    cascade: T.Optional(T.Boolean()),
  },
  { additionalProperties: false },
);
