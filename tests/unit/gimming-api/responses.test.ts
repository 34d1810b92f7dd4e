/**
 * The REST answers are the API's own (schemas/v1-responses.ts): every field of the conductor's RPC views
 * reaches the user byte for byte through the real controllers, what the REST schema does not name does
 * not, the captured samples of the API reference match the schemas field for field, and the reference's
 * field tables name every field.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TSchema } from '@sinclair/typebox';
import Ajv from 'ajv';
import { loadConfig } from '../../../src/common/config/load';
import type { KeystoneValidator } from '../../../src/common/keystone/validator';
import { setupLogging } from '../../../src/common/log';
import { createApp } from '../../../src/gimming-api/app';
import { shape } from '../../../src/gimming-api/controllers/v1/respond';
import { Healthcheck } from '../../../src/gimming-api/healthcheck';
import * as Rest from '../../../src/gimming-api/schemas/v1-responses';
import type * as Rpc from '../../../src/gimming-conductor/rpc-schemas';
import type { ConductorAPI } from '../../../src/gimming-conductor/rpcapi';

// Run from dist/tests/unit/gimming-api/.
const REPO = resolve(__dirname, '..', '..', '..', '..');
const API_DOC = join(REPO, 'api-ref', 'source');
const SAMPLES = join(API_DOC, 'samples');

const IMAGE = '6c7d3f64-2b8e-4f5e-9a51-0c2f0e8e6a11';
const TASK = '0b4a8f52-95c1-4d43-9d59-0f0a3f6f1c7e';
const T0 = '2026-11-22T07:01:36.390Z';

// Each view with every field, optional ones included (`Required`): a field added to an RPC view fails to
// compile here until the test shows it reaches the user.
const remote: Required<Rpc.RemoteView> = {
  name: 'cirros',
  status: 'active',
  size: 65536,
  checksum: '255127a3d72cdab15573c462e10ae8ad',
  os_hash_algo: 'sha512',
  os_hash_value: 'ab'.repeat(64),
  disk_format: 'qcow2',
  container_format: 'bare',
  visibility: 'private',
  owner: 'project',
  min_disk: 1,
  min_ram: 64,
  // A property a cloud may well have, named like a prototype.
  properties: JSON.parse('{"gimming_image_id":"x","__proto__":"y","os_distro":"cirros"}') as Record<
    string,
    string
  >,
};
const location: Required<Rpc.LocationView> = {
  cloud: 'zone-b',
  cloud_id: 'c2',
  image_id: 'r2',
  status: 'active',
  task_id: TASK,
  last_verified_at: T0,
  proof: 'cloud',
  remote,
  conversion: {
    from: 'qcow2',
    source: { size: 100, md5: 'a'.repeat(32), sha512: 'b'.repeat(128) },
    converted: { size: 400, sha512: 'c'.repeat(128) },
  },
  remote_error: { code: 'gimming.agent.none_alive', message: 'No agent.' },
};
const image: Required<Rpc.ImageView> = {
  id: IMAGE,
  name: 'cirros',
  owner: 'project',
  visibility: 'private',
  status: 'active',
  size: 65536,
  checksum: remote.checksum,
  os_hash_algo: 'sha512',
  os_hash_value: remote.os_hash_value,
  disk_format: 'qcow2',
  container_format: 'bare',
  min_disk: 1,
  min_ram: 64,
  properties: { os_distro: 'cirros' },
  metadata_from: 'zone-b',
  spec: { name: 'cirros', visibility: 'private', disk_format: 'qcow2', properties: { os_distro: 'cirros' } },
  locations: [location, { ...location, remote: null }],
  // The conductor writes available_in after the times (the REST answer keeps that order).
  created_at: T0,
  updated_at: T0,
  available_in: ['zone-b'],
};
const task: Required<Rpc.TaskView> = {
  id: TASK,
  type: 'copy',
  image_id: IMAGE,
  cloud: 'zone-b',
  cloud_id: 'c2',
  source_cloud: 'zone-a',
  status: 'running',
  bytes_done: 10,
  bytes_total: 100,
  progress: 10.5,
  rate: 3,
  eta_seconds: 30,
  stage: 'import',
  stage_percent: 42,
  stage_detail: 'converting',
  plan: {
    source_cloud: 'zone-a',
    path: 'agent+convert',
    conversion: { from: 'qcow2', to: 'raw' },
    bytes: 1024,
  },
  max_bandwidth: 52428800,
  attempts: 2,
  error: { code: 'gimming.agent.unreachable', message: 'Lost.' },
  agent: '127.0.0.1:9596',
  request_id: 'req-1',
  project_id: 'project',
  created_at: T0,
  updated_at: T0,
  started_at: T0,
  finished_at: null,
};
/** The task as answered below 1.4, which added its max_bandwidth. */
const taskBefore14: Rpc.TaskView = { ...task };
delete taskBefore14.max_bandwidth;
const cloud: Required<Rpc.CloudView> = {
  id: 'c1',
  name: 'zone-a',
  type: 'openstack',
  region_name: 'RegionOne',
  zone: 'zone-a',
  scope: 'project',
  owner: 'project',
  auth_url: 'https://keystone.example/v3',
  credentials_ref: 'secret',
  bucket: 'gimming-transfers',
  project: 'gimming-operator',
  storage_location: 'us',
  family: 'debian',
  agents_up: 1,
  max_bandwidth: 50000000,
  capabilities: {
    can_export: true,
    can_import: true,
    disk_formats: ['raw', 'qcow2'],
    container_formats: ['bare'],
    reported_hashes: ['md5', 'sha512'],
    native_copy: [],
    sharing: 'members',
    visibilities: ['private', 'shared'],
    convertible_formats: ['qcow2'],
    // 1.8's fields among the others, as a conductor may order them: an older answer keeps the rest's order.
    native_copy_limit: { image_bytes: 0, image_bytes_from: '' },
    native_copy_unavailable: { openstack: "The cloud's Glance does not advertise glance-download." },
    owners_are_projects: false,
    fixed_names: true,
    records_proof: true,
    size_limits: { image_bytes: 1 << 30, image_bytes_from: '[agent] max_image_bytes', scratch_bytes: 0 },
    incremental: true,
    incremental_conversion: true,
  },
  created_at: T0,
  updated_at: T0,
};
/** The cloud as answered below 1.8, which added the capabilities of native and incremental copies. */
const cloudBefore18: Rpc.CloudView = { ...cloud, capabilities: { ...cloud.capabilities! } };
delete cloudBefore18.capabilities!.native_copy_limit;
delete cloudBefore18.capabilities!.native_copy_unavailable;
delete cloudBefore18.capabilities!.incremental_conversion;
const cloudImage: Required<Rpc.CloudImageView> = { id: 'r1', created_at: T0, tracked_by: IMAGE, ...remote };
const matrix: Required<Rpc.MatrixView> = {
  clouds: [{ id: 'c1', name: 'zone-a' }],
  images: [{ id: IMAGE, name: 'cirros', owner: 'project', cells: { 'zone-a': 'active', 'zone-b': null } }],
};
const member: Required<Rpc.MemberView> = {
  member_id: 'other',
  image_id: IMAGE,
  created_at: T0,
  copies: [
    { cloud: 'zone-a', status: 'accepted' },
    { cloud: 'zone-b', status: null, error: { code: 'gimming.agent.none_alive', message: 'No agent.' } },
  ],
};
const targets: Required<Rpc.TargetsView> = {
  image_id: IMAGE,
  dry_run: false,
  keep: ['zone-a'],
  add: ['zone-b'],
  remove: ['zone-c'],
  refused: [{ cloud: 'zone-d', code: 'gimming.targets.last_copy', message: 'Last copy.' }],
  warnings: [{ cloud: 'zone-c', code: 'gimming.targets.foreign_copy', message: 'Theirs.' }],
  tasks: [{ cloud: 'zone-b', task_id: TASK }],
};

/** What each conductor method answers (a fresh copy each time, as if parsed from the wire). */
const ANSWERS: Record<string, unknown> = {
  createCloud: cloud,
  listClouds: [cloud],
  getCloud: cloud,
  listCloudImages: [cloudImage],
  listCloudImagesPage: { images: [cloudImage], next_marker: '~p1.eyJrIjoxLCJuIjo1fQ', paged: true },
  createImage: image,
  listImages: { items: [image], next_marker: IMAGE },
  getImage: image,
  syncImage: image,
  setTargets: targets,
  refreshImage: image,
  addLocation: location,
  deleteImageEverywhere: { image, tasks: [task] },
  updateImage: image,
  listMembers: [member],
  addMember: member,
  getMatrix: matrix,
  listTasks: { items: [task], next_marker: null },
  getTask: task,
  cancelTask: task,
};

/** The JSON the conductor's view is written as: what the REST answer must be, byte for byte. */
const json = (value: unknown) => JSON.stringify(value);

describe('REST answers (schemas/v1-responses.ts)', () => {
  let server: Server;
  let base: string;
  let dir: string;
  /** Extra fields the conductor adds to every object of its next answer (not in any REST schema). */
  let extra: Record<string, unknown> | undefined;

  /** A copy of `value` with `extra`'s fields in every object but string maps (properties, cells). */
  function withExtra(value: unknown, key?: string): unknown {
    if (Array.isArray(value)) return value.map((v) => withExtra(v));
    if (value === null || typeof value !== 'object') return value;
    if (key === 'properties' || key === 'cells') return value;
    const out = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withExtra(v, k)]));
    return { ...out, ...extra };
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gimming-api-responses-'));
    const configFile = join(dir, 'gimming.conf');
    writeFileSync(configFile, '');
    setupLogging('gimming-api', false, { write: () => true });
    const conductor = new Proxy(
      {},
      {
        get: (_target, method) => async () => {
          const answer = ANSWERS[String(method)];
          assert.ok(answer !== undefined, `no answer for ${String(method)}`);
          const text = extra ? json(withExtra(answer)) : json(answer);
          return JSON.parse(text) as unknown;
        },
      },
    ) as unknown as ConductorAPI;
    const keystone = {
      wwwAuthenticateUri: 'http://keystone.invalid/v3',
      validate: async () => ({
        user_id: 'user',
        project_id: 'project',
        roles: ['admin', 'member', 'reader'],
        expires_at: new Date(Date.now() + 3600_000).toISOString(),
        service_catalog: [],
      }),
    } as unknown as KeystoneValidator;
    const app = createApp({
      config: loadConfig([configFile], {}),
      conductor,
      keystone,
      healthcheck: new Healthcheck([], false),
    });
    server = http.createServer(app.callback());
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    setupLogging('gimming', false);
    await new Promise((done) => server?.close(done));
    rmSync(dir, { recursive: true, force: true });
  });

  afterEach(() => {
    extra = undefined;
  });

  async function call(
    method: string,
    path: string,
    body?: unknown,
    version?: string,
  ): Promise<{ status: number; text: string }> {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        'X-Auth-Token': 'token',
        ...(version ? { 'OpenStack-API-Version': `image-manager ${version}` } : {}),
        ...(body === undefined
          ? {}
          : { 'Content-Type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, text: await res.text() };
  }

  const CREATE_CLOUD = { name: 'zone-a', type: 'openstack', region_name: 'RegionOne' };
  const CALLS: Array<[string, string, unknown, number, unknown]> = [
    ['POST', '/v1/clouds', CREATE_CLOUD, 201, cloudBefore18],
    ['GET', '/v1/clouds', undefined, 200, { clouds: [cloudBefore18] }],
    ['GET', '/v1/clouds/zone-a', undefined, 200, cloudBefore18],
    ['GET', '/v1/clouds/zone-a/images', undefined, 200, { images: [cloudImage] }],
    ['POST', '/v1/images', { source: { cloud: 'zone-a', image_id: 'r1' }, targets: ['zone-b'] }, 202, image],
    [
      'GET',
      '/v1/images?limit=1',
      undefined,
      200,
      { images: [image], next: `/v1/images?limit=1&marker=${IMAGE}` },
    ],
    ['GET', `/v1/images/${IMAGE}`, undefined, 200, image],
    ['POST', `/v1/images/${IMAGE}/sync`, { targets: ['zone-b'] }, 202, image],
    ['PUT', `/v1/images/${IMAGE}/targets`, { clouds: ['zone-a', 'zone-b'] }, 202, targets],
    ['POST', `/v1/images/${IMAGE}/refresh`, undefined, 200, image],
    ['POST', `/v1/images/${IMAGE}/locations`, { cloud: 'zone-b', image_id: 'r2' }, 201, location],
    ['DELETE', `/v1/images/${IMAGE}?delete_remote=true`, undefined, 202, { image, tasks: [taskBefore14] }],
    ['PATCH', `/v1/images/${IMAGE}`, { name: 'cirros' }, 200, image],
    ['GET', `/v1/images/${IMAGE}/members`, undefined, 200, { members: [member] }],
    ['POST', `/v1/images/${IMAGE}/members`, { member: 'other' }, 201, member],
    ['GET', '/v1/matrix', undefined, 200, matrix],
    ['GET', '/v1/tasks', undefined, 200, { tasks: [taskBefore14] }],
    ['GET', `/v1/tasks/${TASK}`, undefined, 200, taskBefore14],
    ['POST', `/v1/tasks/${TASK}/cancel`, undefined, 202, taskBefore14],
  ];

  it("answers a task's own cap (max_bandwidth) from 1.4 on, and not before", async () => {
    for (const [method, path, status, expected] of [
      ['GET', '/v1/tasks', 200, { tasks: [task] }],
      ['GET', `/v1/tasks/${TASK}`, 200, task],
      ['POST', `/v1/tasks/${TASK}/cancel`, 202, task],
      ['DELETE', `/v1/images/${IMAGE}?delete_remote=true`, 202, { image, tasks: [task] }],
    ] as const) {
      const res = await call(method, path, undefined, '1.4');
      assert.equal(res.status, status, `${method} ${path}: ${res.text}`);
      assert.equal(res.text, json(expected), `${method} ${path}`);
      assert.match(res.text, /"max_bandwidth":52428800/);
      const before = await call(method, path, undefined, '1.3');
      assert.doesNotMatch(before.text, /max_bandwidth/, `${method} ${path} at 1.3`);
    }
  });

  it("answers a cloud's native and incremental copy capabilities from 1.8 on, and 1.7 as before", async () => {
    for (const [method, path, body, status, at18, before] of [
      ['POST', '/v1/clouds', CREATE_CLOUD, 201, cloud, cloudBefore18],
      ['GET', '/v1/clouds', undefined, 200, { clouds: [cloud] }, { clouds: [cloudBefore18] }],
      ['GET', '/v1/clouds/zone-a', undefined, 200, cloud, cloudBefore18],
    ] as const) {
      const res = await call(method, path, body, '1.8');
      assert.equal(res.status, status, `${method} ${path}: ${res.text}`);
      assert.equal(res.text, json(at18), `${method} ${path} at 1.8`);
      assert.match(res.text, /"native_copy_limit":\{"image_bytes":0,"image_bytes_from":""\}/);
      assert.match(res.text, /"native_copy_unavailable":\{"openstack":/);
      assert.match(res.text, /"incremental_conversion":true/);
      for (const older of ['1.7', '1.0']) {
        const answer = await call(method, path, body, older);
        assert.equal(answer.text, json(before), `${method} ${path} at ${older}`);
        assert.doesNotMatch(answer.text, /native_copy_limit|native_copy_unavailable|incremental_conversion/);
      }
    }
  });

  it('answers a cloud no agent speaks for (capabilities null) the same at 1.7 and 1.8', async () => {
    const saved = ANSWERS.getCloud;
    ANSWERS.getCloud = { ...cloud, capabilities: null };
    try {
      const at18 = await call('GET', '/v1/clouds/zone-a', undefined, '1.8');
      const at17 = await call('GET', '/v1/clouds/zone-a', undefined, '1.7');
      assert.equal(at18.text, json({ ...cloud, capabilities: null }));
      assert.equal(at17.text, at18.text);
    } finally {
      ANSWERS.getCloud = saved;
    }
  });

  it('answers every field of the conductor views, byte for byte, on every call', async () => {
    for (const [method, path, body, status, expected] of CALLS) {
      const res = await call(method, path, body);
      assert.equal(res.status, status, `${method} ${path}: ${res.text}`);
      assert.equal(res.text, json(expected), `${method} ${path}`);
    }
    // The prototype-named property is a property like any other.
    const shown = JSON.parse((await call('GET', `/v1/images/${IMAGE}`)).text);
    assert.equal(Object.keys(shown.locations[0].remote.properties).length, 3);
  });

  it('does not answer what the REST schemas do not name, at any depth', async () => {
    // `constructor` too, which every object has through its prototype (the schemas' `properties` included).
    extra = { internal_note: 'not for users', constructor: 'not either' };
    for (const [method, path, body, status, expected] of CALLS) {
      const res = await call(method, path, body);
      assert.equal(res.status, status, `${method} ${path}: ${res.text}`);
      assert.doesNotMatch(res.text, /internal_note|constructor/, `${method} ${path}`);
      assert.equal(res.text, json(expected), `${method} ${path}`);
    }
  });

  it('the shape of a view without its optional fields is the view', () => {
    const plain = {
      ...image,
      available_in: undefined,
      locations: [{ ...location, remote: undefined, remote_error: undefined }],
    };
    const stripped = JSON.parse(json(plain)) as Rest.ImageView;
    assert.equal(json(shape(Rest.Image, stripped)), json(stripped));
  });
});

/** The schema each captured answer of the API reference is an instance of (errors and versions aside). */
function sampleSchema(name: string): TSchema | undefined {
  const table: Array<[RegExp, TSchema]> = [
    [/^clouds-list-images-/, Rest.CloudImageList],
    [/^clouds-list-/, Rest.CloudList],
    [/^clouds-(create|show)(-project)?-response/, Rest.Cloud],
    [/^images-list-/, Rest.ImageList],
    [/^images-delete-remote-/, Rest.ImageDeletion],
    [/^(images-(create|show|update)|image-actions-(sync|refresh))(-[a-z]+)?-response/, Rest.Image],
    [/^image-actions-plan-/, Rest.PlanResponse],
    [/^image-actions-targets/, Rest.Targets],
    [/^locations-create-response/, Rest.Location],
    [/^matrix-show-/, Rest.Matrix],
    [/^members-list-/, Rest.MemberList],
    [/^members-create-response/, Rest.Member],
    [/^tasks-list-/, Rest.TaskList],
    [/^tasks-(show|cancel)(-[a-z-]+)?-response/, Rest.Task],
    [/^webhooks-list-/, Rest.WebhookList],
    [/^webhooks-(create|show)-response/, Rest.Webhook],
    [/^webhooks-deliveries-list-/, Rest.WebhookDeliveryList],
    [/^webhooks-ping-response/, Rest.WebhookDelivery],
  ];
  return table.find(([re]) => re.test(name))?.[1];
}

describe('API reference samples against the REST schemas', () => {
  const ajv = new Ajv({ strict: true, allErrors: true });
  const answers = readdirSync(SAMPLES).filter(
    (f) => f.endsWith('-response.json') && !/-\d{3}-response\.json$/.test(f) && !f.startsWith('versions-'),
  );

  it('every successful answer captured from the daemons has its schema', () => {
    assert.ok(answers.length >= 20, `only ${answers.length} samples`);
    const unmapped = answers.filter((f) => sampleSchema(f) === undefined);
    assert.deepEqual(unmapped, []);
  });

  for (const name of answers) {
    it(`${name} is an instance of its schema, and its shape is itself`, () => {
      const schema = sampleSchema(name) as TSchema;
      const sample = JSON.parse(readFileSync(join(SAMPLES, name), 'utf8')) as unknown;
      const validate = ajv.compile(schema);
      assert.ok(validate(sample), `${name}: ${ajv.errorsText(validate.errors)}`);
      // A field the schema lost would be dropped here.
      assert.equal(json(shape(schema, sample as never)), json(sample), name);
    });
  }
});

describe('the API reference names every REST field', () => {
  /**
   * The fields listed in the `<title>` section of a part: in its tables (rows like `* - ``a``, ``b```)
   * and in its os-api-ref parameter lists (lines like `   - a: a_body`).
   */
  function tableFields(page: string, title: string): Set<string> {
    const text = readFileSync(join(API_DOC, page), 'utf8');
    const start = text.indexOf(`\n${title}\n`);
    assert.ok(start >= 0, `${page}: no section ${title}`);
    const rest = text.slice(start + title.length + 2);
    const section = rest.slice(0, rest.search(/\n\S[^\n]*\n[=-]{3,}\n/) + 1 || undefined);
    const fields = new Set<string>();
    for (const m of section.matchAll(/^ {3}\* - (.+)$/gm)) {
      for (const f of (m[1] as string).matchAll(/``([a-z_]+)``/g)) fields.add(f[1] as string);
    }
    for (const m of section.matchAll(/^ {3}- "?([a-z_]+)"?: [a-z0-9_]+$/gm)) fields.add(m[1] as string);
    return fields;
  }

  const cases: Array<[string, string, TSchema]> = [
    ['clouds.inc', 'Cloud fields', Rest.Cloud],
    ['images.inc', 'Image fields', Rest.Image],
    ['images.inc', 'Location fields', Rest.Location],
    ['tasks.inc', 'Task fields', Rest.Task],
    ['image-actions.inc', 'Set the clouds an image should be in', Rest.Targets],
    ['image-actions.inc', 'Plan fields', Rest.TargetPlan],
  ];
  for (const [page, title, schema] of cases) {
    it(`${page} "${title}" lists every field of the schema`, () => {
      const listed = tableFields(page, title);
      const missing = Object.keys((schema as unknown as { properties: object }).properties).filter(
        (f) => !listed.has(f),
      );
      assert.deepEqual(missing, [], `${page} ${title} does not describe ${missing.join(', ')}`);
    });
  }
});
