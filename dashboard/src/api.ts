/**
 * The GIMinG REST API as the dashboard calls it: same origin, the Keystone token in memory only (this
 * module's variable: never localStorage, a cookie or a URL), the session-only cloud credentials sent as
 * X-Cloud-Credentials, and every failure turned into words.
 */
import type {
  ChannelHistoryEntry,
  ChannelInfo,
  CloudImage,
  CloudInfo,
  CloudAuth,
  FamilyInfo,
  FamilyVersionInfo,
  ImageInfo,
  LifecycleChangeInfo,
  Member,
  ResolvedChannelInfo,
  Session,
  TargetsPlan,
  TaskInfo,
} from './types';

/** The REST microversion of image families (OpenStack-API-Version: image-manager 1.2). */
export const FAMILIES_VERSION = '1.2';
/** The microversion at which a cloud's browse pages by marker and answers `next` links. */
export const BROWSE_PAGING_VERSION = '1.1';
/** The microversion at which a task shows its own bandwidth cap (max_bandwidth). */
export const CAPS_VERSION = '1.4';

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

let session: Session | null = null;
/** Credentials for project clouds, given for this tab's session only. */
const cloudCredentials = new Map<string, CloudAuth>();
let onExpired: () => void = () => undefined;

export function currentSession(): Session | null {
  return session;
}

/** What to do when the API says the token is no longer valid (the login comes back). */
export function whenExpired(fn: () => void): void {
  onExpired = fn;
}

export function setCloudCredentials(cloud: string, auth: CloudAuth | null): void {
  if (auth) cloudCredentials.set(cloud, auth);
  else cloudCredentials.delete(cloud);
}

export function hasCloudCredentials(cloud: string): boolean {
  return cloudCredentials.has(cloud);
}

interface Options {
  json?: unknown;
  query?: Record<string, string | number | boolean | undefined>;
  /** The microversion to ask for (OpenStack-API-Version: image-manager N); none: the API's minimum. */
  version?: string;
}

async function errorFrom(res: Response): Promise<ApiError> {
  let body: { error?: { message?: string; code?: string; details?: Record<string, unknown> } } = {};
  try {
    body = (await res.json()) as typeof body;
  } catch {
    // not JSON: the status says it
  }
  const message = body.error?.message ?? `The server answered ${res.status} ${res.statusText}.`;
  return new ApiError(message, res.status, body.error?.code ?? 'gimming.unknown', body.error?.details);
}

function url(path: string, query: Options['query']): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

/** The headers of every call: the token, the session's cloud credentials, the microversion asked. */
export function apiHeaders(json: boolean, version?: string): Record<string, string> {
  const h: Record<string, string> = { Accept: 'application/json' };
  if (json) h['Content-Type'] = 'application/json';
  if (version) h['OpenStack-API-Version'] = `image-manager ${version}`;
  if (session) h['X-Auth-Token'] = session.token;
  if (cloudCredentials.size > 0)
    h['X-Cloud-Credentials'] = JSON.stringify(Object.fromEntries(cloudCredentials));
  return h;
}

function expired(err: ApiError): boolean {
  return err.status === 401 && session !== null;
}

export async function request<T>(method: string, path: string, opts: Options = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url(path, opts.query), {
      method,
      headers: apiHeaders(opts.json !== undefined, opts.version),
      ...(opts.json !== undefined ? { body: JSON.stringify(opts.json) } : {}),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(
      'The GIMinG API could not be reached. Check your connection and try again.',
      0,
      'network',
    );
  }
  if (!res.ok) {
    const err = await errorFrom(res);
    if (expired(err)) {
      session = null;
      onExpired();
      throw new ApiError(
        'Your session has ended. Log in again to go on; your changes are kept.',
        401,
        err.code,
      );
    }
    throw err;
  }
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

export type Login =
  | {
      method: 'password';
      username: string;
      password: string;
      user_domain_name: string;
      project_name: string;
      project_domain_name: string;
    }
  | { method: 'application_credential'; id: string; secret: string };

export async function login(credentials: Login): Promise<Session> {
  const previous = session;
  session = null;
  try {
    session = await request<Session>('POST', '/dashboard/session', { json: credentials });
  } catch (err) {
    session = previous;
    throw err;
  }
  return session;
}

/** Revokes the token, and forgets it and the session's cloud credentials. */
export async function logout(): Promise<void> {
  try {
    if (session) await request('DELETE', '/dashboard/session');
  } finally {
    session = null;
    cloudCredentials.clear();
  }
}

export interface ImageQuery {
  limit: number;
  marker?: string;
  name?: string;
  status?: string;
  visibility?: string;
  cloud?: string;
  sort?: string;
}

export const api = {
  clouds: () => request<{ clouds: CloudInfo[] }>('GET', '/v1/clouds').then((r) => r.clouds),
  createCloud: (body: Record<string, string>) => request<CloudInfo>('POST', '/v1/clouds', { json: body }),
  deleteCloud: (cloud: string) => request<void>('DELETE', `/v1/clouds/${encodeURIComponent(cloud)}`),
  // At 1.1 a browse pages: `limit` images and a `next` link (its marker) while the cloud has more.
  cloudImages: (cloud: string, q: { limit: number; marker?: string }) =>
    request<{ images: CloudImage[]; next?: string }>(
      'GET',
      `/v1/clouds/${encodeURIComponent(cloud)}/images`,
      {
        query: q,
        version: BROWSE_PAGING_VERSION,
      },
    ),
  // The images page shows no formats or properties: the listing reads no cloud (spec_only).
  images: (q: ImageQuery) =>
    request<{ images: ImageInfo[]; next?: string }>('GET', '/v1/images', {
      query: { ...q, spec_only: 'true' },
    }),
  image: (id: string) => request<ImageInfo>('GET', `/v1/images/${id}`),
  createImage: (body: Record<string, unknown>) => request<ImageInfo>('POST', '/v1/images', { json: body }),
  deleteImage: (id: string) => request<void>('DELETE', `/v1/images/${id}`),
  updateImage: (id: string, body: Record<string, string>) =>
    request<ImageInfo>('PATCH', `/v1/images/${id}`, { json: body }),
  setTargets: (id: string, clouds: string[], dryRun: boolean) =>
    request<TargetsPlan>('PUT', `/v1/images/${id}/targets`, { json: { clouds, dry_run: dryRun } }),
  refresh: (id: string) => request<ImageInfo>('POST', `/v1/images/${id}/refresh`),
  link: (id: string, cloud: string, remoteId: string) =>
    request<unknown>('POST', `/v1/images/${id}/locations`, { json: { cloud, image_id: remoteId } }),
  unlink: (id: string, cloud: string) =>
    request<void>('DELETE', `/v1/images/${id}/locations/${encodeURIComponent(cloud)}`),
  members: (id: string) =>
    request<{ members: Member[] }>('GET', `/v1/images/${id}/members`).then((r) => r.members),
  addMember: (id: string, member: string) =>
    request<Member>('POST', `/v1/images/${id}/members`, { json: { member } }),
  removeMember: (id: string, member: string) =>
    request<void>('DELETE', `/v1/images/${id}/members/${encodeURIComponent(member)}`),
  tasks: (q: { limit: number; status?: string; image_id?: string; sort?: string }) =>
    request<{ tasks: TaskInfo[] }>('GET', '/v1/tasks', { query: q, version: CAPS_VERSION }).then(
      (r) => r.tasks,
    ),
  cancelTask: (id: string) => request<TaskInfo>('POST', `/v1/tasks/${id}/cancel`, { version: CAPS_VERSION }),
};

const fam = (family: string) => `/v1/families/${encodeURIComponent(family)}`;
const chan = (family: string, channel: string) => `${fam(family)}/channels/${encodeURIComponent(channel)}`;
const v12 = { version: FAMILIES_VERSION };

/** Image families, their versions, channels and lifecycle (REST 1.2). */
export const families = {
  list: () => request<{ families: FamilyInfo[] }>('GET', '/v1/families', v12).then((r) => r.families),
  get: (family: string) => request<FamilyInfo>('GET', fam(family), v12),
  create: (body: { name: string; description?: string }) =>
    request<FamilyInfo>('POST', '/v1/families', { ...v12, json: body }),
  addVersion: (family: string, body: { image_id: string; label?: string; parent?: string }) =>
    request<FamilyVersionInfo>('POST', `${fam(family)}/versions`, { ...v12, json: body }),
  setLifecycle: (family: string, version: string, body: { state: string; cascade?: boolean }) =>
    request<LifecycleChangeInfo>('POST', `${fam(family)}/versions/${encodeURIComponent(version)}/lifecycle`, {
      ...v12,
      json: body,
    }),
  promote: (family: string, channel: string, version: string) =>
    request<ChannelInfo>('PUT', chan(family, channel), { ...v12, json: { version } }),
  rollback: (family: string, channel: string) =>
    request<ChannelInfo>('POST', `${chan(family, channel)}/rollback`, v12),
  history: (family: string, channel: string) =>
    request<{ history: ChannelHistoryEntry[] }>('GET', `${chan(family, channel)}/history`, v12).then(
      (r) => r.history,
    ),
  resolve: (family: string, channel: string) =>
    request<ResolvedChannelInfo>('GET', `${chan(family, channel)}/resolve`, v12),
};

/** An error as a sentence for the page. */
export function describe(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  return err instanceof Error ? err.message : String(err);
}
