/**
 * The wire contracts, fingerprinted (as ironic fingerprints its objects): a change to the agent proto or
 * to a conductor RPC schema fails here until the version is bumped and the fingerprint updated, so no
 * contract changes without a new version.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { METHODS, RPC_API_VERSION } from '../../../src/gimming-conductor/rpc-schemas';
import { ENVELOPE_VERSION } from '../../../src/common/rpc/envelope';
import { AGENT_PROTO, PROTO_ROOT } from '../../../src/common/grpc/loader';

const sha = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);

const EXPECTED = {
  // 1.22: the heartbeat's native_copy_limit and native_copy_unavailable capabilities; 1.24:
  // incremental_conversion; 1.25: live_staging_reads (1.23 unused)
  conductor: { version: '1.25', fingerprint: 'fb0a62a06c4e3a0b' },
  envelope: { version: '1.1' },
  // + stream_through_agents (14), max_bandwidth (15), incremental_from (13); ListImagesRequest marker (4),
  // paged (5), ListImagesResponse next_marker (2), paged (3); StagingOffset and LinkStaging (fields 30-32);
  // Capabilities native_copy_limit (15, NativeCopyLimit), native_copy_unavailable (17),
  // incremental_conversion (20) and live_staging_reads (40); CopyImageRequest source_zone (50) and
  // live_staging (40), ReadImageRequest live_staging (40); ReadDeltaRequest convert_from, convert_to,
  // expect (6-8), DeltaBlock converted (4, ConvertedIdentity)
  agentProto: { fingerprint: '42082b2b37fdb79d' },
};

describe('contract fingerprints', () => {
  it('conductor RPC schemas match their version', () => {
    const actual = { version: RPC_API_VERSION, fingerprint: sha(JSON.stringify(METHODS)) };
    assert.deepEqual(
      actual,
      EXPECTED.conductor,
      'a conductor RPC schema changed: bump RPC_API_VERSION and update this fingerprint',
    );
  });

  it('the RPC envelope keeps its version', () => {
    assert.equal(ENVELOPE_VERSION, EXPECTED.envelope.version);
  });

  it('the agent proto (gimming.agent.v2) is unchanged or only extended with a reviewed fingerprint', () => {
    const proto = readFileSync(join(PROTO_ROOT, AGENT_PROTO), 'utf8');
    assert.equal(
      sha(proto),
      EXPECTED.agentProto.fingerprint,
      'the agent proto changed: only additive changes in v2; update this fingerprint',
    );
  });
});
