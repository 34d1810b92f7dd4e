import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import {
  agentClient,
  closeAgentClients,
  setAgentCallSigner,
  setAgentChannelCredentials,
} from '../../../../src/common/grpc/agent-client';
import {
  AUTH_METADATA_KEY,
  CallRefused,
  CallSigner,
  CallVerifier,
  type RefusalLogLimits,
  agentRpcAuth,
  newNonce,
  STREAM_DIGEST,
  requestDigest,
  signCall,
  verifyingInterceptor,
} from '../../../../src/common/grpc/auth';
import { fromServiceError } from '../../../../src/common/grpc/errors';
import { encodeChunk } from '../../../../src/common/grpc/frame';
import { loadAgentService } from '../../../../src/common/grpc/loader';
import { ConfigError } from '../../../../src/common/config/load';
import type { GimmingConfig } from '../../../../src/common/config/schema';
import { GimmingError } from '../../../../src/common/errors';

const SECRET = 'k'.repeat(40);
const OLD_SECRET = 'o'.repeat(40);
const WINDOW_MS = 60_000;
const T0 = 1_750_000_000_000;
const DESCRIBE = '/gimming.agent.v2.Agent/DescribeImage';
const DELETE = '/gimming.agent.v2.Agent/DeleteImage';
const AUDIENCE = '127.0.0.1:9596';
const D = STREAM_DIGEST;
const t = (path: string) => ({ audience: AUDIENCE, path, digest: D });

function refusedFor(reason: string) {
  return (err: unknown) => {
    assert.ok(err instanceof CallRefused, String(err));
    assert.equal(err.reason, reason);
    assert.equal(err.status, 401);
    assert.equal(err.code, 'gimming.agent.unauthenticated');
    return true;
  };
}

describe('agent call signatures', () => {
  let now: number;
  let verifier: CallVerifier;

  beforeEach(() => {
    // The agent started well before the calls of these tests.
    now = T0 - 10 * WINDOW_MS;
    verifier = new CallVerifier([SECRET], WINDOW_MS, () => now, AUDIENCE);
    now = T0;
  });

  it('accepts a call signed with the secret, for its method, once', () => {
    const header = signCall(SECRET, t(DESCRIBE), now, newNonce());
    assert.match(header, /^v2\.\d+\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
    assert.ok(!header.includes(SECRET));
    verifier.verify(DESCRIBE, header, D);
    assert.throws(() => verifier.verify(DESCRIBE, header, D), refusedFor('replayed'));
  });

  it('refuses a call without credentials or with malformed ones', () => {
    assert.throws(() => verifier.verify(DESCRIBE, undefined, D), refusedFor('no credentials'));
    assert.throws(() => verifier.verify(DESCRIBE, Buffer.from('x'), D), refusedFor('malformed credentials'));
    const good = signCall(SECRET, t(DESCRIBE), now, newNonce());
    const [, time, nonce, sig] = good.split('.');
    for (const bad of [
      '',
      SECRET,
      `v1.${time}.${nonce}.${sig}`,
      `v2.${time}.${nonce}`,
      `v2.${time}.${nonce}.${sig}.x`,
      `v2.-${time}.${nonce}.${sig}`,
      `v2.${time}.short.${sig}`,
      `v2.${time}.${nonce}.${sig?.slice(1)}`,
      `v2.${time}.${nonce}.${sig}=`,
    ]) {
      assert.throws(() => verifier.verify(DESCRIBE, bad, D), refusedFor('malformed credentials'), bad);
    }
  });

  it('refuses a signature made with another secret, for another method, or altered', () => {
    assert.throws(
      () => verifier.verify(DESCRIBE, signCall('w'.repeat(40), t(DESCRIBE), now, newNonce()), D),
      refusedFor('wrong signature'),
    );
    // A DescribeImage signature does not let anyone delete.
    assert.throws(
      () => verifier.verify(DELETE, signCall(SECRET, t(DESCRIBE), now, newNonce()), D),
      refusedFor('wrong signature'),
    );
    const [v, time, nonce, sig] = signCall(SECRET, t(DESCRIBE), now, newNonce()).split('.');
    assert.throws(
      () => verifier.verify(DESCRIBE, [v, String(Number(time) + 1), nonce, sig].join('.'), D),
      refusedFor('wrong signature'),
    );
    assert.throws(
      () => verifier.verify(DESCRIBE, [v, time, newNonce(), sig].join('.'), D),
      refusedFor('wrong signature'),
    );
  });

  it('refuses a call made outside the validity window, either way', () => {
    assert.throws(
      () => verifier.verify(DESCRIBE, signCall(SECRET, t(DESCRIBE), now - WINDOW_MS - 1, newNonce()), D),
      refusedFor('expired'),
    );
    assert.throws(
      () => verifier.verify(DESCRIBE, signCall(SECRET, t(DESCRIBE), now + WINDOW_MS + 1, newNonce()), D),
      refusedFor('expired'),
    );
    verifier.verify(DESCRIBE, signCall(SECRET, t(DESCRIBE), now - WINDOW_MS, newNonce()), D);
    verifier.verify(DESCRIBE, signCall(SECRET, t(DESCRIBE), now + WINDOW_MS, newNonce()), D);
  });

  it('refuses a replay for as long as the call is valid, and then forgets the nonce', () => {
    const header = signCall(SECRET, t(DESCRIBE), now, newNonce());
    verifier.verify(DESCRIBE, header, D);
    now += WINDOW_MS;
    assert.throws(() => verifier.verify(DESCRIBE, header, D), refusedFor('replayed'));
    now += 1;
    assert.throws(() => verifier.verify(DESCRIBE, header, D), refusedFor('expired'));
    for (let i = 0; i < 100; i++)
      verifier.verify(DESCRIBE, signCall(SECRET, t(DESCRIBE), now, newNonce()), D);
    assert.equal(verifier.remembered, 100, 'the first nonce is forgotten once its call expired');
    now += 2 * WINDOW_MS;
    verifier.verify(DESCRIBE, signCall(SECRET, t(DESCRIBE), now, newNonce()), D);
    assert.equal(verifier.remembered, 1);
  });

  it('binds the agent, the method and the request: a signature is good for one of each', () => {
    const request = { image_id: 'img', cloud: { id: 'c', name: 'c', type: 'openstack', region_name: 'r' } };
    const digest = requestDigest(DESCRIBE, request);
    assert.notEqual(digest, D);
    assert.notEqual(digest, requestDigest(DESCRIBE, { ...request, image_id: 'other' }));
    // The caller hashes what it sends, the agent what it decoded (defaults filled in): the same bytes.
    const { definition } = loadAgentService();
    const codec = definition.DescribeImage as unknown as {
      requestSerialize(v: unknown): Buffer;
      requestDeserialize(b: Buffer): unknown;
    };
    assert.equal(
      requestDigest(DESCRIBE, codec.requestDeserialize(codec.requestSerialize(request)), true),
      digest,
    );
    const target = { audience: AUDIENCE, path: DESCRIBE, digest };
    const zoneB = new CallVerifier([SECRET], WINDOW_MS, () => now - WINDOW_MS, '127.0.0.1:9597');
    const header = signCall(SECRET, target, now, newNonce());
    assert.throws(() => zoneB.verify(DESCRIBE, header, digest), refusedFor('wrong signature'));
    assert.throws(
      () => verifier.verify(DESCRIBE, header, requestDigest(DESCRIBE, { ...request, image_id: 'other' })),
      refusedFor('wrong signature'),
    );
    verifier.verify(DESCRIBE, header, digest);
  });

  it('refuses a call signed before the agent started, even inside the window', () => {
    const header = signCall(SECRET, t(DESCRIBE), now, newNonce());
    verifier.verify(DESCRIBE, header, D);
    // The agent restarts: its nonces are gone, but the call is older than the new process.
    now += 1000;
    const restarted = new CallVerifier([SECRET], WINDOW_MS, () => now, AUDIENCE);
    assert.throws(
      () => restarted.verify(DESCRIBE, header, D),
      refusedFor('signed before this agent started'),
    );
    restarted.verify(DESCRIBE, signCall(SECRET, t(DESCRIBE), now, newNonce()), D);
  });

  it('does not remember the nonces of refused calls', () => {
    for (let i = 0; i < 50; i++) {
      assert.throws(() =>
        verifier.verify(DESCRIBE, signCall('w'.repeat(40), t(DESCRIBE), now, newNonce()), D),
      );
    }
    assert.equal(verifier.remembered, 0);
  });

  it('rotates: the first secret signs, any configured secret verifies', () => {
    const during = new CallVerifier([SECRET, OLD_SECRET], WINDOW_MS, () => T0 - WINDOW_MS, AUDIENCE);
    during.verify(DESCRIBE, signCall(OLD_SECRET, t(DESCRIBE), now, newNonce()), D);
    during.verify(DESCRIBE, signCall(SECRET, t(DESCRIBE), now, newNonce()), D);
    const signer = new CallSigner(SECRET, () => now);
    verifier.verify(DESCRIBE, signer.sign(t(DESCRIBE)), D);
    assert.throws(
      () => verifier.verify(DESCRIBE, signCall(OLD_SECRET, t(DESCRIBE), now, newNonce()), D),
      refusedFor('wrong signature'),
    );
  });
});

describe('[agent] rpc_secrets', () => {
  const config = (agent: Partial<GimmingConfig['agent']>) =>
    ({
      agent: { rpc_secrets: [], rpc_auth_window: 60, rpc_allow_unauthenticated: false, ...agent },
    }) as unknown as GimmingConfig;

  it('is required unless running unauthenticated is asked for', () => {
    assert.throws(
      () => agentRpcAuth(config({})),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /missing required option \[agent\] rpc_secrets/);
        return true;
      },
    );
    assert.deepEqual(agentRpcAuth(config({ rpc_allow_unauthenticated: true })), {
      signer: null,
      verifier: null,
    });
  });

  it('refuses a short secret, and signs with the first of several', () => {
    assert.throws(
      () => agentRpcAuth(config({ rpc_secrets: [SECRET, 'short'] })),
      /secret number 2 is shorter than 32 characters/,
    );
    assert.throws(() => agentRpcAuth(config({ rpc_secrets: [SECRET, ''] })), /secret number 2/);
    const auth = agentRpcAuth(config({ rpc_secrets: [SECRET, OLD_SECRET], rpc_allow_unauthenticated: true }));
    assert.ok(auth.signer && auth.verifier);
    auth.verifier.audience = AUDIENCE;
    const only = new CallVerifier([SECRET], WINDOW_MS, Date.now, AUDIENCE);
    only.verify(DESCRIBE, auth.signer.sign(t(DESCRIBE)), D);
    auth.verifier.verify(DESCRIBE, signCall(OLD_SECRET, t(DESCRIBE), Date.now(), newNonce()), D);
  });
});

describe('an agent gRPC server with the verifying interceptor', () => {
  let server: grpc.Server;
  let address: string;
  const handled: string[] = [];
  const logged: Array<Record<string, unknown>> = [];
  const opts = { flowControlWindow: 1024 * 1024, maxMessageBytes: 1024 * 1024 };
  const request = { cloud: { id: 'c', name: 'c', type: 'openstack', region_name: 'r' }, image_id: 'img' };

  async function startServer(limits?: RefusalLogLimits): Promise<{ server: grpc.Server; address: string }> {
    const verifier = new CallVerifier([SECRET, OLD_SECRET], WINDOW_MS);
    const server = new grpc.Server({
      interceptors: [verifyingInterceptor(verifier, { warn: (fields) => logged.push(fields) }, limits)],
    });
    const chunk = encodeChunk(Buffer.alloc(1024, 7));
    server.addService(loadAgentService().definition, {
      DescribeImage: (_call: unknown, cb: grpc.sendUnaryData<unknown>) => {
        handled.push('DescribeImage');
        cb(null, { id: 'img', status: 'active' });
      },
      DeleteImage: (_call: unknown, cb: grpc.sendUnaryData<unknown>) => {
        handled.push('DeleteImage');
        cb(null, { deleted: true });
      },
      ReadImage: (call: grpc.ServerWritableStream<unknown, Buffer>) => {
        handled.push('ReadImage');
        for (let i = 0; i < 3; i++) call.write(chunk);
        call.end();
      },
      CopyImage: (call: grpc.ServerWritableStream<unknown, unknown>) => {
        handled.push('CopyImage');
        call.end();
      },
      WriteStaging: (call: grpc.ServerReadableStream<Buffer, unknown>, cb: grpc.sendUnaryData<unknown>) => {
        handled.push('WriteStaging');
        let size = 0;
        call.on('data', (data: Buffer) => (size += data.length));
        call.on('end', () => cb(null, { image_id: 'img', size }));
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    verifier.audience = `127.0.0.1:${port}`;
    return { server, address: verifier.audience };
  }

  before(async () => {
    setAgentChannelCredentials(grpc.credentials.createInsecure());
    ({ server, address } = await startServer());
  });

  beforeEach(() => {
    handled.length = 0;
    logged.length = 0;
  });

  after(() => {
    setAgentCallSigner(null);
    server.forceShutdown();
  });

  type Outcome = { ok: true; value: unknown } | { ok: false; err: grpc.ServiceError };

  function describeImage(md = new grpc.Metadata()): Promise<Outcome> {
    return new Promise((resolve) => {
      agentClient(address, opts).DescribeImage(request, md, (err, value) =>
        resolve(err ? { ok: false, err } : { ok: true, value }),
      );
    });
  }

  function deleteImage(md = new grpc.Metadata()): Promise<Outcome> {
    return new Promise((resolve) => {
      agentClient(address, opts).DeleteImage(request, md, (err, value) =>
        resolve(err ? { ok: false, err } : { ok: true, value }),
      );
    });
  }

  async function read(): Promise<Outcome> {
    const call = agentClient(address, opts).ReadImage({ ...request, from_staging: false });
    let bytes = 0;
    try {
      for await (const data of call) bytes += (data as Buffer).length;
      return { ok: true, value: bytes };
    } catch (err) {
      return { ok: false, err: err as grpc.ServiceError };
    }
  }

  function write(): Promise<Outcome> {
    return new Promise((resolve) => {
      const call = agentClient(address, opts).WriteStaging(new grpc.Metadata(), (err, value) =>
        resolve(err ? { ok: false, err } : { ok: true, value }),
      ) as unknown as grpc.ClientWritableStream<Buffer>;
      call.on('error', () => undefined);
      call.write(encodeChunk(Buffer.alloc(2048, 1)));
      call.end();
    });
  }

  async function copy(): Promise<Outcome> {
    const call = agentClient(address, opts).CopyImage({});
    try {
      for await (const _event of call) void _event;
      return { ok: true, value: undefined };
    } catch (err) {
      return { ok: false, err: err as grpc.ServiceError };
    }
  }

  function assertRefused(outcome: Outcome, reason: string): void {
    if (outcome.ok) assert.fail('the call was accepted');
    const { err } = outcome;
    assert.equal(err.code, grpc.status.UNAUTHENTICATED);
    const wire = JSON.parse(String(err.metadata.get('gimming-error')[0]));
    assert.equal(wire.code, 'gimming.agent.unauthenticated');
    assert.equal(wire.status, 401);
    assert.equal(wire.details.reason, reason);
    // The caller's side says whose configuration to look at, not "your token is bad".
    const rebuilt = fromServiceError(err, address);
    assert.ok(rebuilt instanceof GimmingError);
    assert.equal(rebuilt.code, 'gimming.agent.unauthenticated');
    assert.equal(rebuilt.status, 502);
    assert.match(rebuilt.message, /rpc_secrets/);
  }

  it('serves every kind of call of a daemon that holds the secret', async () => {
    setAgentCallSigner(new CallSigner(SECRET));
    const described = await describeImage();
    assert.equal(described.ok, true);
    assert.equal((described as { value: { status: string } }).value.status, 'active');
    assert.equal((await deleteImage()).ok, true);
    assert.deepEqual(await read(), { ok: true, value: 3 * 1024 });
    const written = await write();
    assert.equal(written.ok, true);
    assert.equal((written as { value: { size: number } }).value.size, 2048);
    assert.equal((await copy()).ok, true);
    assert.deepEqual(handled, ['DescribeImage', 'DeleteImage', 'ReadImage', 'WriteStaging', 'CopyImage']);
    assert.deepEqual(logged, []);
  });

  it('serves a daemon still signing with the previous secret during a rotation', async () => {
    setAgentCallSigner(new CallSigner(OLD_SECRET));
    assert.equal((await describeImage()).ok, true);
  });

  it('refuses every kind of call without credentials before any handler runs, and logs it', async () => {
    setAgentCallSigner(null);
    assertRefused(await describeImage(), 'no credentials');
    assertRefused(await deleteImage(), 'no credentials');
    assertRefused(await read(), 'no credentials');
    assertRefused(await write(), 'no credentials');
    assertRefused(await copy(), 'no credentials');
    assert.deepEqual(handled, []);
    assert.equal(logged.length, 5);
    assert.deepEqual(
      logged.map((l) => l.method),
      ['DescribeImage', 'DeleteImage', 'ReadImage', 'WriteStaging', 'CopyImage'].map(
        (m) => `/gimming.agent.v2.Agent/${m}`,
      ),
    );
    for (const line of logged) {
      assert.equal(line.reason, 'no credentials');
      assert.match(String(line.peer), /127\.0\.0\.1/);
    }
  });

  it('refuses a wrong secret, an expired call and a replay, never logging the secret', async () => {
    setAgentCallSigner(new CallSigner('w'.repeat(40)));
    assertRefused(await deleteImage(), 'wrong signature');
    assertRefused(await read(), 'wrong signature');
    setAgentCallSigner(new CallSigner(SECRET, () => Date.now() - WINDOW_MS - 5000));
    assertRefused(await deleteImage(), 'expired');
    setAgentCallSigner(null);
    const md = new grpc.Metadata();
    const forDelete = { audience: address, path: DELETE, digest: requestDigest(DELETE, request) };
    md.set(AUTH_METADATA_KEY, signCall(SECRET, forDelete, Date.now(), newNonce()));
    assert.equal((await deleteImage(md)).ok, true);
    assertRefused(await deleteImage(md), 'replayed');
    // Signed for another agent, or for another request: refused.
    const elsewhere = new grpc.Metadata();
    elsewhere.set(
      AUTH_METADATA_KEY,
      signCall(SECRET, { ...forDelete, audience: '127.0.0.1:1' }, Date.now(), newNonce()),
    );
    assertRefused(await deleteImage(elsewhere), 'wrong signature');
    const other = new grpc.Metadata();
    const otherRequest = { ...request, image_id: 'another-image' };
    other.set(
      AUTH_METADATA_KEY,
      signCall(SECRET, { ...forDelete, digest: requestDigest(DELETE, otherRequest) }, Date.now(), newNonce()),
    );
    assertRefused(await deleteImage(other), 'wrong signature');
    // A valid DescribeImage signature does not open another method.
    const describeMd = new grpc.Metadata();
    describeMd.set(
      AUTH_METADATA_KEY,
      signCall(
        SECRET,
        { audience: address, path: DESCRIBE, digest: requestDigest(DESCRIBE, request) },
        Date.now(),
        newNonce(),
      ),
    );
    assertRefused(await deleteImage(describeMd), 'wrong signature');
    assert.deepEqual(handled, ['DeleteImage']);
    const text = JSON.stringify(logged);
    assert.ok(!text.includes(SECRET) && !text.includes('wwwwwwwwww'));
  });

  it('logs a burst of refusals one by one only up to a limit, then how many more', async () => {
    setAgentCallSigner(null);
    const main = { server, address };
    ({ server, address } = await startServer({ burst: 5, intervalMs: 1000 }));
    try {
      for (let i = 0; i < 12; i++) assertRefused(await describeImage(), 'no credentials');
      assert.equal(logged.length, 5);
      await sleep(1100);
      assert.deepEqual(logged[5], { suppressed: 7 });
      assert.equal(logged.length, 6);
      assertRefused(await describeImage(), 'no credentials');
      assert.equal(logged.length, 7, 'a new interval logs again');
    } finally {
      server.forceShutdown();
      ({ server, address } = main);
    }
  });

  after(() => closeAgentClients());
});
