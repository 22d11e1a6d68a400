import { AppError } from '@universal-logout/shared';
import type { Deps } from '../env.js';
import { logGtr, type Gtr } from '../okta/gtr.js';
import { createRouter } from '../router.js';

/**
 * Okta's Global Token Revocation endpoint (Universal Logout), answered by the GTR core
 * (okta/gtr.ts). Every rejection is logged with its reason, never with the token. The server
 * answers accepted calls before the router (okta/front-door.ts); anything else comes here.
 */
export function oktaRoutes({ logger }: Deps, { gtr }: { gtr: Gtr }) {
  const router = createRouter();
  router.post('/:workspaceId/global-token-revocation', async (c) => {
    const workspaceId = c.req.param('workspaceId');
    const answer = await gtr({
      workspaceId,
      authorization: c.req.header('authorization'),
      contentType: c.req.header('content-type'),
      body: await c.req.text(),
    });
    logGtr(logger, c.var.requestId, workspaceId, answer);
    if (!answer.ok) throw new AppError(answer.code, answer.reason);
    return c.body(null, 204);
  });
  return router;
}
