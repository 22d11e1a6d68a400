import { AppError, OktaSettings, WorkspaceId, type ErrorCode } from '@universal-logout/shared';
import type { Deps } from '../env.js';
import { findSubject } from '../okta/find-subject.js';
import { canonical, parseGtrBody } from '../okta/subject.js';
import { createGtrVerifier, GtrAuthError } from '../okta/verify.js';
import type { RevokeUser } from '../pipeline.js';
import { createRouter } from '../router.js';

/** A jti is remembered past the token's 10-minute window plus clock skew on both ends. */
export const JTI_MEMORY_MS = 12 * 60_000;

/**
 * Okta's Global Token Revocation endpoint (Universal Logout). Okta reads only the status code:
 * 204 logout begun (also when already logged out), 400 bad body, 401 bad authentication (checked
 * first), 403 another app instance, 404 no such user here, 503 + Retry-After when the revocation
 * cannot be persisted. Every rejection is logged with its reason, never with the token.
 */
export function oktaRoutes(
  { store, logger, publicUrl, clock, jwksCooldownMs }: Deps,
  { revokeUser }: { revokeUser: RevokeUser },
) {
  const verify = createGtrVerifier({
    now: () => clock.now(),
    ...(jwksCooldownMs === undefined ? {} : { cooldownMs: jwksCooldownMs }),
  });

  const router = createRouter();
  router.post('/:workspaceId/global-token-revocation', async (c) => {
    const workspaceId = c.req.param('workspaceId');
    const fail = (code: ErrorCode, reason: string, extra: Record<string, unknown> = {}): never => {
      logger.warn(
        { requestId: c.var.requestId, workspaceId, reason, code, ...extra },
        'okta global token revocation rejected',
      );
      throw new AppError(code, reason);
    };

    const match = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '');
    if (!match?.[1]) return fail('ERR_UNAUTHENTICATED', 'missing bearer token');
    const workspace = WorkspaceId.safeParse(workspaceId).success ? await store.getWorkspace(workspaceId) : null;
    const okta = OktaSettings.safeParse(workspace?.settings.okta);
    // An unknown workspace and one without Okta look alike: nothing to learn by probing.
    if (!okta.success) return fail('ERR_UNAUTHENTICATED', 'Okta Universal Logout is not configured for this workspace');

    const audience = `${publicUrl}/okta/${workspaceId}/global-token-revocation`;
    let jti: string;
    try {
      ({ jti } = await verify(match[1], okta.data, audience));
    } catch (error) {
      if (!(error instanceof GtrAuthError)) throw error;
      return fail(error.status === 403 ? 'ERR_FORBIDDEN' : 'ERR_UNAUTHENTICATED', error.reason, {
        expectedAudience: audience,
      });
    }

    const contentType = c.req.header('content-type');
    if (contentType !== undefined && !/^application\/json\s*(;|$)/i.test(contentType)) {
      return fail('ERR_INVALID_REQUEST', 'Content-Type must be application/json', { jti });
    }
    let body: unknown;
    try {
      body = JSON.parse(await c.req.text());
    } catch {
      return fail('ERR_INVALID_REQUEST', 'body is not valid JSON', { jti });
    }
    const parsed = parseGtrBody(body);
    if (!parsed.ok) return fail('ERR_INVALID_REQUEST', parsed.reason, { jti });

    // Okta documents no retry policy: the identical request again is answered 204 without a
    // second revocation; the same jti naming another subject is a replay.
    const fingerprint = canonical(parsed.subject);
    const first = await store.claimOnce(workspaceId, `okta:${jti}`, fingerprint, JTI_MEMORY_MS, clock.now());
    if (first !== null && first !== fingerprint)
      return fail('ERR_UNAUTHENTICATED', 'jti replayed for another subject', { jti });

    const user = await findSubject(store, workspaceId, parsed.subject);
    if (!user)
      return fail('ERR_NOT_FOUND', `no user in this workspace matches the ${parsed.subject.format} subject`, { jti });

    const { revocation, created } = await revokeUser({
      workspaceId,
      userId: user.id,
      trigger: 'okta',
      actor: `${okta.data.issuer} (jti ${jti})`,
      reason: 'Okta Universal Logout',
      idempotencyKey: `okta:${jti}`,
      known: user,
    });
    logger.info(
      { requestId: c.var.requestId, workspaceId, userId: user.id, revocationId: revocation.id, jti, created },
      'okta global token revocation',
    );
    return c.body(null, 204);
  });
  return router;
}
