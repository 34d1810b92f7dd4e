/**
 * The web dashboard, served by gimming-api under /dashboard/ (same origin as the REST API it calls):
 * the built page and its assets, streamed from disk with a strict Content-Security-Policy, and the
 * session calls that log in to Keystone (the browser cannot reach Keystone itself) and revoke the token.
 * The token goes back to the page, which keeps it in memory only.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type Koa from 'koa';
import { GimmingError, badRequest, unavailable } from '../common/errors';
import { requestJson } from '../common/http/request';
import { getLogger } from '../common/log';
import type { KeystoneValidator } from '../common/keystone/validator';
import { readJsonBody } from './middleware/json-body';
import type { ApiState } from './middleware/request-id';

const log = getLogger('api.dashboard');

/** Where `npm run build` puts the built dashboard (dist/dashboard), from dist/src/gimming-api. */
export const DEFAULT_DASHBOARD_DIR = resolve(__dirname, '..', '..', 'dashboard');

/** No inline script or style, nothing from elsewhere, never framed. */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

const LOGIN_BODY_LIMIT = 8192;

export interface DashboardOptions {
  dir: string;
  keystone: KeystoneValidator;
  /** Seconds to wait for Keystone. */
  timeoutSeconds: number;
}

export function dashboard(opts: DashboardOptions): Koa.Middleware<ApiState> {
  const root = resolve(opts.dir);
  const built = existsSync(join(root, 'index.html'));
  if (!built) log.warn({ dir: root }, 'the dashboard is not built (npm run build): /dashboard/ answers 503');
  return async (ctx, next) => {
    if (ctx.path !== '/dashboard' && !ctx.path.startsWith('/dashboard/')) {
      await next();
      return;
    }
    securityHeaders(ctx);
    if (ctx.path === '/dashboard') {
      ctx.status = 301;
      ctx.redirect('/dashboard/');
      return;
    }
    if (ctx.path === '/dashboard/session') {
      if (ctx.method === 'POST') return await login(ctx, opts);
      if (ctx.method === 'DELETE') return await logout(ctx, opts);
      throw new GimmingError('gimming.request.invalid', 405, 'Method Not Allowed');
    }
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      throw new GimmingError('gimming.request.invalid', 405, 'Method Not Allowed');
    }
    if (!built) throw unavailable('gimming.dashboard.not_built', 'The dashboard has not been built.');
    const relative =
      ctx.path === '/dashboard/' ? 'index.html' : decodePath(ctx.path.slice('/dashboard/'.length));
    const file = normalize(join(root, relative));
    if (!file.startsWith(root + sep) || !isFile(file)) {
      throw new GimmingError('gimming.dashboard.not_found', 404, `${ctx.path} was not found.`);
    }
    const type = TYPES[extname(file)] ?? 'application/octet-stream';
    ctx.type = type;
    ctx.length = statSync(file).size;
    // Built assets carry a content hash in their names; the page itself is always asked again.
    ctx.set(
      'Cache-Control',
      relative.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
    );
    // HEAD: the headers only (Koa sends no body), and no file opened for nothing.
    if (ctx.method === 'HEAD') ctx.status = 200;
    else ctx.body = createReadStream(file);
  };
}

function securityHeaders(ctx: Koa.Context): void {
  ctx.set('Content-Security-Policy', DASHBOARD_CSP);
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('X-Frame-Options', 'DENY');
  ctx.set('Referrer-Policy', 'no-referrer');
  ctx.set('Cross-Origin-Opener-Policy', 'same-origin');
  ctx.set('Cross-Origin-Resource-Policy', 'same-origin');
  ctx.set('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), payment=(), usb=()');
  if (ctx.secure) ctx.set('Strict-Transport-Security', 'max-age=31536000');
}

function decodePath(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return '\0'; // names no file
  }
}

function isFile(path: string): boolean {
  try {
    return !path.includes('\0') && statSync(path).isFile();
  } catch {
    return false;
  }
}

type Login =
  | {
      method: 'password';
      username: string;
      password: string;
      user_domain_name: string;
      project_name: string;
      project_domain_name: string;
    }
  | { method: 'application_credential'; id: string; secret: string };

function parseLogin(body: unknown): Login {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const text = (name: string, fallback?: string): string => {
    const value = b[name] ?? fallback;
    if (typeof value !== 'string' || value.length < 1 || value.length > 255) {
      throw badRequest('gimming.request.invalid', `Invalid ${name}: a string of 1 to 255 characters.`);
    }
    return value;
  };
  if (b.method === 'application_credential') {
    return { method: 'application_credential', id: text('id'), secret: text('secret') };
  }
  if (b.method !== 'password') {
    throw badRequest('gimming.request.invalid', 'Invalid method: password or application_credential.');
  }
  return {
    method: 'password',
    username: text('username'),
    password: text('password'),
    user_domain_name: text('user_domain_name', 'Default'),
    project_name: text('project_name'),
    project_domain_name: text('project_domain_name', 'Default'),
  };
}

function keystoneAuth(login: Login): unknown {
  if (login.method === 'application_credential') {
    return {
      auth: {
        identity: {
          methods: ['application_credential'],
          application_credential: { id: login.id, secret: login.secret },
        },
      },
    };
  }
  return {
    auth: {
      identity: {
        methods: ['password'],
        password: {
          user: {
            name: login.username,
            domain: { name: login.user_domain_name },
            password: login.password,
          },
        },
      },
      scope: {
        project: { name: login.project_name, domain: { name: login.project_domain_name } },
      },
    },
  };
}

interface IssuedToken {
  expires_at: string;
  user: { id: string; name: string };
  project?: { id: string; name: string };
  roles?: Array<{ name: string }>;
}

async function login(ctx: Koa.Context, opts: DashboardOptions): Promise<void> {
  const body = await readJsonBody(ctx, LOGIN_BODY_LIMIT);
  const credentials = parseLogin(body);
  let res;
  try {
    res = await requestJson({
      method: 'POST',
      url: `${opts.keystone.identityUrl}/v3/auth/tokens?nocatalog`,
      json: keystoneAuth(credentials),
      timeoutMs: opts.timeoutSeconds * 1000,
    });
  } catch (err) {
    throw unavailable('gimming.auth.keystone_unreachable', 'The identity service is unreachable.', err);
  }
  const token = res.headers['x-subject-token'];
  if (res.status === 401 || res.status === 403 || res.status === 404 || res.status === 400) {
    throw new GimmingError(
      'gimming.auth.login_failed',
      401,
      credentials.method === 'password'
        ? 'The user name, password, project or domain is wrong.'
        : 'The application credential is wrong or has expired.',
    );
  }
  if (res.status !== 201 || typeof token !== 'string') {
    log.error({ status: res.status }, 'unexpected answer from Keystone to a dashboard login');
    throw unavailable('gimming.auth.keystone_error', 'The identity service could not log you in.');
  }
  const issued = (res.body as { token: IssuedToken }).token;
  if (!issued.project) {
    throw new GimmingError('gimming.auth.login_failed', 401, 'The credential is not scoped to a project.');
  }
  ctx.set('Cache-Control', 'no-store');
  ctx.status = 201;
  ctx.body = {
    token,
    expires_at: issued.expires_at,
    user: { id: issued.user.id, name: issued.user.name },
    project: { id: issued.project.id, name: issued.project.name },
    roles: (issued.roles ?? []).map((r) => r.name),
  };
}

/** Revokes the caller's token (a user may revoke their own). */
async function logout(ctx: Koa.Context, opts: DashboardOptions): Promise<void> {
  const token = ctx.get('x-auth-token');
  if (token === '' || token.length > 8192) {
    throw new GimmingError('gimming.auth.missing_token', 401, 'No token to revoke.');
  }
  opts.keystone.forget(token);
  let res;
  try {
    res = await requestJson({
      method: 'DELETE',
      url: `${opts.keystone.identityUrl}/v3/auth/tokens`,
      headers: { 'X-Auth-Token': token, 'X-Subject-Token': token },
      timeoutMs: opts.timeoutSeconds * 1000,
    });
  } catch (err) {
    throw unavailable('gimming.auth.keystone_unreachable', 'The identity service is unreachable.', err);
  }
  // Already invalid (expired, revoked): logged out all the same.
  if (res.status !== 204 && res.status !== 401 && res.status !== 404) {
    log.error({ status: res.status }, 'unexpected answer from Keystone to a token revocation');
    throw unavailable('gimming.auth.keystone_error', 'The identity service could not revoke the token.');
  }
  ctx.status = 204;
}
