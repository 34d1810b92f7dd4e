/**
 * Compute Engine v1 on loopback, for images and global operations, as the REST binding in
 * @google-cloud/compute's protos lays it out (`/compute/v1/projects/{project}/global/...`). Every
 * request is checked against the request message (query parameters and body, unknown fields refused)
 * and every answer against its message; every call takes a bearer token whose account may use the
 * project (or, to read one image, is granted roles/compute.imageUser on it).
 */
import type http from 'node:http';
import { checkDeprecatable, checkDeprecation, checkUsable } from './deprecation';
import { badRequest, GoogleApiError, invalidField, notFound, sendError, sendJson } from './errors';
import { readJson } from './http-util';
import { matches, parseFilter } from './list-filter';
import { answer, checkMessage, checkQuery, messageType } from './messages';
import { checkLabels, checkName } from './names';
import { type ComputeServices, imageLink, LINK_BASE, labelFingerprint, newOperation } from './operations';
import { type ImageRec, type OperationRec, type PolicyRec, Store } from './state';
import { checkProject, type Grant, type Tokens } from './tokens';

export interface ComputeFront extends ComputeServices {
  tokens: Tokens;
}

/** Roles that may be bound on an image, and the member forms IAM takes. */
const IMAGE_ROLES = new Set([
  'roles/compute.imageUser',
  'roles/compute.admin',
  'roles/compute.storageAdmin',
  'roles/compute.viewer',
  'roles/owner',
  'roles/editor',
  'roles/viewer',
]);
const MEMBER_RE =
  /^(?:(?:user|serviceAccount|group):[^@\s]+@[^@\s]+\.[a-z]+|domain:[a-z0-9.-]+\.[a-z]+|allAuthenticatedUsers|allUsers)$/;

type Route = {
  method: string;
  re: RegExp;
  rpc: [service: string, method: string, request: string];
  discovery: string;
  run: (f: ComputeFront, c: Call) => Promise<[string, unknown]> | [string, unknown];
};

interface Call {
  grant: Grant;
  project: string;
  /** The path parameters after the project: the image or operation name. */
  name: string;
  query: Record<string, string>;
  body: unknown;
  req: http.IncomingMessage;
}

function user(c: Call): string {
  return c.grant.account.email;
}

function findImage(f: ComputeFront, project: string, name: string): ImageRec {
  const img = f.store.images.get(Store.imageKey(project, name));
  if (!img) throw notFound(`The resource 'projects/${project}/global/images/${name}' was not found`);
  return img;
}

function findOperation(f: ComputeFront, project: string, name: string): OperationRec {
  const op = f.store.operations.get(Store.imageKey(project, name));
  if (!op) throw notFound(`The resource 'projects/${project}/global/operations/${name}' was not found`);
  return op;
}

/** GCE's rawDisk.source: `https://storage.googleapis.com/<bucket>/<object>` (the object name URL-encoded or not). */
function parseSource(source: unknown): { bucket: string; object: string } {
  const m =
    typeof source === 'string'
      ? /^https:\/\/(?:storage\.googleapis\.com|storage\.cloud\.google\.com)\/([^/]+)\/(.+)$/.exec(source)
      : null;
  if (!m)
    throw invalidField(
      'resource.rawDisk.source',
      source,
      'The URL must be a Cloud Storage URL, https://storage.googleapis.com/<bucket>/<object>.',
    );
  return { bucket: m[1] ?? '', object: decodeURIComponent(m[2] ?? '') };
}

// A Cloud Storage location as GCE takes it for an image: a multi-region (us, eu, asia), a dual-region
// (nam4) or a region (europe-west1); one of them.
const STORAGE_LOCATION = /^[a-z]{2,}\d*(-[a-z]+\d+)?$/;

function checkStorageLocations(value: unknown): void {
  if (value === undefined) return;
  const list = value as unknown[];
  if (list.length > 1)
    throw invalidField('resource.storageLocations', value, 'An image has one storage location.');
  list.forEach((v, i) => {
    if (typeof v !== 'string' || !STORAGE_LOCATION.test(v))
      throw invalidField(`resource.storageLocations[${i}]`, v, 'Not a Cloud Storage location.');
  });
}

function insertImage(f: ComputeFront, c: Call): [string, unknown] {
  const body = c.body as Record<string, unknown>;
  checkMessage(messageType('Image'), body, 'resource');
  const name = checkName('resource.name', body.name);
  if (body.family !== undefined) checkName('resource.family', body.family);
  const labels = checkLabels('resource.labels', body.labels as Record<string, string> | undefined);
  checkStorageLocations(body.storageLocations);
  const sources = ['rawDisk', 'sourceImage', 'sourceDisk', 'sourceSnapshot'].filter(
    (k) => body[k] !== undefined,
  );
  if (sources.length !== 1)
    throw badRequest(
      `Invalid value for field 'resource': exactly one of rawDisk, sourceImage, sourceDisk or sourceSnapshot must be given.`,
    );
  if (typeof body.sourceImage === 'string') {
    // GCE refuses a new use of an OBSOLETE or DELETED image, whoever asks.
    const m = /(?:^|\/)projects\/([^/]+)\/global\/images\/([^/]+)$/.exec(body.sourceImage);
    const src = m ? f.store.images.get(Store.imageKey(m[1] ?? '', m[2] ?? '')) : undefined;
    if (src) checkUsable(src, 'resource.sourceImage');
  }
  if (sources[0] !== 'rawDisk')
    throw badRequest(`The stand-in makes images from rawDisk only, not ${sources[0]}.`, 'unsupported');
  const rawDisk = body.rawDisk as Record<string, unknown>;
  if (rawDisk.containerType !== undefined && rawDisk.containerType !== 'TAR')
    throw invalidField('resource.rawDisk.containerType', rawDisk.containerType, "Must be 'TAR'.");
  if (body.sourceType !== undefined && body.sourceType !== 'RAW')
    throw invalidField('resource.sourceType', body.sourceType, "Must be 'RAW'.");
  const { bucket, object } = parseSource(rawDisk.source);
  const b = f.config.buckets.find((x) => x.name === bucket);
  if (!b || !f.objects.get(bucket, object))
    throw invalidField(
      'resource.rawDisk.source',
      rawDisk.source,
      'The object does not exist or cannot be read.',
    );
  if (!c.grant.account.projects.includes(b.project))
    throw new GoogleApiError(
      403,
      `Required 'storage.objects.get' permission for 'gs://${bucket}/${object}'`,
      'forbidden',
    );
  if (c.query.requestId) {
    const same = [...f.store.operations.values()].find(
      (o) =>
        o.project === c.project &&
        (o.op as { clientOperationId?: string }).clientOperationId === c.query.requestId,
    );
    if (same) return ['Operation', same.op];
  }
  if (f.store.images.has(Store.imageKey(c.project, name)))
    throw new GoogleApiError(
      409,
      `The resource 'projects/${c.project}/global/images/${name}' already exists`,
      'alreadyExists',
    );
  const image: ImageRec['image'] = {
    kind: 'compute#image',
    id: f.store.newId(),
    creationTimestamp: new Date().toISOString(),
    name,
    ...(body.description !== undefined ? { description: body.description } : {}),
    ...(body.family !== undefined ? { family: body.family } : {}),
    ...(body.architecture !== undefined ? { architecture: body.architecture } : {}),
    ...(body.guestOsFeatures !== undefined ? { guestOsFeatures: body.guestOsFeatures } : {}),
    ...(body.licenses !== undefined ? { licenses: body.licenses } : {}),
    sourceType: 'RAW',
    rawDisk: { source: rawDisk.source, containerType: 'TAR' },
    status: 'PENDING',
    labels,
    labelFingerprint: labelFingerprint(labels),
    storageLocations: body.storageLocations ?? ['us'],
    selfLink: imageLink(c.project, name),
  };
  const rec: ImageRec = {
    project: c.project,
    image,
    policy: { bindings: [], etag: 'BwAAAAA=', version: 1 },
    rawDisk: { bucket, object, archiveSizeBytes: 0, rawSizeBytes: 0, sha512: '' },
  };
  f.store.images.set(Store.imageKey(c.project, name), rec);
  const op = newOperation(f, c.project, 'insert', rec, user(c));
  if (c.query.requestId) op.op.clientOperationId = c.query.requestId;
  return ['Operation', op.op];
}

function mayRead(c: Call, img: ImageRec): boolean {
  if (c.grant.account.projects.includes(img.project)) return true;
  const member = `serviceAccount:${c.grant.account.email}`;
  return img.policy.bindings.some(
    (b) =>
      [
        'roles/compute.imageUser',
        'roles/compute.viewer',
        'roles/compute.admin',
        'roles/viewer',
        'roles/owner',
        'roles/editor',
      ].includes(b.role) &&
      (b.members.includes(member) || b.members.includes('allAuthenticatedUsers')),
  );
}

function policyJson(p: PolicyRec): Record<string, unknown> {
  return { version: p.version, etag: p.etag, ...(p.bindings.length ? { bindings: p.bindings } : {}) };
}

function setPolicy(f: ComputeFront, c: Call): [string, unknown] {
  checkMessage(messageType('GlobalSetPolicyRequest'), c.body, '');
  const body = c.body as {
    policy?: {
      bindings?: { role?: string; members?: string[]; condition?: unknown }[];
      etag?: string;
      version?: number;
      auditConfigs?: unknown[];
    };
    bindings?: unknown;
    etag?: string;
  };
  const img = findImage(f, c.project, c.name);
  const policy = body.policy ?? {};
  if (policy.auditConfigs?.length) throw badRequest('Audit configs are not supported on images.', 'invalid');
  if (policy.etag !== undefined && policy.etag !== img.policy.etag)
    throw new GoogleApiError(
      412,
      'There were concurrent policy changes. Please retry the whole read-modify-write with exponential backoff.',
      'conditionNotMet',
    );
  const bindings = (policy.bindings ?? []).map((b, i) => {
    if (!b.role || !IMAGE_ROLES.has(b.role))
      throw invalidField(
        `policy.bindings[${i}].role`,
        b.role,
        `Role ${b.role ?? ''} is not supported for this resource.`,
      );
    if (b.condition !== undefined) throw badRequest('Conditions are not supported on images.', 'invalid');
    const members = b.members ?? [];
    if (members.length === 0)
      throw invalidField(`policy.bindings[${i}].members`, '', 'A binding needs at least one member.');
    for (const m of members)
      if (!MEMBER_RE.test(m)) throw invalidField(`policy.bindings[${i}].members`, m, 'Invalid member.');
    return { role: b.role, members: [...new Set(members)].sort() };
  });
  const merged = new Map<string, Set<string>>();
  for (const b of bindings) merged.set(b.role, new Set([...(merged.get(b.role) ?? []), ...b.members]));
  const n = Number(Buffer.from(img.policy.etag, 'base64').readUInt32BE(1)) + 1;
  const etag = Buffer.alloc(5);
  etag[0] = 7;
  etag.writeUInt32BE(n, 1);
  img.policy = {
    version: 1,
    etag: etag.toString('base64'),
    bindings: [...merged].map(([role, m]) => ({ role, members: [...m].sort() })),
  };
  f.store.changed();
  return ['Policy', policyJson(img.policy)];
}

function listImages(f: ComputeFront, c: Call): [string, unknown] {
  const terms = parseFilter(c.query.filter);
  const max = c.query.maxResults ? Number(c.query.maxResults) : 500;
  if (!(max >= 0 && max <= 500))
    throw invalidField('maxResults', c.query.maxResults, 'Must be less than or equal to 500.');
  let all = [...f.store.images.values()].filter((i) => i.project === c.project).map((i) => i.image);
  all = all.filter((i) => matches(i, terms));
  if (c.query.orderBy && c.query.orderBy !== 'creationTimestamp desc' && c.query.orderBy !== 'name')
    throw invalidField(
      'orderBy',
      c.query.orderBy,
      "The stand-in orders by 'name' or 'creationTimestamp desc'.",
    );
  all.sort((a, b) =>
    c.query.orderBy === 'creationTimestamp desc'
      ? String(b.creationTimestamp).localeCompare(String(a.creationTimestamp))
      : a.name.localeCompare(b.name),
  );
  const start = c.query.pageToken ? Number(Buffer.from(c.query.pageToken, 'base64url').toString()) : 0;
  if (!Number.isInteger(start) || start < 0)
    throw invalidField('pageToken', c.query.pageToken, 'Invalid page token.');
  const page = all.slice(start, start + (max || 500));
  const out: Record<string, unknown> = {
    kind: 'compute#imageList',
    id: `projects/${c.project}/global/images`,
    items: page,
    selfLink: `${LINK_BASE}/projects/${c.project}/global/images`,
  };
  if (start + page.length < all.length)
    out.nextPageToken = Buffer.from(String(start + page.length)).toString('base64url');
  return ['ImageList', out];
}

async function waitOperation(f: ComputeFront, c: Call): Promise<[string, unknown]> {
  const rec = findOperation(f, c.project, c.name);
  const deadline = Date.now() + 120_000;
  while (rec.op.status !== 'DONE' && Date.now() < deadline && !c.req.socket.destroyed)
    await new Promise((r) => setTimeout(r, f.config.operations.tickMs));
  return ['Operation', rec.op];
}

const P = '^/compute/v1/projects/([^/]+)/global';
const ROUTES: Route[] = [
  {
    method: 'POST',
    re: new RegExp(`${P}/images$`),
    rpc: ['Images', 'Insert', 'InsertImageRequest'],
    discovery: 'compute.images.insert',
    run: insertImage,
  },
  {
    method: 'GET',
    re: new RegExp(`${P}/images$`),
    rpc: ['Images', 'List', 'ListImagesRequest'],
    discovery: 'compute.images.list',
    run: listImages,
  },
  {
    method: 'GET',
    re: new RegExp(`${P}/images/([^/]+)$`),
    rpc: ['Images', 'Get', 'GetImageRequest'],
    discovery: 'compute.images.get',
    run: (f, c) => ['Image', findImage(f, c.project, c.name).image],
  },
  {
    method: 'DELETE',
    re: new RegExp(`${P}/images/([^/]+)$`),
    rpc: ['Images', 'Delete', 'DeleteImageRequest'],
    discovery: 'compute.images.delete',
    run: (f, c) => {
      const img = findImage(f, c.project, c.name);
      if (img.image.status === 'PENDING' || img.image.status === 'DELETING')
        throw new GoogleApiError(
          400,
          `The image resource '${imageLink(c.project, img.image.name)}' is not ready`,
          'resourceNotReady',
        );
      img.image.status = 'DELETING';
      return ['Operation', newOperation(f, c.project, 'delete', img, user(c)).op];
    },
  },
  {
    method: 'POST',
    re: new RegExp(`${P}/images/([^/]+)/setLabels$`),
    rpc: ['Images', 'SetLabels', 'SetLabelsImageRequest'],
    discovery: 'compute.images.setLabels',
    run: (f, c) => {
      checkMessage(messageType('GlobalSetLabelsRequest'), c.body, '');
      const body = c.body as { labels?: Record<string, string>; labelFingerprint?: string };
      const img = findImage(f, c.project, c.name);
      const labels = checkLabels('labels', body.labels);
      if (body.labelFingerprint !== img.image.labelFingerprint)
        throw new GoogleApiError(
          412,
          'Labels fingerprint either invalid or resource labels have changed',
          'conditionNotMet',
        );
      return [
        'Operation',
        newOperation(f, c.project, 'setLabels', img, user(c), {
          work: { kind: 'setLabels', image: img.image.name, labels },
        }).op,
      ];
    },
  },
  {
    method: 'POST',
    re: new RegExp(`${P}/images/([^/]+)/deprecate$`),
    rpc: ['Images', 'Deprecate', 'DeprecateImageRequest'],
    discovery: 'compute.images.deprecate',
    run: (f, c) => {
      const deprecated = checkDeprecation(c.body);
      const img = findImage(f, c.project, c.name);
      checkDeprecatable(img);
      return [
        'Operation',
        newOperation(f, c.project, 'deprecate', img, user(c), {
          work: { kind: 'deprecate', image: img.image.name, ...(deprecated ? { deprecated } : {}) },
        }).op,
      ];
    },
  },
  {
    method: 'GET',
    re: new RegExp(`${P}/images/([^/]+)/getIamPolicy$`),
    rpc: ['Images', 'GetIamPolicy', 'GetIamPolicyImageRequest'],
    discovery: 'compute.images.getIamPolicy',
    run: (f, c) => ['Policy', policyJson(findImage(f, c.project, c.name).policy)],
  },
  {
    method: 'POST',
    re: new RegExp(`${P}/images/([^/]+)/setIamPolicy$`),
    rpc: ['Images', 'SetIamPolicy', 'SetIamPolicyImageRequest'],
    discovery: 'compute.images.setIamPolicy',
    run: setPolicy,
  },
  {
    method: 'GET',
    re: new RegExp(`${P}/operations/([^/]+)$`),
    rpc: ['GlobalOperations', 'Get', 'GetGlobalOperationRequest'],
    discovery: 'compute.globalOperations.get',
    run: (f, c) => ['Operation', findOperation(f, c.project, c.name).op],
  },
  {
    method: 'POST',
    re: new RegExp(`${P}/operations/([^/]+)/wait$`),
    rpc: ['GlobalOperations', 'Wait', 'WaitGlobalOperationRequest'],
    discovery: 'compute.globalOperations.wait',
    run: waitOperation,
  },
];

/** The permission GCE names in a 403 for each method. */
const PERMISSION: Record<string, string> = {
  'compute.images.insert': 'compute.images.create',
  'compute.images.list': 'compute.images.list',
  'compute.images.get': 'compute.images.get',
  'compute.images.delete': 'compute.images.delete',
  'compute.images.setLabels': 'compute.images.setLabels',
  'compute.images.deprecate': 'compute.images.deprecate',
  'compute.images.getIamPolicy': 'compute.images.getIamPolicy',
  'compute.images.setIamPolicy': 'compute.images.setIamPolicy',
  'compute.globalOperations.get': 'compute.globalOperations.get',
  'compute.globalOperations.wait': 'compute.globalOperations.get',
};

export async function handleCompute(
  f: ComputeFront,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  try {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    const candidates = ROUTES.filter((r) => r.re.test(path));
    if (candidates.length === 0) throw notFound(`The requested URL ${path} was not found on this server.`);
    const route = candidates.find((r) => r.method === req.method);
    if (!route)
      throw new GoogleApiError(
        405,
        `Method ${req.method ?? ''} is not allowed on ${path}.`,
        'methodNotAllowed',
      );
    const params = (route.re.exec(path) ?? []).slice(1).map((p) => decodeURIComponent(p ?? ''));
    const project = params[0] ?? '';
    const name = params[1] ?? '';
    const write = !['GET'].includes(route.method) && route.discovery !== 'compute.globalOperations.wait';
    const grant = f.tokens.authorize(req, 'compute', write);
    if (!f.config.projects.some((p) => p.id === project))
      throw notFound(`The resource 'projects/${project}' was not found`);
    const query = checkQuery(route.rpc[0], route.rpc[1], route.rpc[2], url.searchParams);
    const body =
      req.method === 'POST' || req.method === 'PATCH' ? await readJson(req) : (req.resume(), undefined);
    const call: Call = { grant, project, name, query, body, req };
    const readsOneImage =
      route.discovery === 'compute.images.get' &&
      (() => {
        const img = f.store.images.get(Store.imageKey(project, name));
        return img !== undefined && mayRead(call, img);
      })();
    if (!readsOneImage)
      checkProject(
        grant,
        project,
        PERMISSION[route.discovery] ?? route.discovery,
        path
          .replace(/^\/compute\/v1\//, '')
          .replace(/\/(wait|getIamPolicy|setIamPolicy|setLabels|deprecate)$/, ''),
      );
    f.faults.check(route.discovery, project);
    const [type, out] = await route.run(f, call);
    sendJson(res, 200, answer(type, out));
  } catch (e) {
    if (!(e instanceof GoogleApiError)) f.log(`compute: ${(e as Error).stack ?? String(e)}`);
    sendError(res, e);
  }
}
