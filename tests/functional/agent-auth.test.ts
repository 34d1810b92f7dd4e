/**
 * An agent's gRPC port obeys only the deployment's daemons. It speaks mutual TLS only: a plaintext client,
 * a client without a certificate and a client whose certificate another CA signed are refused at the
 * handshake. Behind TLS, a process with a deployment certificate and a user's valid token and catalog but
 * without the shared secret ([agent] rpc_secrets) cannot describe, read or delete an image, whether it
 * sends no credentials, signs with a wrong secret, sends an expired signature or replays one; a call signed
 * for zone-a's agent is refused by zone-b's, one signed for a request is refused with another, and one
 * made before an agent restarted is refused after it. Certificates are rotated without a restart. The real
 * daemons still adopt and sync an image.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { execFileSync } from 'node:child_process';
import { X509Certificate, createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect as tlsConnect } from 'node:tls';
import { AUTH_METADATA_KEY, newNonce, requestDigest, signCall } from '../../src/common/grpc/auth';
import type { DaemonSet } from '../support/daemons';
import { location, waitForTasks } from '../support/flows';
import { http, waitFor } from '../support/http';
import { Glance, type Token } from '../support/openstack';
import { useStack } from '../support/stack';
import { REPO_ROOT, type Testbed } from '../support/testbed';

/** The agents' ports and addresses, picked free when the stack starts. */
let AGENT_PORTS: Record<string, number> = {};
let AGENT_A = '';
let AGENT_B = '';
const SERVICE = '/gimming.agent.v2.Agent';

type Method = 'DescribeImage' | 'DeleteImage' | 'ReadImage';
type Outcome = { ok: true; value: unknown } | { ok: false; err: grpc.ServiceError };

type UnaryMethod = (
  request: unknown,
  md: grpc.Metadata,
  options: grpc.CallOptions,
  callback: (err: grpc.ServiceError | null, value: unknown) => void,
) => grpc.ClientUnaryCall;

interface StrangerClient extends grpc.Client {
  DescribeImage: UnaryMethod;
  DeleteImage: UnaryMethod;
  ReadImage(
    request: unknown,
    md: grpc.Metadata,
    options: grpc.CallOptions,
  ): grpc.ClientReadableStream<unknown>;
}

/** A client any process could build from the published .proto: no GIMinG code, no interceptors. */
function strangerClient(address: string, credentials: grpc.ChannelCredentials): StrangerClient {
  const definition = protoLoader.loadSync('gimming/agent/v2/agent.proto', {
    keepCase: true,
    longs: Number,
    enums: String,
    defaults: true,
    oneofs: true,
    includeDirs: [join(REPO_ROOT, 'protos')],
  });
  const proto = grpc.loadPackageDefinition(definition) as any;
  return new proto.gimming.agent.v2.Agent(address, credentials);
}

/** The SHA-256 fingerprint of the certificate a TLS server presents now (a new connection each time). */
function servedFingerprint(port: number, ca: Buffer, cert: Buffer, key: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect(
      { host: '127.0.0.1', servername: '', port, ca, cert, key, ALPNProtocols: ['h2'] },
      () => {
        const raw = socket.getPeerX509Certificate()?.raw;
        socket.destroy();
        if (raw) resolve(createHash('sha256').update(raw).digest('hex'));
        else reject(new Error('no certificate'));
      },
    );
    socket.on('error', reject);
  });
}

describe('agent gRPC authentication', function () {
  this.timeout(120000);
  let bed: Testbed;
  let daemons: DaemonSet;
  let api: string;
  let demo: Token;
  let glanceA: Glance;
  let cloudA: { id: string; name: string; type: string; region_name: string };
  let source: any;
  let stranger: StrangerClient;
  let refusals = 0;
  let ca: Buffer;
  let insider: { cert: Buffer; key: Buffer };
  /** The deployment's TLS credentials, for a process that has a certificate but not the secret. */
  let tls: () => grpc.ChannelCredentials;

  const stack = useStack();

  before(async function () {
    ({ bed, daemons, api, demo } = stack);
    AGENT_PORTS = stack.ports.agents;
    AGENT_A = `127.0.0.1:${AGENT_PORTS['zone-a']}`;
    AGENT_B = `127.0.0.1:${AGENT_PORTS['zone-b']}`;
    glanceA = stack.glance('zone-a');
    cloudA = { id: stack.cloudIds['zone-a']!, name: 'zone-a', type: 'openstack', region_name: 'RegionOne' };
    ({ image: source } = await glanceA.createWithData(256 * 1024, { os_distro: 'agent-auth' }));
    ca = readFileSync(join(daemons.pkiDir, 'ca.pem'));
    const paths = daemons.issueCertificate('insider');
    insider = { cert: readFileSync(paths.cert), key: readFileSync(paths.key) };
    tls = () => grpc.credentials.createSsl(ca, insider.key, insider.cert);
    stranger = strangerClient(AGENT_A, tls());
  });

  after(async function () {
    this.timeout(60000);
    stranger?.close();
    if (source) await glanceA.delete(source.id);
  });

  /** What the daemons put in a call's metadata: everything but the signature, with demo's real token. */
  function metadata(auth?: string): grpc.Metadata {
    const md = new grpc.Metadata();
    md.set('x-openstack-request-id', `req-${randomUUID()}`);
    md.set('x-auth-token', demo.id);
    md.set('x-user-id', demo.userId);
    md.set('x-project-id', demo.projectId);
    md.set('x-roles', 'member,reader');
    md.set('x-service-catalog', JSON.stringify(demo.catalog));
    if (auth !== undefined) md.set(AUTH_METADATA_KEY, auth);
    return md;
  }

  const requestOf = (imageId: string) => ({ cloud: cloudA, image_id: imageId, from_staging: false });

  function call(method: Method, imageId: string, md: grpc.Metadata, client = stranger): Promise<Outcome> {
    const request = requestOf(imageId);
    const deadline = Date.now() + 30000;
    if (method === 'ReadImage') {
      return new Promise((resolve) => {
        const stream = client.ReadImage(request, md, { deadline });
        let chunks = 0;
        stream.on('data', () => (chunks += 1));
        stream.on('error', (err: grpc.ServiceError) => resolve({ ok: false, err }));
        stream.on('end', () => resolve({ ok: true, value: chunks }));
      });
    }
    return new Promise((resolve) => {
      client[method](request, md, { deadline }, (err, value) =>
        resolve(err ? { ok: false, err } : { ok: true, value }),
      );
    });
  }

  function assertRefused(outcome: Outcome, reason: string, what: string): void {
    refusals += 1;
    if (outcome.ok) assert.fail(`${what}: the agent obeyed (${JSON.stringify(outcome.value)})`);
    assert.equal(outcome.err.code, grpc.status.UNAUTHENTICATED, `${what}: ${outcome.err.message}`);
    const wire = JSON.parse(String(outcome.err.metadata.get('gimming-error')[0]));
    assert.equal(wire.code, 'gimming.agent.unauthenticated', what);
    assert.equal(wire.details.reason, reason, what);
  }

  async function assertUntouched(): Promise<void> {
    const now = await glanceA.get(source.id);
    assert.ok(now, 'the image is still in zone-a');
    assert.equal(now.status, 'active');
    assert.equal(now.checksum, source.checksum);
    assert.equal(now.updated_at, source.updated_at);
  }

  const METHODS: Method[] = ['DescribeImage', 'DeleteImage', 'ReadImage'];
  /** Signs as the daemons do: for zone-a's agent, the method and the request for `imageId`. */
  const sign = (secret: string, method: Method, at = Date.now(), imageId = source.id, audience = AGENT_A) =>
    signCall(
      secret,
      {
        audience,
        path: `${SERVICE}/${method}`,
        digest: requestDigest(`${SERVICE}/${method}`, requestOf(imageId)),
      },
      at,
      newNonce(),
    );

  /** A call refused before any gRPC is spoken: the channel never gets ready. */
  function assertHandshakeRefused(outcome: Outcome, what: string): void {
    if (outcome.ok) assert.fail(`${what}: the agent served the call`);
    assert.equal(outcome.err.code, grpc.status.UNAVAILABLE, `${what}: ${outcome.err.message}`);
    assert.equal(outcome.err.metadata.get('gimming-error').length, 0, `${what}: the agent answered`);
  }

  it('refuses a plaintext client, a client without a certificate and one from another CA, at the handshake', async () => {
    const otherCa = mkdtempSync(join(tmpdir(), 'gimming-other-ca-'));
    execFileSync('bash', [join(REPO_ROOT, 'tools', 'testbed', 'pki.sh'), otherCa, 'issue', 'stranger']);
    const foreign = {
      ca: readFileSync(join(otherCa, 'ca.pem')),
      cert: readFileSync(join(otherCa, 'stranger.pem')),
      key: readFileSync(join(otherCa, 'stranger-key.pem')),
    };
    const clients: Array<[string, grpc.ChannelCredentials]> = [
      ['plaintext', grpc.credentials.createInsecure()],
      ['TLS without a client certificate', grpc.credentials.createSsl(ca)],
      ['a certificate of another CA', grpc.credentials.createSsl(ca, foreign.key, foreign.cert)],
      // Trusting anything would not help: the agent wants a certificate its CA signed.
      ['another CA, trusting it', grpc.credentials.createSsl(foreign.ca, foreign.key, foreign.cert)],
    ];
    const before = daemons.logLines('agent-zone-a').length;
    for (const [what, credentials] of clients) {
      const client = strangerClient(AGENT_A, credentials);
      try {
        for (const method of METHODS) {
          // Even with a good signature: nothing gets past the handshake.
          assertHandshakeRefused(
            await call(method, source.id, metadata(sign(daemons.rpcSecret, method)), client),
            what,
          );
        }
      } finally {
        client.close();
      }
    }
    // Nothing reached the gRPC layer, so nothing was refused there.
    const refusedThere = daemons
      .logLines('agent-zone-a')
      .slice(before)
      .filter((l) => l.message === 'call refused: not authenticated');
    assert.deepEqual(refusedThere, []);
    await assertUntouched();
  });

  it('refuses a caller that sends no credentials', async () => {
    for (const method of METHODS) {
      assertRefused(await call(method, source.id, metadata()), 'no credentials', method);
      assertRefused(await call(method, source.id, metadata('let me in')), 'malformed credentials', method);
    }
    await assertUntouched();
  });

  it('refuses a caller that signs with a wrong secret', async () => {
    const wrong = randomBytes(32).toString('hex');
    for (const method of METHODS) {
      assertRefused(await call(method, source.id, metadata(sign(wrong, method))), 'wrong signature', method);
    }
    await assertUntouched();
  });

  it('refuses a signature made with the secret too long ago, or for too late', async () => {
    for (const method of METHODS) {
      const old = sign(daemons.rpcSecret, method, Date.now() - 10 * 60 * 1000);
      assertRefused(await call(method, source.id, metadata(old)), 'expired', method);
      const future = sign(daemons.rpcSecret, method, Date.now() + 10 * 60 * 1000);
      assertRefused(await call(method, source.id, metadata(future)), 'expired', method);
    }
    await assertUntouched();
  });

  it('refuses a replayed signature, and one made for another method', async () => {
    // A real signed call, as one seen on the network: it was for another image (or the same, read).
    const described = metadata(sign(daemons.rpcSecret, 'DescribeImage'));
    const first = await call('DescribeImage', source.id, described);
    assert.ok(first.ok, 'a call signed with the secret is served');
    assert.equal((first.value as any).id, source.id);
    assertRefused(await call('DescribeImage', source.id, described), 'replayed', 'DescribeImage again');
    // The signature of a DescribeImage opens neither DeleteImage nor ReadImage.
    const seen = metadata(sign(daemons.rpcSecret, 'DescribeImage'));
    assertRefused(await call('DeleteImage', source.id, seen), 'wrong signature', 'DeleteImage');
    assertRefused(await call('ReadImage', source.id, seen), 'wrong signature', 'ReadImage');
    // A signed DeleteImage or ReadImage of another image: served once, refused again, and refused when
    // replayed with this image's ID.
    for (const method of ['DeleteImage', 'ReadImage'] as const) {
      const otherId = randomUUID();
      const md = metadata(sign(daemons.rpcSecret, method, Date.now(), otherId));
      const other = await call(method, otherId, md);
      assert.ok(
        other.ok || other.err.code !== grpc.status.UNAUTHENTICATED,
        `${method} signed with the secret is let through (${other.ok ? 'ok' : other.err.message})`,
      );
      assertRefused(await call(method, otherId, md), 'replayed', `${method} replayed`);
      assertRefused(await call(method, source.id, md), 'wrong signature', `${method} for this image`);
    }
    await assertUntouched();
  });

  it('refuses a call signed for zone-a when replayed to zone-b, or with another request', async () => {
    const toB = strangerClient(AGENT_B, tls());
    try {
      const captured = metadata(sign(daemons.rpcSecret, 'DescribeImage'));
      const first = await call('DescribeImage', source.id, captured);
      assert.ok(first.ok, 'the call is served by the agent it was signed for');
      // The same bytes to zone-b's agent: signed for another audience.
      const replayed = await call('DescribeImage', source.id, captured, toB);
      if (replayed.ok) assert.fail('zone-b served a call signed for zone-a');
      assert.equal(replayed.err.code, grpc.status.UNAUTHENTICATED);
      assert.equal(
        JSON.parse(String(replayed.err.metadata.get('gimming-error')[0])).details.reason,
        'wrong signature',
      );
      // A fresh signature for a DescribeImage of one image does not describe (or delete) another.
      const forOther = metadata(sign(daemons.rpcSecret, 'DeleteImage', Date.now(), randomUUID()));
      assertRefused(
        await call('DeleteImage', source.id, forOther),
        'wrong signature',
        'DeleteImage, other request',
      );
    } finally {
      toB.close();
    }
    const onB = daemons
      .logLines('agent-zone-b')
      .filter((l) => l.message === 'call refused: not authenticated');
    assert.equal(onB.length, 1);
    assert.equal(onB[0]?.reason, 'wrong signature');
    await assertUntouched();
  });

  it('refuses a call signed before the agent restarted, although it was never seen by the new process', async () => {
    const captured = metadata(sign(daemons.rpcSecret, 'DescribeImage'));
    await daemons.restart('agent-zone-a', 'gimming-agent', daemons.agentEnv('zone-a'), 'SIGTERM');
    await waitFor(
      'zone-a agent back',
      async () =>
        daemons.logLines('agent-zone-a').filter((l) => l.message === 'gimming-agent started').length >= 2
          ? true
          : undefined,
      30000,
    );
    stranger.close();
    stranger = strangerClient(AGENT_A, tls());
    assertRefused(
      await call('DescribeImage', source.id, captured),
      'signed before this agent started',
      'after restart',
    );
    const fresh = await call('DescribeImage', source.id, metadata(sign(daemons.rpcSecret, 'DescribeImage')));
    assert.ok(fresh.ok, 'a call signed after the restart is served');
  });

  it('takes a new certificate without a restart, and keeps the old one while the new is half written', async () => {
    const certPath = join(daemons.pkiDir, 'agent-zone-a.pem');
    const keyPath = join(daemons.pkiDir, 'agent-zone-a-key.pem');
    const port = AGENT_PORTS['zone-a']!;
    const served = () => servedFingerprint(port, ca, insider.cert, insider.key);
    const fingerprint = (pem: Buffer) =>
      createHash('sha256').update(new X509Certificate(pem).raw).digest('hex');
    const oldPem = readFileSync(certPath);
    assert.equal(await served(), fingerprint(oldPem));
    // A new certificate, its key not yet in place: the agent keeps the set in use.
    const next = daemons.issueCertificate('agent-zone-a-next');
    const nextPem = readFileSync(next.cert);
    writeFileSync(`${certPath}.tmp`, nextPem);
    renameSync(`${certPath}.tmp`, certPath);
    await waitFor(
      'the half-written rotation to be seen',
      async () =>
        daemons.logLines('agent-zone-a').some((l) => l.message.startsWith('certificates not reloaded'))
          ? true
          : undefined,
      15000,
    );
    assert.equal(await served(), fingerprint(oldPem));
    // The key follows: the new pair is taken, for new connections, without a restart.
    writeFileSync(`${keyPath}.tmp`, readFileSync(next.key), { mode: 0o600 });
    renameSync(`${keyPath}.tmp`, keyPath);
    await waitFor(
      'the new certificate to be served',
      async () => ((await served()) === fingerprint(nextPem) ? true : undefined),
      15000,
    );
    const reloaded = daemons.logLines('agent-zone-a').filter((l) => l.message === 'certificates reloaded');
    assert.equal(reloaded.at(-1)?.fingerprint, fingerprint(nextPem));
    assert.ok(
      (await call('DescribeImage', source.id, metadata(sign(daemons.rpcSecret, 'DescribeImage')))).ok,
      'calls are served after the rotation',
    );
  });

  it('takes a new certificate on SIGHUP when it does not watch the files', async () => {
    const certPath = join(daemons.pkiDir, 'agent-zone-a.pem');
    const keyPath = join(daemons.pkiDir, 'agent-zone-a-key.pem');
    const served = () => servedFingerprint(AGENT_PORTS['zone-a']!, ca, insider.cert, insider.key);
    const fingerprint = (pem: Buffer) =>
      createHash('sha256').update(new X509Certificate(pem).raw).digest('hex');
    // Restarted with the file check off: only SIGHUP re-reads.
    const env = daemons.agentEnv('zone-a', { OS_AGENT__SSL_RELOAD_INTERVAL: '0' });
    const agent = await daemons.restart('agent-zone-a', 'gimming-agent', env, 'SIGTERM');
    const before = readFileSync(certPath);
    await waitFor(
      'zone-a agent back',
      async () => ((await served().catch(() => '')) === fingerprint(before) ? true : undefined),
      30000,
    );
    const third = daemons.issueCertificate('agent-zone-a-third');
    const thirdPem = readFileSync(third.cert);
    writeFileSync(`${certPath}.tmp`, thirdPem);
    renameSync(`${certPath}.tmp`, certPath);
    writeFileSync(`${keyPath}.tmp`, readFileSync(third.key), { mode: 0o600 });
    renameSync(`${keyPath}.tmp`, keyPath);
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(await served(), fingerprint(before), 'without SIGHUP the agent keeps its certificate');
    agent.kill('SIGHUP');
    await waitFor(
      'the SIGHUP certificate',
      async () => ((await served()) === fingerprint(thirdPem) ? true : undefined),
      10000,
    );
    assert.equal(agent.exitCode, null, 'SIGHUP does not stop the agent');
    const reloaded = daemons.logLines('agent-zone-a').filter((l) => l.message === 'certificates reloaded');
    assert.equal(reloaded.at(-1)?.why, 'SIGHUP');
    // The restart also makes every earlier-signed call stale; the stranger's channel reconnects.
    stranger.close();
    stranger = strangerClient(AGENT_A, tls());
    assert.ok(
      (await call('DescribeImage', source.id, metadata(sign(daemons.rpcSecret, 'DescribeImage')))).ok,
    );
  });

  it('logs each refusal with its reason and the caller, never the secret', () => {
    const lines = daemons
      .logLines('agent-zone-a')
      .filter((l) => l.message === 'call refused: not authenticated');
    assert.equal(lines.length, refusals);
    for (const line of lines) {
      assert.equal(line.level, 'warn');
      assert.match(
        String(line.method),
        /^\/gimming\.agent\.v2\.Agent\/(DescribeImage|DeleteImage|ReadImage)$/,
      );
      assert.match(String(line.peer), /127\.0\.0\.1/);
      assert.match(String(line.caller_request_id), /^req-/);
    }
    assert.deepEqual([...new Set(lines.map((l) => l.reason))].sort(), [
      'expired',
      'malformed credentials',
      'no credentials',
      'replayed',
      'signed before this agent started',
      'wrong signature',
    ]);
    const started = daemons.logLines('agent-zone-a').find((l) => l.message === 'gimming-agent started');
    assert.equal(started?.auth, 'shared secret (1 accepted)');
    assert.equal(started?.transport, 'mutual TLS');
  });

  it('lets the daemons that hold the secret adopt and sync the image', async () => {
    const res = await http('POST', `${api}/v1/images`, {
      token: demo.id,
      json: { source: { cloud: 'zone-a', image_id: source.id }, targets: ['zone-b'] },
    });
    assert.equal(res.status, 202, res.text);
    const [task] = await waitForTasks(api, demo.id, res.body.id);
    assert.equal(task.status, 'succeeded', JSON.stringify(task.error));
    const copy = await location(api, demo.id, res.body.id, 'zone-b');
    assert.equal(copy.status, 'active');
    const glanceB = new Glance(bed.regions.RegionTwo!.glance_url, demo.id);
    assert.equal((await glanceB.get(copy.image_id as string))?.checksum, source.checksum);
    // The conductor's calls and the zone-b agent's ReadImage from zone-a were all accepted.
    const refused = (name: string) =>
      daemons.logLines(name).filter((l) => l.message === 'call refused: not authenticated').length;
    assert.equal(refused('agent-zone-a'), refusals);
    assert.equal(refused('agent-zone-b'), 1, 'only the call replayed from zone-a');
    await glanceB.delete(copy.image_id as string);
  });

  it('never writes the secret in any log', () => {
    for (const name of daemons.names) {
      assert.ok(!daemons.logText(name).includes(daemons.rpcSecret), `${name} logged the secret`);
    }
  });
});
