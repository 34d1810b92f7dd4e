import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import { agentClient, closeAgentClients, setAgentCallSigner } from '../../../../src/common/grpc/agent-client';
import {
  AUTH_METADATA_KEY,
  CallRefused,
  CallSigner,
  CallVerifier,
  type RefusalLogLimits,
  agentRpcAuth,
  newNonce,
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
const DESCRIBE = '/gimming.agent.v1.Agent/DescribeImage';
const DELETE = '/gimming.agent.v1.Agent/DeleteImage';

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
    now = T0;
    verifier = new CallVerifier([SECRET], WINDOW_MS, () => now);
  });

  it('accepts a call signed with the secret, for its method, once', () => {
    const header = signCall(SECRET, DESCRIBE, now, newNonce());
    assert.match(header, /^v1\.\d+\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
    assert.ok(!header.includes(SECRET));
    verifier.verify(DESCRIBE, header);
    assert.throws(() => verifier.verify(DESCRIBE, header), refusedFor('replayed'));
  });

  it('refuses a call without credentials or with malformed ones', () => {
    assert.throws(() => verifier.verify(DESCRIBE, undefined), refusedFor('no credentials'));
    assert.throws(() => verifier.verify(DESCRIBE, Buffer.from('x')), refusedFor('malformed credentials'));
    const good = signCall(SECRET, DESCRIBE, now, newNonce());
    const [, time, nonce, sig] = good.split('.');
    for (const bad of [
      '',
      SECRET,
      `v2.${time}.${nonce}.${sig}`,
      `v1.${time}.${nonce}`,
      `v1.${time}.${nonce}.${sig}.x`,
      `v1.-${time}.${nonce}.${sig}`,
      `v1.${time}.short.${sig}`,
      `v1.${time}.${nonce}.${sig?.slice(1)}`,
      `v1.${time}.${nonce}.${sig}=`,
    ]) {
      assert.throws(() => verifier.verify(DESCRIBE, bad), refusedFor('malformed credentials'), bad);
    }
  });

  it('refuses a signature made with another secret, for another method, or altered', () => {
    assert.throws(
      () => verifier.verify(DESCRIBE, signCall('w'.repeat(40), DESCRIBE, now, newNonce())),
      refusedFor('wrong signature'),
    );
    // A DescribeImage signature does not let anyone delete.
    assert.throws(
      () => verifier.verify(DELETE, signCall(SECRET, DESCRIBE, now, newNonce())),
      refusedFor('wrong signature'),
    );
    const [v, time, nonce, sig] = signCall(SECRET, DESCRIBE, now, newNonce()).split('.');
    assert.throws(
      () => verifier.verify(DESCRIBE, [v, String(Number(time) + 1), nonce, sig].join('.')),
      refusedFor('wrong signature'),
    );
    assert.throws(
      () => verifier.verify(DESCRIBE, [v, time, newNonce(), sig].join('.')),
      refusedFor('wrong signature'),
    );
  });

  it('refuses a call made outside the validity window, either way', () => {
    assert.throws(
      () => verifier.verify(DESCRIBE, signCall(SECRET, DESCRIBE, now - WINDOW_MS - 1, newNonce())),
      refusedFor('expired'),
    );
    assert.throws(
      () => verifier.verify(DESCRIBE, signCall(SECRET, DESCRIBE, now + WINDOW_MS + 1, newNonce())),
      refusedFor('expired'),
    );
    verifier.verify(DESCRIBE, signCall(SECRET, DESCRIBE, now - WINDOW_MS, newNonce()));
    verifier.verify(DESCRIBE, signCall(SECRET, DESCRIBE, now + WINDOW_MS, newNonce()));
  });

  it('refuses a replay for as long as the call is valid, and then forgets the nonce', () => {
    const header = signCall(SECRET, DESCRIBE, now, newNonce());
    verifier.verify(DESCRIBE, header);
    now += WINDOW_MS;
    assert.throws(() => verifier.verify(DESCRIBE, header), refusedFor('replayed'));
    now += 1;
    assert.throws(() => verifier.verify(DESCRIBE, header), refusedFor('expired'));
    for (let i = 0; i < 100; i++) verifier.verify(DESCRIBE, signCall(SECRET, DESCRIBE, now, newNonce()));
    assert.equal(verifier.remembered, 100, 'the first nonce is forgotten once its call expired');
    now += 2 * WINDOW_MS;
    verifier.verify(DESCRIBE, signCall(SECRET, DESCRIBE, now, newNonce()));
    assert.equal(verifier.remembered, 1);
  });

  it('does not remember the nonces of refused calls', () => {
    for (let i = 0; i < 50; i++) {
      assert.throws(() => verifier.verify(DESCRIBE, signCall('w'.repeat(40), DESCRIBE, now, newNonce())));
    }
    assert.equal(verifier.remembered, 0);
  });

  it('rotates: the first secret signs, any configured secret verifies', () => {
    const during = new CallVerifier([SECRET, OLD_SECRET], WINDOW_MS, () => now);
    during.verify(DESCRIBE, signCall(OLD_SECRET, DESCRIBE, now, newNonce()));
    during.verify(DESCRIBE, signCall(SECRET, DESCRIBE, now, newNonce()));
    const signer = new CallSigner(SECRET, () => now);
    verifier.verify(DESCRIBE, signer.sign(DESCRIBE));
    assert.throws(
      () => verifier.verify(DESCRIBE, signCall(OLD_SECRET, DESCRIBE, now, newNonce())),
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
    const only = new CallVerifier([SECRET], WINDOW_MS);
    only.verify(DESCRIBE, auth.signer.sign(DESCRIBE));
    auth.verifier.verify(DESCRIBE, signCall(OLD_SECRET, DESCRIBE, Date.now(), newNonce()));
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
    return { server, address: `127.0.0.1:${port}` };
  }

  before(async () => {
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
        (m) => `/gimming.agent.v1.Agent/${m}`,
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
    md.set(AUTH_METADATA_KEY, signCall(SECRET, DELETE, Date.now(), newNonce()));
    assert.equal((await deleteImage(md)).ok, true);
    assertRefused(await deleteImage(md), 'replayed');
    // A valid DescribeImage signature does not open another method.
    const describeMd = new grpc.Metadata();
    describeMd.set(AUTH_METADATA_KEY, signCall(SECRET, DESCRIBE, Date.now(), newNonce()));
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
