import { createRoute, z } from '@hono/zod-openapi';
import type { Deps } from '../env.js';
import { createRouter, jsonResponse } from '../router.js';

const Health = z.object({ status: z.enum(['ok', 'unavailable']), store: z.enum(['embedded', 'redis']) });

export function healthRoutes({ store, logger }: Deps) {
  return createRouter()
    .openapi(
      createRoute({
        method: 'get',
        path: '/healthz',
        summary: 'The process is up',
        responses: { 200: jsonResponse(z.object({ status: z.literal('ok') }), 'Up') },
      }),
      (c) => c.json({ status: 'ok' as const }, 200),
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/readyz',
        summary: 'The store is reachable',
        responses: {
          200: jsonResponse(Health, 'Ready'),
          503: jsonResponse(Health, 'The store is unreachable'),
        },
      }),
      async (c) => {
        try {
          await store.ping();
          return c.json({ status: 'ok' as const, store: store.kind }, 200);
        } catch (error) {
          logger.warn({ err: error }, 'store not ready');
          return c.json({ status: 'unavailable' as const, store: store.kind }, 503);
        }
      },
    );
}
