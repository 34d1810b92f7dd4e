/** A body field a later microversion added is refused below it, naming the version to ask for. */
import assert from 'node:assert/strict';
import { GimmingError } from '../../../src/common/errors';
import { ApiVersion, requireVersionFor } from '../../../src/gimming-api/middleware/microversion';

const at = (v: string) => ({ state: { apiVersion: ApiVersion.parse(v) } });

describe('a field of a later microversion', () => {
  it('is refused below its version with 400 and the header to send, and taken at or above it', () => {
    assert.throws(
      () => requireVersionFor(at('1.4'), 'incremental_from', '1.5'),
      (err: unknown) =>
        err instanceof GimmingError &&
        err.status === 400 &&
        err.code === 'gimming.request.invalid' &&
        err.message ===
          'incremental_from needs API microversion 1.5 (OpenStack-API-Version: image-manager 1.5).',
    );
    requireVersionFor(at('1.5'), 'incremental_from', '1.5');
    requireVersionFor(at('1.10'), 'incremental_from', '1.5');
  });
});
