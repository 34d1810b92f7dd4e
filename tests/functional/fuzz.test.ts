/**
 * Hostile input against the real daemons: a bounded, deterministic fuzz run (a seeded PRNG; set
 * GIMMING_FUZZ_SEED to replay another seed) over every endpoint of the API. Malformed JSON, wrong types,
 * deep nesting, bodies over [api] max_request_body_size, huge headers, unicode, control characters and
 * NUL, path traversal in names and IDs, injection attempts in filters, sort keys and markers, absurd
 * limits, forged identity headers, another project's token, wrong methods and content types.
 *
 * Every request is built to be refused: it must answer a 4xx, as the OpenStack-style JSON error of the
 * API when the API answers (Node's HTTP parser answers malformed requests itself, without a body), never
 * with a stack trace or another project's data. Filters that merely look like injections must find
 * nothing. Afterwards every daemon is alive, none logged an error, and demo's images, their copies in
 * both Glance zones, their members and tasks are as they were.
 *
 * Requests go over a plain socket (tests/support/raw-http.ts), which sends what fetch refuses to build.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import type { DaemonSet } from '../support/daemons';
import { waitForTasks } from '../support/flows';
import { http } from '../support/http';
import type { Glance, Token } from '../support/openstack';
import { type RawAnswer, type RawRequest, rawRequest } from '../support/raw-http';
import { useStack } from '../support/stack';
import type { Testbed } from '../support/testbed';

const SEED = Number(process.env.GIMMING_FUZZ_SEED ?? 0x9e3779b9) >>> 0;
const SEED_TEXT = `0x${SEED.toString(16)}`;
/** [api] max_request_body_size, as the daemons of this test run with it (the default). */
const BODY_LIMIT = 114688;
/** How many requests are in flight at once. */
const CONCURRENCY = 8;
/** How many requests the seeded part adds to the systematic one. */
const RANDOM_CASES = 3000;

/** mulberry32: a small, fast, seeded PRNG (32-bit state), so that a run can be replayed exactly. */
class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  /** A string of `length` characters drawn from `alphabet`. */
  text(length: number, alphabet: string): string {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[this.int(alphabet.length)];
    return out;
  }
}

type Who = 'demo' | 'alt' | 'admin' | 'none' | 'garbage';

/**
 * One request. `target`, header values and string bodies may hold placeholders, filled in once the
 * test's images exist: {IMG} (demo's image, with a copy in each zone), {QIMG} (demo's image waiting for
 * its data), {TASK} (the copy task of {IMG}), {SRC} and {COPY} (its copies' IDs in zone-a and zone-b),
 * {ALTP}, {DEMOP}, {DEMOU} (alt's project, demo's project and user), {DEMO} (demo's token).
 */
interface Case {
  what: string;
  who: Who;
  method: string;
  target: string;
  headers?: Array<[string, string | Buffer]>;
  body?: string | Buffer;
  chunked?: boolean;
  noContentLength?: boolean;
  /** `refused`: a 4xx. `nothing`: a 200 list that holds nothing (a filter that looks like an injection). */
  expect: 'refused' | 'nothing';
}

interface Route {
  method: string;
  path: string;
  /** A valid body: the refusal has to come from what the case changes, not from a missing body. */
  json?: Record<string, unknown>;
  contentType?: string;
  /** Names one of demo's resources (alt must get a 404). */
  owned?: boolean;
  /** Needs an administrator (demo must get a 403). */
  adminOnly?: boolean;
}

const JSON_TYPE = 'application/json';
const MERGE_PATCH = 'application/merge-patch+json';

/** Every call of the API reference (api-ref/source/), on demo's resources, with a valid body. */
const ROUTES: Route[] = [
  { method: 'GET', path: '/v1/clouds' },
  {
    method: 'POST',
    path: '/v1/clouds',
    json: { name: 'fuzz-cloud', type: 'openstack', region_name: 'RegionOne', zone: 'zone-x' },
    adminOnly: true,
  },
  { method: 'GET', path: '/v1/clouds/zone-a' },
  { method: 'DELETE', path: '/v1/clouds/zone-b', adminOnly: true },
  { method: 'GET', path: '/v1/clouds/zone-a/images' },
  {
    method: 'POST',
    path: '/v1/images',
    json: { name: 'fuzz', source: { cloud: 'zone-a', image_id: '{SRC}' }, targets: ['zone-b'] },
  },
  { method: 'GET', path: '/v1/images' },
  { method: 'GET', path: '/v1/images/{IMG}', owned: true },
  {
    method: 'PATCH',
    path: '/v1/images/{IMG}',
    json: { name: 'fuzzed', visibility: 'shared' },
    contentType: MERGE_PATCH,
    owned: true,
  },
  { method: 'DELETE', path: '/v1/images/{IMG}', owned: true },
  { method: 'DELETE', path: '/v1/images/{IMG}?delete_remote=true', owned: true },
  { method: 'PUT', path: '/v1/images/{QIMG}/file', contentType: 'application/octet-stream', owned: true },
  { method: 'POST', path: '/v1/images/{IMG}/sync', json: { targets: ['zone-a', 'zone-b'] }, owned: true },
  { method: 'POST', path: '/v1/images/{IMG}/refresh', owned: true },
  {
    method: 'POST',
    path: '/v1/images/{IMG}/locations',
    json: { cloud: 'zone-b', image_id: '{COPY}' },
    owned: true,
  },
  { method: 'DELETE', path: '/v1/images/{IMG}/locations/zone-b?delete_remote=true', owned: true },
  { method: 'GET', path: '/v1/images/{IMG}/members', owned: true },
  { method: 'POST', path: '/v1/images/{IMG}/members', json: { member: '{ALTP}' }, owned: true },
  { method: 'DELETE', path: '/v1/images/{IMG}/members/{ALTP}', owned: true },
  { method: 'GET', path: '/v1/tasks' },
  { method: 'GET', path: '/v1/tasks/{TASK}', owned: true },
  { method: 'POST', path: '/v1/tasks/{TASK}/cancel', owned: true },
  { method: 'GET', path: '/v1/matrix' },
];

/** The JSON bodies each JSON route takes: valid ones, which the cases break. */
interface BodyRoute {
  route: Route;
  who: Who;
  body: Record<string, unknown>;
  /** Bad values for each field (each one makes the body invalid). */
  bad: Record<string, readonly unknown[]>;
  required: readonly string[];
}

const NOT_STRINGS = [null, 0, -1, 3.5, 1e308, true, false, [], {}, ['x'], { a: 'b' }];
const CONTROL = [
  '\u0000',
  'a\u0000b',
  '\u0007',
  'tab\there',
  'new\nline',
  '\u007f',
  '\u001b[2J',
  'x\r\nX-Roles: admin',
];
const BAD_NAME = [...NOT_STRINGS, '', 'n'.repeat(256), ...CONTROL];
const BAD_CLOUD = [
  ...NOT_STRINGS,
  '',
  'c'.repeat(256),
  '../zone-b',
  'zone-a/../zone-b',
  '..\\/zone-a',
  '/',
  '%2e%2e/%2e%2e',
  'zone-a\u0000',
  '\n',
];
const BAD_REMOTE = [
  ...NOT_STRINGS,
  '',
  'r'.repeat(256),
  '../../v2/images',
  '%2e%2e%2f',
  'a/b',
  'a b',
  "' OR 1=1 --",
  '{SRC}/members',
  '{SRC}?x=1',
  '{SRC}#',
  'ñ',
  '😀',
  '\u0000',
];
const BAD_MEMBER = [
  ...NOT_STRINGS,
  '',
  'm'.repeat(65),
  '../{ALTP}',
  '{ALTP}/../x',
  '%2e%2e',
  "' OR '1'='1",
  '{ALTP} ',
  'ñ',
  '\u0000',
];
const BAD_VISIBILITY = [...NOT_STRINGS, '', 'PUBLIC', 'public ', 'everyone', 'private\u0000'];
const BAD_TARGETS = [
  null,
  'zone-b',
  1,
  {},
  [1],
  [null],
  [''],
  ['../zone-b'],
  [['zone-b']],
  [{}],
  Array.from({ length: 65 }, () => 'zone-b'),
];
const BAD_FORMAT = ['RAW', 'raw ', 'iso9660', '', null, 1, ['raw']];
const BAD_INT = [-1, 1.5, '1', 2147483648, 1e308, null, true, [], {}];
const BAD_PROPERTIES = [
  null,
  [],
  'x',
  1,
  { 'bad key': 'v' },
  { k: 1 },
  { k: 'v'.repeat(256) },
  { '': 'v' },
  { '../x': 'v' },
  { os_hash_value: 'x' },
  { gimming_image_id: '{IMG}' },
  Object.fromEntries(Array.from({ length: 129 }, (_, i) => [`k${i}`, 'v'])),
];
/** URLs the API itself refuses (IP literals it can judge, bad schemes, credentials): none may import. */
const BAD_URL = [
  ...NOT_STRINGS,
  '',
  `http://example.com/${'x'.repeat(2040)}`,
  'http://a b/',
  'http://\u0000/',
  'file:///etc/passwd',
  'gopher://203.0.113.1/',
  'http://169.254.169.254/latest/meta-data/',
  'http://127.0.0.1:5000/v3',
  'http://[::1]/',
  'http://0x7f000001/',
  'http://2130706433/',
  'http://user:pw@203.0.113.1/',
  'http://10.0.0.1/',
  'http://[::ffff:127.0.0.1]/',
];
const UPLOAD = {
  name: 'fuzz',
  disk_format: 'raw',
  container_format: 'bare',
  visibility: 'private',
  min_disk: 0,
  min_ram: 0,
  properties: { fuzz: 'yes' },
  targets: ['zone-a'],
};

const routeOf = (method: string, path: string) =>
  ROUTES.find((r) => r.method === method && r.path === path) as Route;

const BODY_ROUTES: BodyRoute[] = [
  {
    route: routeOf('POST', '/v1/clouds'),
    who: 'admin',
    body: routeOf('POST', '/v1/clouds').json as Record<string, unknown>,
    bad: {
      name: [...BAD_CLOUD, 'fuzz cloud', '-fuzz'],
      type: [...BAD_NAME, 'OpenStack', 'aws'],
      region_name: BAD_NAME,
      zone: [...BAD_CLOUD, 'zone x'],
    },
    required: ['name', 'type', 'region_name'],
  },
  {
    route: routeOf('POST', '/v1/images'),
    who: 'demo',
    body: routeOf('POST', '/v1/images').json as Record<string, unknown>,
    bad: {
      name: BAD_NAME,
      visibility: BAD_VISIBILITY,
      targets: BAD_TARGETS,
      source: [[], 'zone-a', 1, true],
    },
    required: ['source', 'targets'],
  },
  {
    route: routeOf('POST', '/v1/images'),
    who: 'demo',
    body: UPLOAD,
    bad: {
      name: BAD_NAME,
      disk_format: BAD_FORMAT,
      container_format: BAD_FORMAT,
      visibility: BAD_VISIBILITY,
      min_disk: BAD_INT,
      min_ram: BAD_INT,
      properties: BAD_PROPERTIES,
      targets: [...BAD_TARGETS, []],
    },
    required: ['name', 'disk_format', 'container_format', 'targets'],
  },
  {
    route: routeOf('POST', '/v1/images'),
    who: 'demo',
    body: { ...UPLOAD, source: { url: 'http://203.0.113.1/image.raw' } },
    bad: { source: BAD_URL.map((url) => ({ url })), name: BAD_NAME, targets: [...BAD_TARGETS, []] },
    required: ['name', 'disk_format', 'container_format', 'targets'],
  },
  {
    route: routeOf('PATCH', '/v1/images/{IMG}'),
    who: 'demo',
    body: { name: 'fuzzed', visibility: 'shared' },
    bad: { name: BAD_NAME, visibility: BAD_VISIBILITY },
    required: [],
  },
  {
    route: routeOf('POST', '/v1/images/{IMG}/sync'),
    who: 'demo',
    body: { targets: ['zone-a', 'zone-b'] },
    bad: { targets: BAD_TARGETS },
    required: ['targets'],
  },
  {
    route: routeOf('POST', '/v1/images/{IMG}/locations'),
    who: 'demo',
    body: { cloud: 'zone-b', image_id: '{COPY}' },
    bad: { cloud: BAD_CLOUD, image_id: BAD_REMOTE },
    required: ['cloud', 'image_id'],
  },
  {
    route: routeOf('POST', '/v1/images/{IMG}/members'),
    who: 'demo',
    body: { member: '{ALTP}' },
    bad: { member: BAD_MEMBER },
    required: ['member'],
  },
];

/** Identity headers a client may send; the identity must come from the token alone. */
const FORGED_HEADERS: Array<[string, string]> = [
  ['X-Roles', 'admin'],
  ['X-Roles', 'admin,member,reader'],
  ['X-Project-Id', '{DEMOP}'],
  ['X-Tenant-Id', '{DEMOP}'],
  ['X-User-Id', '{DEMOU}'],
  ['X-Identity-Status', 'Confirmed'],
  ['X-Is-Admin-Project', 'True'],
  ['X-Service-Roles', 'admin'],
  ['X-Service-Token', 'forged'],
  [
    'X-Service-Catalog',
    '[{"type":"image","endpoints":[{"interface":"public","region":"RegionOne","url":"http://203.0.113.1"}]}]',
  ],
  ['X-OpenStack-Request-ID', 'req-00000000-0000-4000-8000-000000000000'],
  ['X-Forwarded-For', '127.0.0.1'],
  ['X-HTTP-Method-Override', 'DELETE'],
];

const INJECTIONS = [
  "' OR '1'='1",
  '" OR ""="',
  '1; DROP TABLE images; --',
  'name) OR 1=1 --',
  "' UNION SELECT id, owner FROM images --",
  "%' OR 1=1 #",
  "\\' OR 1=1 -- ",
  "1' AND SLEEP(5)--",
  '${7*7}',
  '{{7*7}}',
  '{"$gt": ""}',
  '*',
  '%',
  '_',
  '\u0000',
  "'; SELECT pg_sleep(5); --",
  '<script>alert(1)</script>',
  '../../../../etc/passwd',
];

const ABSURD_LIMITS = [
  '0',
  '-1',
  '-0',
  '1e3',
  '1.5',
  '0x10',
  '1_000',
  '99999999999999999999',
  '9999999999',
  'NaN',
  'Infinity',
  '-Infinity',
  ' 1',
  '1 ',
  '+1',
  '\uff11',
  '\u0661',
  '',
  '1\u0000',
  '1,2',
  'null',
  'true',
  '[]',
];

/** Path segments that name nothing once decoded (and must not be decoded into separators). */
const TRAVERSALS = [
  '..%2f..%2fclouds',
  '%2e%2e%2f%2e%2e%2fclouds',
  '%2e%2e',
  '.%2e',
  '..%2F',
  '..%5c..%5c',
  '%252e%252e%252f',
  '{ID}%2f..',
  '{ID}%2f..%2f..%2fclouds',
  '..%2f{ID}',
  '%2f',
  '%2fetc%2fpasswd',
  '....%2f%2f',
  '{ID}%2fmembers',
  '%c0%af',
  '{ID}%00',
  '{ID}%0a',
  '{ID}%20',
  '{ID}.json',
  '{ID};x=1',
  '%7B{ID}%7D',
  'urn:uuid:{ID}',
  '%00',
  '%0d%0a',
  '%c0%ae%c0%ae',
  '%ff%fe',
  '%e2%80%ae{ID}',
  '%f0%9f%98%80',
  '%ed%a0%80',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  "'%20OR%20'1'%3D'1",
  '1%3B%20DROP%20TABLE%20images',
];

const JUNK_METHODS = [
  'TRACE',
  'PROPFIND',
  'PURGE',
  'LOCK',
  'UNLOCK',
  'MKCOL',
  'COPY',
  'MOVE',
  'SEARCH',
  'REPORT',
];
const ALL_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', ...JUNK_METHODS, 'FOO', 'get', 'GET /'];

const BAD_JSON_TYPES = [
  undefined,
  'text/plain',
  'text/plain; charset=utf-8',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  'application/octet-stream',
  'application/json-patch+json',
  'text/json',
  'application/jsonp',
  'application/vnd.api+json',
  'application/json,text/plain',
  'json',
];
const BAD_UPLOAD_TYPES = [
  undefined,
  'application/json',
  'text/plain',
  'multipart/form-data; boundary=x',
  'application/x-www-form-urlencoded',
  'application/octet-streamx',
  'image/png',
];

/** A body changed so that no schema takes it (and kept as text: keys such as __proto__ stay keys). */
function withExtraKey(body: Record<string, unknown>, key: string, value: unknown): string {
  const text = JSON.stringify(body);
  return `{${JSON.stringify(key)}:${JSON.stringify(value)}${text === '{}' ? '' : ','}${text.slice(1)}`;
}

function deep(levels: number, kind: 'array' | 'object'): string {
  return kind === 'array'
    ? `${'['.repeat(levels)}${']'.repeat(levels)}`
    : `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
}

function parses(text: Buffer): boolean {
  try {
    JSON.parse(text.toString('utf8'));
    return true;
  } catch {
    return false;
  }
}

/** A valid JSON text mangled until it no longer parses (as the API decodes it: UTF-8). */
function malformed(rng: Rng, valid: string): Buffer {
  for (let attempt = 0; attempt < 20; attempt++) {
    let bytes = Buffer.from(valid);
    for (let n = 1 + rng.int(3); n > 0; n--) {
      const at = rng.int(bytes.length + 1);
      switch (rng.int(5)) {
        case 0:
          bytes = bytes.subarray(0, at);
          break;
        case 1:
          bytes = Buffer.concat([
            bytes.subarray(0, at),
            Buffer.from(rng.pick(['{', '}', '[', ']', ',', ':', '"', '\\'])),
            bytes.subarray(at),
          ]);
          break;
        case 2:
          bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1)]);
          break;
        case 3:
          bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from([rng.int(256)]), bytes.subarray(at + 1)]);
          break;
        default:
          bytes = Buffer.concat([bytes, Buffer.from(rng.pick(['}', ']', ',', 'x', '\u0000', ' null']))]);
      }
    }
    if (!parses(bytes)) return bytes;
  }
  return Buffer.from(`${valid.slice(0, -1)},}`);
}

const FIXED_MALFORMED = [
  '',
  ' ',
  '{',
  '}',
  '[',
  '{"a":1,}',
  "{'a':1}",
  '{"a":NaN}',
  '{"a":Infinity}',
  '{"a":undefined}',
  '// comment\n{}',
  '\ufeff{}',
  '{"a":01}',
  '{"a":"\u0001"}',
  '{"a":1}{"b":2}',
  '{"a":"\\x41"}',
  '{"a":"\\ud800"',
  '\u0000',
  'nul\u0000l',
  '{"name":"x"\u0000}',
  '<?xml version="1.0"?><image/>',
  'name=x&visibility=public',
];

function bodyCase(
  route: Route,
  who: Who,
  body: string | Buffer,
  what: string,
  headers: Array<[string, string]> = [],
): Case {
  return {
    what,
    who,
    method: route.method,
    target: route.path,
    headers: [['Content-Type', route.contentType ?? JSON_TYPE], ...headers],
    body,
    expect: 'refused',
  };
}

/** The requests of the run: a systematic part over every endpoint, then `RANDOM_CASES` seeded ones. */
function buildCases(seed: number): Case[] {
  const rng = new Rng(seed);
  const cases: Case[] = [];
  const garbageToken = () =>
    rng.pick([
      rng.text(1 + rng.int(200), 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'),
      `gAAAAAB${rng.text(180, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_')}`,
      rng.text(1 + rng.int(64), "!#$%&'*+-.^_`|~0123456789abcdef"),
    ]);
  const forged = (n: number): Array<[string, string]> => {
    const out: Array<[string, string]> = [];
    for (let i = 0; i < n; i++) out.push(rng.pick(FORGED_HEADERS));
    return out;
  };
  const refused = (c: Omit<Case, 'expect'> & { expect?: Case['expect'] }): Case => ({
    expect: 'refused',
    ...c,
  });

  // Identity: no token, a made-up one, another project's, or demo's with forged admin headers.
  for (const route of ROUTES) {
    const base = {
      method: route.method,
      target: route.path,
      headers: [
        ...(route.contentType || route.json
          ? ([['Content-Type', route.contentType ?? JSON_TYPE]] as Array<[string, string]>)
          : []),
        ...forged(3),
      ],
      ...(route.json ? { body: JSON.stringify(route.json) } : {}),
    };
    cases.push(refused({ what: 'no token', who: 'none', ...base }));
    cases.push(
      refused({
        what: 'made-up token',
        who: 'garbage',
        ...base,
        headers: [['X-Auth-Token', garbageToken()], ...base.headers],
      }),
    );
    if (route.owned) cases.push(refused({ what: "alt's token on demo's resource", who: 'alt', ...base }));
    if (route.adminOnly) {
      cases.push(
        refused({
          what: 'forged admin (demo)',
          who: 'demo',
          ...base,
          headers: [...base.headers, ['X-Roles', 'admin']],
        }),
      );
      cases.push(
        refused({
          what: 'forged admin (alt)',
          who: 'alt',
          ...base,
          headers: [...base.headers, ['X-Roles', 'admin']],
        }),
      );
    }
  }
  for (const path of ['/v1/images', '/v1/tasks', '/v1/matrix']) {
    for (const who of ['demo', 'alt'] as const) {
      cases.push(
        refused({
          what: 'forged admin, all projects',
          who,
          method: 'GET',
          target: `${path}?all_projects=true`,
          headers: [['X-Roles', 'admin'], ['X-Is-Admin-Project', 'True'], ...forged(2)],
        }),
      );
    }
  }
  cases.push(
    refused({
      what: 'forged admin, public image',
      who: 'demo',
      method: 'PATCH',
      target: '/v1/images/{IMG}',
      headers: [
        ['Content-Type', MERGE_PATCH],
        ['X-Roles', 'admin'],
        ['X-Service-Roles', 'admin'],
      ],
      body: '{"visibility":"public"}',
    }),
    refused({
      what: 'forged admin, public image',
      who: 'demo',
      method: 'POST',
      target: '/v1/images',
      headers: [
        ['Content-Type', JSON_TYPE],
        ['X-Roles', 'admin'],
      ],
      body: JSON.stringify({ ...UPLOAD, visibility: 'public' }),
    }),
    refused({
      what: "adopting demo's private copy (alt)",
      who: 'alt',
      method: 'POST',
      target: '/v1/images',
      headers: [
        ['Content-Type', JSON_TYPE],
        ['X-Project-Id', '{DEMOP}'],
      ],
      body: JSON.stringify({ source: { cloud: 'zone-b', image_id: '{COPY}' }, targets: ['zone-a'] }),
    }),
  );

  // Wrong methods on every path, and methods nobody implements.
  const bare = (path: string) => path.split('?')[0] as string;
  const OPEN = ['/', '/v1', '/v1/', '/healthcheck'];
  // What a path takes: its routes' methods (a route on zone-a is also one on zone-b), HEAD with GET.
  const methodsOf = (path: string) => {
    const shape = (p: string) => bare(p).replace(/zone-[ab]/g, 'zone-*');
    const methods = new Set(ROUTES.filter((r) => shape(r.path) === shape(path)).map((r) => r.method));
    if (OPEN.includes(path)) methods.add('GET');
    if (methods.has('GET')) methods.add('HEAD');
    return methods;
  };
  const paths = [...new Set(ROUTES.map((r) => bare(r.path))), ...OPEN];
  for (const path of paths) {
    const allowed = methodsOf(path);
    for (const method of ALL_METHODS.filter((m) => !allowed.has(m))) {
      cases.push(
        refused({
          what: 'wrong method',
          who: path.startsWith('/v1/') ? 'demo' : 'none',
          method,
          target: path,
          ...(['POST', 'PUT', 'PATCH'].includes(method)
            ? { headers: [['Content-Type', JSON_TYPE]], body: '{"name":"x"}' }
            : {}),
        }),
      );
    }
  }

  // Content types no call takes, with bodies that would otherwise be taken.
  for (const br of BODY_ROUTES) {
    for (const type of BAD_JSON_TYPES) {
      cases.push({
        what: 'wrong content type',
        who: br.who,
        method: br.route.method,
        target: br.route.path,
        headers: type === undefined ? [] : [['Content-Type', type]],
        body: JSON.stringify(br.body),
        expect: 'refused',
      });
    }
  }
  for (const type of BAD_UPLOAD_TYPES) {
    cases.push({
      what: 'wrong content type (upload)',
      who: 'demo',
      method: 'PUT',
      target: '/v1/images/{QIMG}/file',
      headers: type === undefined ? [] : [['Content-Type', type]],
      body: Buffer.alloc(4096, 7),
      expect: 'refused',
    });
  }
  for (const [length, body] of [
    ['abc', 'abc'],
    ['-1', 'abc'],
    ['1e3', 'abc'],
    ['0x10', 'abc'],
    ['99999999999999999', ''],
    ['3, 4', 'abc'],
  ] as const) {
    cases.push({
      what: 'bad Content-Length (upload)',
      who: 'demo',
      method: 'PUT',
      target: '/v1/images/{QIMG}/file',
      headers: [
        ['Content-Type', 'application/octet-stream'],
        ['Content-Length', length],
      ],
      body,
      noContentLength: true,
      expect: 'refused',
    });
  }
  // demo's image that already has its data, and alt uploading into demo's image waiting for its data.
  cases.push(
    {
      what: 'upload into an active image',
      who: 'demo',
      method: 'PUT',
      target: '/v1/images/{IMG}/file',
      headers: [['Content-Type', 'application/octet-stream']],
      body: Buffer.alloc(1024, 1),
      expect: 'refused',
    },
    {
      what: "alt's upload into demo's image",
      who: 'alt',
      method: 'PUT',
      target: '/v1/images/{QIMG}/file',
      headers: [
        ['Content-Type', 'application/octet-stream'],
        ['X-Project-Id', '{DEMOP}'],
      ],
      body: Buffer.alloc(1024, 1),
      expect: 'refused',
    },
  );

  // Malformed JSON, deep nesting and bodies over the limit, on every JSON call.
  for (const br of BODY_ROUTES) {
    for (const text of FIXED_MALFORMED) cases.push(bodyCase(br.route, br.who, text, 'malformed JSON'));
    for (const [levels, kind] of [
      [10000, 'array'],
      [10000, 'object'],
      [50000, 'array'],
    ] as const) {
      cases.push(bodyCase(br.route, br.who, deep(levels, kind), `${levels} levels deep`));
    }
    const field = Object.keys(br.body)[0] as string;
    cases.push(
      bodyCase(
        br.route,
        br.who,
        `{${JSON.stringify(field)}:${deep(10000, 'array')}}`,
        '10000 levels deep in a field',
      ),
    );
    cases.push(
      bodyCase(
        br.route,
        br.who,
        `{${JSON.stringify(field)}:${deep(10000, 'object')}}`,
        '10000 levels deep in a field',
      ),
    );
    const huge = JSON.stringify({ ...br.body, name: 'h'.repeat(BODY_LIMIT) });
    cases.push(bodyCase(br.route, br.who, huge, 'body over the limit'));
    cases.push({ ...bodyCase(br.route, br.who, huge, 'body over the limit, chunked'), chunked: true });
    cases.push({
      ...bodyCase(br.route, br.who, `{"name":"${'h'.repeat(1024 * 1024)}"}`, '1 MiB body, chunked'),
      chunked: true,
    });
    cases.push({
      ...bodyCase(br.route, br.who, '{"name":"x"}', 'declared length over the limit'),
      headers: [
        ['Content-Type', br.route.contentType ?? JSON_TYPE],
        ['Content-Length', String(BODY_LIMIT + 1)],
      ],
      noContentLength: true,
    });
  }

  // Huge headers (on calls that change nothing, should they be served).
  for (const route of [
    routeOf('GET', '/v1/images'),
    routeOf('GET', '/v1/images/{IMG}'),
    routeOf('GET', '/v1/tasks'),
  ]) {
    const headers: Array<Array<[string, string]>> = [
      [['X-Padding', 'p'.repeat(20000)]],
      Array.from({ length: 300 }, (_, i) => [`X-Header-${i}`, 'v'.repeat(64)] as [string, string]),
      [['Cookie', `session=${'c'.repeat(20000)}`]],
      [['X-Auth-Token', 'a'.repeat(8193)]],
      [['X-Auth-Token', 'a'.repeat(16000)]],
      [['X-Roles', `admin,${'r'.repeat(17000)}`]],
    ];
    for (const h of headers) {
      const token = h.some(([name]) => name === 'X-Auth-Token');
      cases.push({
        what: 'huge headers',
        who: token ? 'none' : 'demo',
        method: route.method,
        target: route.path,
        headers: h,
        expect: 'refused',
      });
    }
    cases.push({
      what: 'huge request line',
      who: 'demo',
      method: route.method,
      target: `${route.path}?x=${'q'.repeat(20000)}`,
      expect: 'refused',
    });
  }

  // Control characters, NUL and bytes that are not ASCII in the request line and the headers.
  for (const route of [
    routeOf('GET', '/v1/images/{IMG}'),
    routeOf('DELETE', '/v1/images/{IMG}'),
    routeOf('POST', '/v1/tasks/{TASK}/cancel'),
  ]) {
    for (const [what, patch] of [
      ['NUL in the token', { headers: [['X-Auth-Token', Buffer.from('{DEMO}\u0000')]] }],
      ['DEL in the token', { headers: [['X-Auth-Token', Buffer.from('\u007f')]] }],
      ['latin-1 bytes in the token', { headers: [['X-Auth-Token', Buffer.from([0xe9, 0xff, 0x41])]] }],
      ['UTF-8 in the token', { headers: [['X-Auth-Token', Buffer.from('tökén😀')]] }],
      ['folded header', { headers: [['X-Auth-Token', 'x\r\n continued']] }],
      ['NUL in a header name', { headers: [['X-Ro\u0000les', 'admin']] }],
      ['space in a header name', { headers: [['X Roles', 'admin']] }],
      ['raw UTF-8 in the path', { target: `${route.path}é` }],
      ['space in the path', { target: `${route.path} x` }],
      ['NUL in the path', { target: `${route.path}\u0000` }],
      ['tab in the path', { target: `${route.path}\tx` }],
    ] as const) {
      // demo's token only on the call that changes nothing, should the parser let the request through.
      const who: Who =
        what.includes('token') || what === 'folded header' ? 'none' : route.method === 'GET' ? 'demo' : 'alt';
      cases.push({
        what,
        who,
        method: route.method,
        target: route.path,
        expect: 'refused',
        ...(patch as Partial<Case>),
      });
    }
  }

  // Path traversal and junk in every ID of every path.
  for (const route of ROUTES.filter((r) => r.owned || /\{|zone-/.test(r.path))) {
    const slots = [...route.path.matchAll(/\{(IMG|QIMG|TASK|ALTP)\}|zone-[ab]/g)].map((m) => m[0]);
    for (const slot of slots) {
      for (const junk of TRAVERSALS) {
        // The database compares names padded with spaces: `zone-b ` is zone-b, not junk.
        if (!slot.startsWith('{') && junk === '{ID}%20') continue;
        cases.push({
          what: `junk ID (${slot})`,
          who: route.adminOnly ? 'admin' : 'demo',
          method: route.method,
          target: route.path.replace(slot, junk.replaceAll('{ID}', slot)),
          headers: route.json || route.contentType ? [['Content-Type', route.contentType ?? JSON_TYPE]] : [],
          ...(route.json ? { body: JSON.stringify(route.json) } : {}),
          expect: 'refused',
        });
      }
    }
  }
  for (const target of [
    '/v1/images/{IMG}/../../clouds',
    '/v1/images/../images/{IMG}',
    '/v1/images/{IMG}/./members',
    '/v1//images/{IMG}',
    '/v1/images//{IMG}',
    '/V1/IMAGES/{IMG}',
    '/v1/images/{IMG}/',
    '/v1/images/{IMG}//',
    '/v1/images/{IMG}/members/',
    '/v1/tasks/{TASK}/cancel/',
    '/v1/Images/{IMG}/Refresh',
  ]) {
    for (const method of ['GET', 'DELETE', 'POST', 'PATCH']) {
      cases.push({ what: 'dot segments and slashes (alt)', who: 'alt', method, target, expect: 'refused' });
      cases.push({
        what: 'dot segments and slashes (no token)',
        who: 'none',
        method,
        target,
        expect: 'refused',
      });
    }
  }

  // Injections in filters, sort keys and markers; absurd limits.
  const refusedParams: Array<[string, string]> = [
    ['/v1/images', 'sort'],
    ['/v1/images', 'marker'],
    ['/v1/images', 'status'],
    ['/v1/images', 'visibility'],
    ['/v1/images', 'cloud'],
    ['/v1/images', 'all_projects'],
    ['/v1/tasks', 'marker'],
    ['/v1/tasks', 'status'],
    ['/v1/tasks', 'image_id'],
    ['/v1/tasks', 'cloud'],
    ['/v1/matrix', 'cloud'],
    ['/v1/matrix', 'all_projects'],
    ['/v1/clouds/zone-a/images', 'limit'],
  ];
  for (const [path, param] of refusedParams) {
    for (const payload of INJECTIONS) {
      cases.push({
        what: `injection in ${param}`,
        who: 'demo',
        method: 'GET',
        target: `${path}?${param}=${encodeURIComponent(payload)}`,
        expect: 'refused',
      });
    }
  }
  for (const payload of INJECTIONS) {
    const q = encodeURIComponent(payload);
    cases.push({
      what: 'injection in a name filter',
      who: 'demo',
      method: 'GET',
      target: `/v1/images?name=${q}`,
      expect: 'nothing',
    });
    cases.push({
      what: 'injection in a name filter',
      who: 'demo',
      method: 'GET',
      target: `/v1/matrix?name=${q}`,
      expect: 'nothing',
    });
    cases.push({
      what: 'injection in a name filter (admin)',
      who: 'admin',
      method: 'GET',
      target: `/v1/images?all_projects=true&name=${q}`,
      expect: 'nothing',
    });
    cases.push({
      what: 'injection in a cloud path',
      who: 'demo',
      method: 'GET',
      target: `/v1/clouds/${q}/images`,
      expect: 'refused',
    });
  }
  // References no cloud and no image can have: too long, empty, too many.
  const long = 'z'.repeat(256);
  for (const [who, method, target] of [
    ['demo', 'GET', `/v1/clouds/${long}`],
    ['demo', 'GET', `/v1/clouds/${long}/images`],
    ['admin', 'DELETE', `/v1/clouds/${long}`],
    ['demo', 'DELETE', `/v1/images/{IMG}/locations/${long}?delete_remote=true`],
    ['alt', 'DELETE', `/v1/images/{IMG}/locations/${long}`],
    ['demo', 'GET', `/v1/images?cloud=${long}`],
    ['demo', 'GET', '/v1/images?cloud='],
    ['demo', 'GET', '/v1/images?name='],
    ['demo', 'GET', `/v1/images?name=${long}`],
    ['demo', 'GET', `/v1/tasks?cloud=${long}`],
    ['demo', 'GET', `/v1/matrix?cloud=${long}`],
    ['demo', 'GET', '/v1/matrix?cloud=zone-a&cloud='],
    ['demo', 'GET', `/v1/matrix?name=${long}`],
    ['demo', 'GET', `/v1/matrix?${'cloud=zone-a&'.repeat(65)}`],
    ['demo', 'GET', `/v1/images/{IMG}/members/${'m'.repeat(65)}`],
    ['demo', 'DELETE', `/v1/images/{IMG}/members/${'m'.repeat(65)}`],
    ['demo', 'GET', `/v1/tasks/${'t'.repeat(5000)}`],
    ['demo', 'GET', `/v1/images/${'i'.repeat(5000)}`],
  ] as const) {
    cases.push({ what: 'overlong reference', who, method, target, expect: 'refused' });
  }
  for (const path of ['/v1/images', '/v1/tasks', '/v1/matrix', '/v1/clouds/zone-a/images']) {
    for (const limit of ABSURD_LIMITS) {
      cases.push({
        what: 'absurd limit',
        who: 'demo',
        method: 'GET',
        target: `${path}?limit=${encodeURIComponent(limit)}`,
        expect: 'refused',
      });
    }
    cases.push({
      what: 'limit given twice',
      who: 'demo',
      method: 'GET',
      target: `${path}?limit=1&limit=2`,
      expect: 'refused',
    });
  }

  // The seeded part: random breakages of random calls.
  const generators: Array<() => Case> = [
    // A field of a body set to a value its schema refuses.
    () => {
      const br = rng.pick(BODY_ROUTES);
      const field = rng.pick(Object.keys(br.bad));
      const value = rng.pick(br.bad[field] as unknown[]);
      return bodyCase(
        br.route,
        br.who,
        JSON.stringify({ ...br.body, [field]: value }),
        `bad ${field}`,
        rng.chance(0.3) ? forged(1) : [],
      );
    },
    // An unknown field (any key: unicode, control characters, prototype names).
    () => {
      const br = rng.pick(BODY_ROUTES);
      const key = rng.pick([
        '__proto__',
        'constructor',
        'prototype',
        'toString',
        'owner',
        'id',
        'status',
        'project_id',
        'is_admin',
        '',
        ' ',
        '\u0000',
        '\u202e',
        'ñame',
        '😀',
        'k'.repeat(300),
        rng.text(1 + rng.int(12), 'abc\u0000\u0001\u00e9\u4e2d\ud83d\ude00 ._-'),
      ]);
      return bodyCase(
        br.route,
        br.who,
        withExtraKey(br.body, key, rng.pick(['x', 1, null, { admin: true }, [] as unknown])),
        'unknown field',
      );
    },
    // A required field left out, or a body that is not an object.
    () => {
      const br = rng.pick(BODY_ROUTES.filter((b) => b.required.length > 0));
      const drop = rng.pick(br.required);
      const body = Object.fromEntries(Object.entries(br.body).filter(([k]) => k !== drop));
      return bodyCase(br.route, br.who, JSON.stringify(body), `without ${drop}`);
    },
    () => {
      const br = rng.pick(BODY_ROUTES);
      return bodyCase(
        br.route,
        br.who,
        rng.pick(['[]', JSON.stringify([br.body]), '"x"', '0', '-1', 'true', 'false', 'null', '1e400', '{}']),
        'not an object',
      );
    },
    // Malformed JSON.
    () => {
      const br = rng.pick(BODY_ROUTES);
      return bodyCase(br.route, br.who, malformed(rng, JSON.stringify(br.body)), 'mangled JSON');
    },
    // Another project, or no valid token, with forged identity headers, on any call.
    () => {
      const route = rng.pick(ROUTES);
      const who: Who = route.owned
        ? rng.pick(['alt', 'none', 'garbage'] as const)
        : rng.pick(['none', 'garbage'] as const);
      return {
        what: `forged identity (${who})`,
        who,
        method: route.method,
        target: route.path,
        headers: [
          ...(route.json || route.contentType
            ? ([['Content-Type', route.contentType ?? JSON_TYPE]] as Array<[string, string]>)
            : []),
          ...(who === 'garbage' ? ([['X-Auth-Token', garbageToken()]] as Array<[string, string]>) : []),
          ...forged(1 + rng.int(5)),
        ],
        ...(route.json ? { body: JSON.stringify(route.json) } : {}),
        expect: 'refused',
      };
    },
    // Junk in an ID.
    () => {
      const route = rng.pick(ROUTES.filter((r) => r.owned));
      const slot = (/\{(IMG|QIMG|TASK)\}/.exec(route.path) as RegExpExecArray)[0];
      const junk = rng.chance(0.5)
        ? rng.pick(TRAVERSALS).replaceAll('{ID}', slot)
        : encodeURIComponent(rng.text(1 + rng.int(40), 'abcdef0123456789-./\\%\'"; \u0000\u00e9\u202e'));
      return {
        what: 'junk ID',
        who: 'demo',
        method: route.method,
        target: route.path.replace(slot, junk === slot ? `${slot}x` : junk),
        headers: route.json || route.contentType ? [['Content-Type', route.contentType ?? JSON_TYPE]] : [],
        ...(route.json ? { body: JSON.stringify(route.json) } : {}),
        expect: 'refused',
      };
    },
    // Injections and absurd values in query parameters that must be refused.
    () => {
      const [path, param] = rng.pick(refusedParams);
      const value = rng.chance(0.5)
        ? rng.pick(INJECTIONS)
        : rng.text(1 + rng.int(30), '\'";-#*%_()=<>\u0000\u00e9 abcOR1');
      return {
        what: `junk in ${param}`,
        who: 'demo',
        method: 'GET',
        target: `${path}?${param}=${encodeURIComponent(value)}`,
        expect: 'refused',
      };
    },
    () => {
      const path = rng.pick(['/v1/images', '/v1/tasks', '/v1/matrix', '/v1/clouds/zone-a/images']);
      return {
        what: 'absurd limit',
        who: 'demo',
        method: 'GET',
        target: `${path}?limit=${encodeURIComponent(rng.pick(ABSURD_LIMITS))}`,
        expect: 'refused',
      };
    },
    // A wrong method.
    () => {
      const path = rng.pick(paths.filter((p) => p.startsWith('/v1/')));
      const allowed = methodsOf(path);
      const method = rng.pick(ALL_METHODS.filter((m) => !allowed.has(m)));
      return { what: 'wrong method', who: 'demo', method, target: path, expect: 'refused' };
    },
  ];
  for (let i = 0; i < RANDOM_CASES; i++) cases.push(rng.pick(generators)());
  return cases;
}

const CASES = buildCases(SEED);

/** What in a JSON answer would show internals. */
const INTERNALS = [/\n\s+at /, /\bat .+:\d+:\d+\)?/, /node_modules/, /\/dist\//, /\.[jt]s:\d+/, /Error: /];

describe(`fuzzing the API: ${CASES.length} hostile requests (seed ${SEED_TEXT})`, function () {
  this.timeout(180000);
  let bed: Testbed;
  let daemons: DaemonSet;
  let api: string;
  let admin: Token;
  let demo: Token;
  let alt: Token;
  let glanceA: Glance;
  let glanceB: Glance;
  const ids: Record<string, string> = {};
  let baseline: unknown;
  const logSizes = new Map<string, number>();
  /** Values of demo's that no request carries: none may appear in an answer. */
  let secrets: string[] = [];

  // No periodic refresh: nothing may touch demo's images during the run but the fuzz.
  const stack = useStack({ extraConfig: '[conductor]\nrefresh_interval = 0' });

  before(async function () {
    this.timeout(300000);
    ({ bed, daemons, api, admin, demo, alt } = stack);
    [glanceA, glanceB] = [stack.glance('zone-a'), stack.glance('zone-b')];

    const { image: source } = await glanceA.createWithData(64 * 1024, {
      name: `fuzz-target-${SEED_TEXT}-${Date.now()}`,
    });
    const adopted = await http('POST', `${api}/v1/images`, {
      token: demo.id,
      json: { source: { cloud: 'zone-a', image_id: source.id }, targets: ['zone-b'] },
    });
    assert.equal(adopted.status, 202, adopted.text);
    const [task] = await waitForTasks(api, demo.id, adopted.body.id);
    assert.equal(task.status, 'succeeded', JSON.stringify(task.error));
    const queued = await http('POST', `${api}/v1/images`, {
      token: demo.id,
      json: {
        name: `fuzz-queued-${SEED_TEXT}`,
        disk_format: 'raw',
        container_format: 'bare',
        targets: ['zone-a'],
      },
    });
    assert.equal(queued.status, 201, queued.text);
    const shown = await http('GET', `${api}/v1/images/${adopted.body.id}`, { token: demo.id });
    Object.assign(ids, {
      IMG: adopted.body.id,
      QIMG: queued.body.id,
      TASK: task.id,
      SRC: source.id,
      COPY: shown.body.locations.find((l: any) => l.cloud === 'zone-b').image_id,
      ALTP: alt.projectId,
      DEMOP: demo.projectId,
      DEMOU: demo.userId,
      DEMO: demo.id,
    });
    secrets = [
      shown.body.name,
      shown.body.checksum,
      shown.body.os_hash_value,
      demo.projectId,
      demo.id,
      admin.id,
      alt.id,
    ];
    baseline = await snapshot();
    for (const name of daemons.names) logSizes.set(name, statSync(daemons.logPath(name)).size);
  });

  /** demo's images as GIMinG and both Glance zones see them, with members and tasks. */
  async function snapshot(): Promise<unknown> {
    const get = async (path: string, token = demo.id) => {
      const res = await http('GET', `${api}${path}`, { token });
      assert.equal(res.status, 200, `${path}: ${res.text}`);
      return res.body;
    };
    const glanceMembers = async (url: string, id: string) =>
      (await http('GET', `${url}/v2/images/${id}/members`, { token: demo.id })).body;
    const queued = await get(`/v1/images/${ids.QIMG}`);
    // A refused upload into the image waiting for its data (staging full) claims it and gives it back:
    // that is an attempt, which touches updated_at; anything else of it must stay.
    delete queued.updated_at;
    return {
      image: await get(`/v1/images/${ids.IMG}`),
      queued,
      list: await get('/v1/images?limit=1000'),
      members: await get(`/v1/images/${ids.IMG}/members`),
      tasks: await get('/v1/tasks?limit=1000'),
      matrix: await get('/v1/matrix'),
      clouds: (await get('/v1/clouds', admin.id)).clouds.map(({ agents_up: _up, ...c }: any) => c),
      zoneA: await glanceA.get(ids.SRC as string),
      zoneB: await glanceB.get(ids.COPY as string),
      zoneAMembers: await glanceMembers(bed.regions.RegionOne!.glance_url, ids.SRC as string),
      zoneBMembers: await glanceMembers(bed.regions.RegionTwo!.glance_url, ids.COPY as string),
      zoneBTagged: (await glanceB.list({ gimming_image_id: ids.IMG as string })).map((i) => i.id),
    };
  }

  const fill = (text: string) =>
    text.replace(/\{(IMG|QIMG|TASK|SRC|COPY|ALTP|DEMOP|DEMOU|DEMO)\}/g, (_m, k: string) => ids[k] as string);

  function request(c: Case): RawRequest {
    const token =
      c.who === 'demo' ? demo.id : c.who === 'alt' ? alt.id : c.who === 'admin' ? admin.id : undefined;
    const headers: Array<[string, string | Buffer]> = (c.headers ?? []).map(([name, value]) => [
      name,
      typeof value === 'string' ? fill(value) : Buffer.from(fill(value.toString('latin1')), 'latin1'),
    ]);
    if (token) headers.unshift(['X-Auth-Token', token]);
    return {
      method: c.method,
      target: fill(c.target),
      headers,
      ...(c.body !== undefined ? { body: typeof c.body === 'string' ? fill(c.body) : c.body } : {}),
      ...(c.chunked ? { chunked: true } : {}),
      ...(c.noContentLength ? { noContentLength: true } : {}),
    };
  }

  /** What is wrong with an answer, or undefined. */
  function problem(c: Case, req: RawRequest, a: RawAnswer): string | undefined {
    if (a.status === null) return `no answer (${a.socketError ?? 'closed'})`;
    for (const secret of secrets)
      if (a.text.includes(secret)) return `answer shows a value of demo's: ${a.text.slice(0, 300)}`;
    const byApi = a.headers['x-openstack-request-id'] !== undefined;
    if (c.expect === 'nothing') {
      if (a.status !== 200) return `HTTP ${a.status}, expected an empty list: ${a.text.slice(0, 300)}`;
      const body = JSON.parse(a.text) as { images?: unknown[] };
      if (!Array.isArray(body.images) || body.images.length !== 0)
        return `the filter found something: ${a.text.slice(0, 300)}`;
      return undefined;
    }
    if (a.status < 400 || a.status > 499) return `HTTP ${a.status}: ${a.text.slice(0, 300)}`;
    if (!byApi) {
      // Node's HTTP parser refused the request before the API saw it: no body, no request ID.
      return [400, 413, 417, 431].includes(a.status) ? undefined : `HTTP ${a.status} without a request ID`;
    }
    if (req.method === 'HEAD') return a.text === '' ? undefined : 'a body to HEAD';
    if (!/^application\/json/.test(a.headers['content-type'] ?? ''))
      return `content-type ${a.headers['content-type']}`;
    let body: any;
    try {
      body = JSON.parse(a.text);
    } catch {
      return `not JSON: ${a.text.slice(0, 200)}`;
    }
    const e = body?.error;
    if (!e || typeof e !== 'object') return `no error object: ${a.text.slice(0, 200)}`;
    if (typeof e.code !== 'string' || !/^gimming\.[a-z_]+\.[a-z_]+$/.test(e.code)) return `code ${e.code}`;
    if (e.code === 'gimming.internal' || e.code.startsWith('gimming.rpc.'))
      return `internal code ${e.code}: ${e.message}`;
    if (e.status !== a.status) return `error.status ${e.status} for HTTP ${a.status}`;
    if (typeof e.message !== 'string' || e.message === '') return 'no message';
    if (e.request_id !== a.headers['x-openstack-request-id'] || !/^req-[0-9a-f-]{36}$/.test(e.request_id)) {
      return `request_id ${e.request_id} (header ${a.headers['x-openstack-request-id']})`;
    }
    if (e.request_id === 'req-00000000-0000-4000-8000-000000000000')
      return 'the forged request ID was taken as its own';
    const internals = INTERNALS.find((re) => re.test(e.message));
    if (internals) return `message shows internals (${internals}): ${e.message}`;
    return undefined;
  }

  it(`answers each with a 4xx JSON error (or, for filters, nothing found)`, async function () {
    const started = Date.now();
    const failures: Array<{ index: number; what: string; line: string }> = [];
    let next = 0;
    let sent = 0;
    const bigBody = (c: Case) => c.body !== undefined && c.body.length > BODY_LIMIT;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < CASES.length) {
          const index = next++;
          const c = CASES[index] as Case;
          const req = request(c);
          let answer = await rawRequest('127.0.0.1', stack.ports.api, req);
          sent++;
          // A server that refuses a big body before reading it may reset the connection under the rest of
          // it, and the answer can be lost with the reset: that body is sent once more.
          if (answer.status === null && bigBody(c) && answer.socketError !== 'timeout') {
            answer = await rawRequest('127.0.0.1', stack.ports.api, req);
            sent++;
          }
          const wrong = problem(c, req, answer);
          if (wrong) {
            const line = `#${index} ${c.what} [${c.who}] ${c.method} ${req.target.slice(0, 160)}: ${wrong}`;
            failures.push({ index, what: c.what, line });
          }
        }
      }),
    );
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(`      fuzz: ${sent} requests (${CASES.length} cases, seed ${SEED_TEXT}) in ${seconds} s`);
    failures.sort((a, b) => a.index - b.index);
    const byKind = new Map<string, number>();
    for (const f of failures) byKind.set(f.what, (byKind.get(f.what) ?? 0) + 1);
    assert.deepEqual(
      failures.slice(0, 40).map((f) => f.line),
      [],
      `${failures.length} of ${CASES.length} answers were wrong (${[...byKind].map(([k, n]) => `${k}: ${n}`).join(', ')})`,
    );
  });

  it('leaves every daemon alive, no error in any log, and demo’s images as they were', async () => {
    for (const name of daemons.names) {
      const p = daemons.process(name);
      assert.ok(p && p.exitCode === null && p.signalCode === null, `${name} is still running`);
    }
    assert.equal((await http('GET', `${api}/healthcheck`)).status, 200);
    for (const name of daemons.names) {
      const text = readFileSync(daemons.logPath(name))
        .subarray(logSizes.get(name) ?? 0)
        .toString('utf8');
      const lines = text
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as { level: string; message: string });
      const errors = lines.filter((l) => l.level === 'error' || l.level === 'fatal');
      assert.deepEqual(errors.slice(0, 5), [], `${name} logged ${errors.length} errors during the fuzz`);
    }
    assert.deepEqual(await snapshot(), baseline, "demo's images, copies, members and tasks are unchanged");
    for (const zone of stack.zones) {
      let staged: string[];
      try {
        staged = readdirSync(daemons.stagingDir(zone));
      } catch {
        staged = []; // never made: nothing was staged there
      }
      assert.deepEqual(staged, [], `nothing left staged by the agent of ${zone}`);
    }
  });
});
