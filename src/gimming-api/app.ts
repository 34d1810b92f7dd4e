/**
 * The Koa application and its middleware order:
 * request id -> metrics -> errors and access log -> the dashboard (/dashboard/) -> the microversion (/v1...)
 * -> unauthenticated routes (/, /v1, /healthcheck) ->
 * Keystone auth_token -> the v1 controllers.
 */
import { setBodyTimeout } from './middleware/json-body';
import { importRules } from '../common/import-filter';
import Router from '@koa/router';
import Koa from 'koa';
import type { GimmingConfig } from '../common/config/schema';
import type { ConductorAPI } from '../gimming-conductor/rpcapi';
import { GimmingError } from '../common/errors';
import { cloudRoutes } from './controllers/v1/clouds';
import { imageRoutes } from './controllers/v1/images';
import { familyRoutes } from './controllers/v1/families';
import { taskRoutes } from './controllers/v1/tasks';
import { webhookRoutes } from './controllers/v1/webhooks';
import { rootRoutes } from './controllers/root';
import { DEFAULT_DASHBOARD_DIR, dashboard } from './dashboard';
import type { Healthcheck } from './healthcheck';
import type { KeystoneValidator } from '../common/keystone/validator';
import type { ApiMetrics } from './metrics';
import { type AuthState, authToken } from './middleware/auth-token';
import { CredentialSealer } from '../common/cloud-credentials/seal';
import { cloudCredentials } from './middleware/cloud-credentials';
import { errorsAndAccessLog } from './middleware/errors';
import { microversion } from './middleware/microversion';
import { type ApiState, requestId } from './middleware/request-id';
import { ReadCache } from './read-cache';
import type { ImageChangeListener } from '../common/image-changes';

export interface AppDeps {
  config: GimmingConfig;
  conductor: ConductorAPI;
  keystone: KeystoneValidator;
  /** What /healthcheck answers. */
  healthcheck: Healthcheck;
  /** Counts and times every request, when metrics are enabled. */
  metrics?: ApiMetrics;
  /** Where the built dashboard is (default: dist/dashboard). */
  dashboardDir?: string;
  /**
   * The conductors' image changes, which empty the read cache's answers in every API process; without
   * it the cache's answers lapse by time alone (tests).
   */
  imageChanges?: ImageChangeListener;
}

export function createApp(deps: AppDeps): Koa<AuthState> {
  const app = new Koa<AuthState>();
  app.proxy = false;
  app.silent = true; // errors are logged by our middleware, once
  app.use(requestId());
  const open = new Router<ApiState>();
  const v1 = new Router<AuthState>();
  if (deps.metrics) {
    // The route template of a request no route ran for (refused before: no token, a wrong method).
    const routeOf = (method: string, path: string): string | undefined => {
      const routers: RouteMatcher[] = [open, v1];
      for (const router of routers) {
        const match = router.match(path, method);
        const layers = (match.pathAndMethod.length > 0 ? match.pathAndMethod : match.path).filter(
          (l) => l.methods.length > 0,
        );
        const last = layers[layers.length - 1];
        if (last) return String(last.path);
      }
      return undefined;
    };
    app.use(deps.metrics.middleware(routeOf));
  }
  app.use(errorsAndAccessLog());
  if (deps.config.api.enable_dashboard) {
    app.use(
      dashboard({
        dir: deps.dashboardDir ?? DEFAULT_DASHBOARD_DIR,
        keystone: deps.keystone,
        timeoutSeconds: deps.config.keystone_authtoken.http_connect_timeout,
      }),
    );
  }

  rootRoutes(open, deps.config.api.public_endpoint, deps.healthcheck);
  // Everything under /v1 (its version document too) is served at the microversion the request asks for.
  const versioned = microversion<AuthState>();
  app.use(async (ctx, next) => {
    if (/^\/v1(\/|$)/i.test(ctx.path)) await versioned(ctx, next);
    else await next();
  });
  app.use(open.routes() as unknown as Koa.Middleware<AuthState>);
  app.use(open.allowedMethods(ALLOWED_METHODS) as unknown as Koa.Middleware<AuthState>);

  setBodyTimeout(deps.config.api.client_body_timeout);
  // No route runs without the identity of a validated token, whatever path led to it.
  v1.use(async (ctx, next) => {
    if (!ctx.state.context) {
      throw new GimmingError(
        'gimming.auth.missing_token',
        401,
        'The request you have made requires authentication.',
      );
    }
    await next();
  });
  const readCache = ReadCache.of(
    deps.config.api.image_cache_time,
    deps.config.conductor.remote_cache_time,
    deps.imageChanges !== undefined,
  );
  if (readCache) {
    v1.use(readCache.middleware());
    deps.imageChanges?.listen(readCache);
  }
  const controllerDeps = {
    readCache,
    conductor: deps.conductor,
    maxBodyBytes: deps.config.api.max_request_body_size,
    defaultLimit: deps.config.api.default_limit,
    maxLimit: deps.config.api.max_limit,
    chunkSize: deps.config.agent.chunk_size,
    uploadIdleTimeoutMs: deps.config.api.upload_idle_timeout * 1000,
    uploadDeadlineMs: deps.config.api.upload_deadline * 1000,
    uploadResumeS: deps.config.api.upload_resume_time,
    importRules: importRules(deps.config.import_filtering),
  };
  cloudRoutes(v1, controllerDeps);
  imageRoutes(v1, controllerDeps);
  taskRoutes(v1, controllerDeps);
  webhookRoutes(v1, controllerDeps);
  familyRoutes(v1, controllerDeps);
  // The router matches paths whatever their case (/V1/IMAGES is /v1/images): so must this.
  const protectedPaths = /^\/v1\/./i;
  const auth = authToken(deps.keystone);
  const credentials = cloudCredentials(
    CredentialSealer.fromFile(deps.config.cloud_credentials.public_key_file),
    deps.config.api.cloud_credentials_lifetime,
    async (ctx, ref) => (await deps.conductor.getCloud(ctx, ref)).id,
  );
  app.use(async (ctx, next) => {
    if (protectedPaths.test(ctx.path)) await auth(ctx, async () => void (await credentials(ctx, next)));
    else await next();
  });
  app.use(v1.routes());
  app.use(v1.allowedMethods(ALLOWED_METHODS));
  return app;
}

interface RouteLayer {
  methods: string[];
  path: string | RegExp;
}

/** What the metrics need of a router: which of its layers take a path (and a method). */
interface RouteMatcher {
  match(path: string, method: string): { path: RouteLayer[]; pathAndMethod: RouteLayer[] };
}

/**
 * A method no route implements (TRACE, PROPFIND, ...) is refused like any other method a path does not
 * take: 405, not the router's 501 (which would answer as an internal error).
 */
const ALLOWED_METHODS = {
  throw: true,
  notImplemented: () => new GimmingError('gimming.request.invalid', 405, 'Method Not Allowed'),
};
