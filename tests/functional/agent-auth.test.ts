/**
 * An agent's gRPC port obeys only the deployment's daemons: a stranger process on the network, with a
 * user's valid token and catalog but without the shared secret ([agent] rpc_secrets), cannot describe,
 * read or delete an image through a running agent, whether it sends no credentials, signs with a wrong
 * secret, sends an expired signature or replays one; the real daemons still adopt and sync an image.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { AUTH_METADATA_KEY, newNonce, signCall } from '../../src/common/grpc/auth';
import { DaemonSet, allPassed } from '../support/daemons';
import { location, registerClouds, waitForTasks } from '../support/flows';
import { http } from '../support/http';
import { Glance, type Token, issueToken } from '../support/openstack';
import { REPO_ROOT, type Testbed, testbed } from '../support/testbed';

const API_PORT = 18795;
const AGENT_PORTS = { 'zone-a': 18796, 'zone-b': 18797 };
const AGENT_A = `127.0.0.1:${AGENT_PORTS['zone-a']}`;
const SERVICE = '/gimming.agent.v1.Agent';

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
function strangerClient(address: string): StrangerClient {
  const definition = protoLoader.loadSync('gimming/agent/v1/agent.proto', {
    keepCase: true,
    longs: Number,
    enums: String,
    defaults: true,
    oneofs: true,
    includeDirs: [join(REPO_ROOT, 'protos')],
  });
  const proto = grpc.loadPackageDefinition(definition) as any;
  return new proto.gimming.agent.v1.Agent(address, grpc.credentials.createInsecure());
}

describe('agent gRPC authentication', function () {
  this.timeout(120000);
  let bed: Testbed;
  let daemons: DaemonSet;
  let api: string;
  let admin: Token;
  let demo: Token;
  let glanceA: Glance;
  let cloudA: { id: string; name: string; type: string; region_name: string };
  let source: any;
  let stranger: StrangerClient;
  let refusals = 0;

  before(async function () {
    this.timeout(300000);
    bed = testbed();
    daemons = new DaemonSet(bed, { apiPort: API_PORT, agentPorts: AGENT_PORTS });
    await daemons.start();
    api = daemons.apiUrl;
    [admin, demo] = await Promise.all([issueToken(bed, bed.users.admin), issueToken(bed, bed.users.demo)]);
    glanceA = new Glance(bed.regions.RegionOne!.glance_url, demo.id);
    const ids = await registerClouds(api, admin.id);
    cloudA = { id: ids['zone-a']!, name: 'zone-a', type: 'openstack', region_name: 'RegionOne' };
    ({ image: source } = await glanceA.createWithData(256 * 1024, { os_distro: 'agent-auth' }));
    stranger = strangerClient(AGENT_A);
  });

  after(async function () {
    this.timeout(60000);
    stranger?.close();
    if (source) await glanceA.delete(source.id);
    if (daemons) await daemons.stop(!allPassed(this.test?.parent));
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

  function call(method: Method, imageId: string, md: grpc.Metadata): Promise<Outcome> {
    const request = { cloud: cloudA, image_id: imageId, from_staging: false };
    const deadline = Date.now() + 30000;
    if (method === 'ReadImage') {
      return new Promise((resolve) => {
        const stream = stranger.ReadImage(request, md, { deadline });
        let chunks = 0;
        stream.on('data', () => (chunks += 1));
        stream.on('error', (err: grpc.ServiceError) => resolve({ ok: false, err }));
        stream.on('end', () => resolve({ ok: true, value: chunks }));
      });
    }
    return new Promise((resolve) => {
      stranger[method](request, md, { deadline }, (err, value) =>
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
  const sign = (secret: string, method: Method, at = Date.now()) =>
    signCall(secret, `${SERVICE}/${method}`, at, newNonce());

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
    // A signed DeleteImage or ReadImage of another image, replayed with this image's ID.
    for (const method of ['DeleteImage', 'ReadImage'] as const) {
      const md = metadata(sign(daemons.rpcSecret, method));
      const other = await call(method, randomUUID(), md);
      assert.ok(
        other.ok || other.err.code !== grpc.status.UNAUTHENTICATED,
        `${method} signed with the secret is let through (${other.ok ? 'ok' : other.err.message})`,
      );
      assertRefused(await call(method, source.id, md), 'replayed', `${method} replayed`);
    }
    await assertUntouched();
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
        /^\/gimming\.agent\.v1\.Agent\/(DescribeImage|DeleteImage|ReadImage)$/,
      );
      assert.match(String(line.peer), /127\.0\.0\.1/);
      assert.match(String(line.caller_request_id), /^req-/);
    }
    assert.deepEqual([...new Set(lines.map((l) => l.reason))].sort(), [
      'expired',
      'malformed credentials',
      'no credentials',
      'replayed',
      'wrong signature',
    ]);
    const started = daemons.logLines('agent-zone-a').find((l) => l.message === 'gimming-agent started');
    assert.equal(started?.auth, 'shared secret (1 accepted)');
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
    assert.equal(refused('agent-zone-b'), 0);
    await glanceB.delete(copy.image_id as string);
  });

  it('never writes the secret in any log', () => {
    for (const name of daemons.names) {
      assert.ok(!daemons.logText(name).includes(daemons.rpcSecret), `${name} logged the secret`);
    }
  });
});
