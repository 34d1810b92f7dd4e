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
];

export const MIN_API_VERSION = `${API_MAJOR}.${API_VERSION_HISTORY[0]!.minor}`;
export const MAX_API_VERSION = `${API_MAJOR}.${API_VERSION_HISTORY[API_VERSION_HISTORY.length - 1]!.minor}`;
