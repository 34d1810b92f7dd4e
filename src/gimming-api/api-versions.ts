/**
 * The REST API's microversions (`OpenStack-API-Version: image-manager 1.N`), as nova, ironic and placement
 * have them. Each new one is appended here with a line of what it changes, and described in
 * doc/source/contributor/rest-api-version-history.rst; a controller asks `atLeast(ctx, '1.N')`.
 */

/** The service type the header names, as in the Keystone catalog. */
export const API_SERVICE_TYPE = 'image-manager';

/** The major version: the `/v1` of the paths. */
export const API_MAJOR = 1;

/** Every minor version, oldest first, with what it changed. 1.0 is the API as it was before microversions. */
export const API_VERSION_HISTORY: ReadonlyArray<{ minor: number; change: string }> = [
  { minor: 0, change: 'The API as it was when microversions were introduced.' },
  {
    minor: 1,
    change:
      'Browsing a cloud (GET /v1/clouds/{cloud}/images) pages: `marker` (a cloud image ID) and a `next` link.',
  },
  {
    minor: 2,
    change:
      'Image families (/v1/families): versions, channels (promote, rollback, history), resolving a channel ' +
      "to each cloud's image ID, and a version's lifecycle (deprecate, obsolete, revoke, restore; now or at " +
      'a time).',
  },
  {
    minor: 3,
    change:
      'POST /v1/images/{id}/sync takes `on_conflict` (refuse, skip, rename, replace; one for all targets or ' +
      'per target), refuse by default: a target holding another image of the name with other bytes is ' +
      'refused (409 gimming.plan.refused, the plan shows `conflict`).',
  },
  {
    minor: 4,
    change:
      'Bandwidth caps: `max_bandwidth` (bytes/s, or with a unit) on a sync, on an image created with targets ' +
      '(upload, import, adopt) and on a cloud; a cloud shows its cap, a task its own.',
  },
  {
    minor: 5,
    change:
      'POST /v1/images/{id}/sync takes `incremental_from` (an earlier version of the image): targets holding ' +
      'a copy of it get only the blocks that differ; the plan shows path `incremental`.',
  },
  {
    minor: 6,
    change:
      'Resumable uploads: an upload cut short keeps what arrived ([api] upload_resume_time); HEAD ' +
      '/v1/images/{id}/file answers the staged offset (Upload-Offset), and PUT with Content-Range: bytes ' +
      'N-(T-1)/T continues from exactly it (409 gimming.upload.offset_mismatch otherwise, 416 on a bad ' +
      "range). Gimming-Content-Sha256 declares the data's sha256: it is checked, and data already staged " +
      'in the project with that sha256 and size is linked rather than stored again.',
  },
  {
    minor: 7,
    change:
      'POST /v1/images (upload, import, adopt with targets) takes `on_conflict` as a sync does (refuse, ' +
      'skip, rename, replace; one for all targets or per target), refuse by default: a target holding ' +
      'another image of the name is refused (409 gimming.plan.refused, the dry-run plan shows `conflict`).',
  },
  {
    minor: 8,
    change:
      "A cloud's capabilities (GET /v1/clouds, /v1/clouds/{cloud}, POST /v1/clouds) show what its agents " +
      'say of native copies and incremental copies: `native_copy_limit` (the largest image a copy the ' +
      'cloud makes itself takes), `native_copy_unavailable` (why it makes none from a kind of cloud now) ' +
      'and `incremental_conversion` (incremental copies of an image converted on the way).',
  },
];

export const MIN_API_VERSION = `${API_MAJOR}.${API_VERSION_HISTORY[0]!.minor}`;
export const MAX_API_VERSION = `${API_MAJOR}.${API_VERSION_HISTORY[API_VERSION_HISTORY.length - 1]!.minor}`;
