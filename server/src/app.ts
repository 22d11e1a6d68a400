import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import { MAX_BODY_BYTES, readBodies } from './body.js';
import { createDeviceAuth } from './auth.js';
import type { AppEnv, Deps } from './env.js';
import { createErrorHandler, errorBody } from './http-errors.js';
import { createGtrFrontDoor, type GtrWait } from './okta/front-door.js';
import { createGtr } from './okta/gtr.js';
import { createRevokeUser, type RevokeUser } from './pipeline.js';
import { createFastPoll, createPoll } from './poll.js';
import { createRouter } from './router.js';
import { adminRoutes } from './routes/admin.js';
import { deviceRoutes } from './routes/device.js';
import { healthRoutes } from './routes/health.js';
import { oktaRoutes } from './routes/okta.js';
import { oidcRoutes } from './routes/oidc.js';
import { scimRoutes } from './routes/scim.js';
import { ssfRoutes } from './routes/ssf.js';
import {
  createFailureCounter,
  DEFAULT_FAILURE_LIMITS,
  limitFailures,
  retryAfterMs,
  tokenWorkspace,
  type LimitRule,
} from './rate-limit.js';
import { SCIM_MEDIA_TYPE, ScimError } from './scim/resources.js';
import { readHeadersFromNode, requestIdOf } from './transport.js';

export interface CreatedApp {
  app: ReturnType<typeof createRouter>;
  revokeUser: RevokeUser;
  /** The plain device poll, answered before the router where a Node server runs (`poll.ts`). */
  fastPoll: ReturnType<typeof createFastPoll>;
  /** Accepted Okta GTR calls, answered before the router likewise (`okta/front-door.ts`). */
  gtrFrontDoor: ReturnType<typeof createGtrFrontDoor>;
}

/** The whole HTTP surface. Pure: no listening, no environment, no connections of its own. */
export function createApp(deps: Deps): CreatedApp {
  const { logger } = deps;
  const revokeUser = createRevokeUser(deps);
  const deviceAuth = createDeviceAuth(deps);
  const poll = createPoll(deps);
  const gtr = createGtr(deps, revokeUser);
  const services = { deviceAuth, revokeUser, poll, gtr };

  const app = createRouter();
  app.use(async (c, next) => {
    const started = performance.now();
    c.set('requestId', requestIdOf(c));
    readHeadersFromNode(c);
    await next();
    // Successful reads (device polls, every 30 s per browser) are the bulk of the traffic and
    // say nothing new: debug. Every write and every failure: info.
    const level = c.req.method === 'GET' && c.res.status < 400 ? 'debug' : 'info';
    logger[level](
      {
        requestId: c.var.requestId,
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round((performance.now() - started) * 10) / 10,
      },
      'request',
    );
  });
  const readBody = readBodies({
    maxBytes: MAX_BODY_BYTES,
    tooLarge: (c) => c.json(errorBody('ERR_PAYLOAD_TOO_LARGE', `bodies are limited to ${MAX_BODY_BYTES} bytes`), 413),
  });
  // Only where a body can be.
  app.on(['POST', 'PUT', 'PATCH', 'DELETE'], '*', readBody);

  const gtrWait = mountFailureLimits(app, deps);
  // CORS for the extension's pages and worker only: never for web pages. (The IdP routes are
  // server to server and get no CORS at all.)
  const allowOrigin = extensionOriginCheck(deps.extensionOrigins);
  const extensionCors: MiddlewareHandler<AppEnv> = cors({
    origin: (origin) => (allowOrigin(origin) ? origin : null),
    allowMethods: ['GET', 'POST', 'PUT'],
    allowHeaders: ['authorization', 'content-type', 'idempotency-key'],
    exposeHeaders: ['retry-after', 'x-request-id'],
    maxAge: 600,
  });
  const corsForExtensions: MiddlewareHandler<AppEnv> = async (c, next) => {
    // Most calls (device polls from the worker with host access, servers) carry no Origin at all.
    if (c.req.header('origin') === undefined) return next();
    return extensionCors(c, next);
  };
  app.use('/v1/*', corsForExtensions);

  app.route('/', healthRoutes(deps));
  app.route('/v1/device', deviceRoutes(deps, services));
  app.route('/v1/admin', adminRoutes(deps, services));
  app.route('/okta', oktaRoutes(deps, services));
  app.route('/scim', scimRoutes(deps, services));
  app.route('/ssf', ssfRoutes(deps, services));
  app.route('/oidc', oidcRoutes(deps, services));

  app.openAPIRegistry.registerComponent('securitySchemes', 'deviceToken', {
    type: 'http',
    scheme: 'bearer',
    description: 'The device token returned by POST /v1/device/enroll',
  });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Universal Logout',
      version: '1.0.0',
      description: 'Device and admin API. Errors are {"error":{"code":"ERR_...","message":"..."}}.',
    },
    servers: [{ url: deps.publicUrl }],
  });

  app.notFound((c) => c.json(errorBody('ERR_NOT_FOUND', `no route ${c.req.method} ${c.req.path}`), 404));
  app.onError(createErrorHandler(logger));
  return {
    app,
    revokeUser,
    fastPoll: createFastPoll(deps, deviceAuth, poll),
    gtrFrontDoor: createGtrFrontDoor(deps, gtr, gtrWait),
  };
}

/**
 * 429 + Retry-After after too many failures: wrong enrollment codes per address; failed
 * authentication at Okta GTR, SCIM and the admin API per address and per workspace.
 */
function mountFailureLimits(app: ReturnType<typeof createRouter>, deps: Deps): GtrWait {
  const limits = deps.failureLimits ?? DEFAULT_FAILURE_LIMITS;
  const counter = createFailureCounter(deps.clock);
  const message = (seconds: number) => `too many failed attempts; retry in ${seconds} s`;
  const json: LimitRule['refuse'] = (c, seconds) => c.json(errorBody('ERR_RATE_LIMITED', message(seconds)), 429);
  const unauthenticated = (status: number) => status === 401;

  app.use(
    '/v1/device/enroll',
    limitFailures(counter, {
      scope: 'enroll',
      perAddress: limits.enroll.perAddress,
      // A wrong, used or expired code, or a malformed request: a guesser gains nothing either way.
      isFailure: (status) => status === 400 || status === 404,
      refuse: json,
    }),
  );
  const okta: LimitRule = {
    scope: 'okta',
    ...limits.auth,
    workspaceOf: (c) => c.req.param('workspaceId') ?? null,
    isFailure: (status) => status === 401 || status === 403,
    refuse: json,
  };
  app.use('/okta/:workspaceId/global-token-revocation', limitFailures(counter, okta));
  app.use(
    '/scim/:workspaceId/v2/*',
    limitFailures(counter, {
      scope: 'scim',
      ...limits.auth,
      workspaceOf: (c) => c.req.param('workspaceId') ?? null,
      isFailure: unauthenticated,
      refuse: (c, seconds) =>
        c.body(JSON.stringify(new ScimError(429, message(seconds)).body()), 429, { 'content-type': SCIM_MEDIA_TYPE }),
    }),
  );
  app.use(
    '/v1/admin/*',
    limitFailures(counter, {
      scope: 'admin',
      ...limits.auth,
      workspaceOf: tokenWorkspace,
      isFailure: unauthenticated,
      refuse: json,
    }),
  );
  // The GTR front door asks the same counters before it takes a call.
  return (address, workspaceId) => retryAfterMs(counter, okta, address, workspaceId);
}

const EXTENSION_ORIGIN =
  /^(chrome-extension:\/\/[a-p]{32}|moz-extension:\/\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/** Exactly the configured origins, or else any Chrome or Firefox extension's. */
export function extensionOriginCheck(configured: readonly string[] | undefined): (origin: string) => boolean {
  if (configured && configured.length > 0) {
    const allowed = new Set(configured);
    return (origin) => allowed.has(origin);
  }
  return (origin) => EXTENSION_ORIGIN.test(origin);
}
