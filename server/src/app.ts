import { bodyLimit } from 'hono/body-limit';
import { createDeviceAuth } from './auth.js';
import type { Deps } from './env.js';
import { createErrorHandler, errorBody } from './http-errors.js';
import { createRevokeUser, type RevokeUser } from './pipeline.js';
import { createRouter } from './router.js';
import { adminRoutes } from './routes/admin.js';
import { deviceRoutes } from './routes/device.js';
import { healthRoutes } from './routes/health.js';
import { oktaRoutes } from './routes/okta.js';
import { oidcRoutes } from './routes/oidc.js';
import { scimRoutes } from './routes/scim.js';
import { ssfRoutes } from './routes/ssf.js';
import { requestIdOf } from './transport.js';

export const MAX_BODY_BYTES = 64 * 1024;

export interface CreatedApp {
  app: ReturnType<typeof createRouter>;
  revokeUser: RevokeUser;
}

/** The whole HTTP surface. Pure: no listening, no environment, no connections of its own. */
export function createApp(deps: Deps): CreatedApp {
  const { logger } = deps;
  const revokeUser = createRevokeUser(deps);
  const deviceAuth = createDeviceAuth(deps);
  const services = { deviceAuth, revokeUser };

  const app = createRouter();
  app.use(async (c, next) => {
    const started = performance.now();
    c.set('requestId', requestIdOf(c));
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
  const limitBody = bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: (c) => c.json(errorBody('ERR_PAYLOAD_TOO_LARGE', `bodies are limited to ${MAX_BODY_BYTES} bytes`), 413),
  });
  // Only where a body can be: reading one builds the full Request, which GETs never need.
  app.on(['POST', 'PUT', 'PATCH', 'DELETE'], '*', limitBody);

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
  return { app, revokeUser };
}
