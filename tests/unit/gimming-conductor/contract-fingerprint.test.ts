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
  conductor: { version: '1.23', fingerprint: '022b46b686c00495' }, // 1.23: heartbeat capability live_staging_reads
  envelope: { version: '1.1' },
  // + stream_through_agents (14), max_bandwidth (15), incremental_from (13); ListImagesRequest marker (4),
  // paged (5), ListImagesResponse next_marker (2), paged (3); StagingOffset and LinkStaging (fields 30-32)
  agentProto: { fingerprint: '704a85861ffd51cd' },
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
