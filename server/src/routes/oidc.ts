import { decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import { OidcSettings, WorkspaceId } from '@universal-logout/shared';
import type { Deps } from '../env.js';
import { canonical } from '../okta/subject.js';
import { ASYMMETRIC_ALGORITHMS, createDiscovery, createKeySets } from '../idp/jwks.js';
import { findUserByIdentifier } from '../idp/resolve-user.js';
import { describeJoseError } from '../okta/verify.js';
import type { RevokeUser } from '../pipeline.js';
import { createRouter } from '../router.js';

export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';
const MAX_TOKEN_AGE_SECONDS = 10 * 60;
const JTI_MEMORY_MS = (MAX_TOKEN_AGE_SECONDS + 120) * 1000;

class LogoutTokenError extends Error {}

/** `typ` is recommended to be `logout+jwt`; tokens of another explicit type are refused (no confusion with ID or access tokens). */
function checkTyp(token: string): void {
  let typ: unknown;
  try {
    typ = decodeProtectedHeader(token).typ;
  } catch {
    throw new LogoutTokenError('logout_token is not a JWT');
  }
  if (typ === undefined) return;
  const normal = typeof typ === 'string' ? typ.toLowerCase().replace(/^application\//, '') : '';
  if (normal !== 'logout+jwt' && normal !== 'jwt')
    throw new LogoutTokenError(`typ ${JSON.stringify(typ)} is not a logout token`);
}

/**
 * OpenID Connect Back-Channel Logout 1.0 receiver: validates the logout token exactly as the
 * spec's steps say, then logs the user out everywhere (trigger `oidc`). 200 on success, 400
 * `{"error","error_description"}` otherwise, always `Cache-Control: no-store`.
 */
export function oidcRoutes({ store, logger, clock, jwksCooldownMs }: Deps, { revokeUser }: { revokeUser: RevokeUser }) {
  const keysFor = createKeySets(jwksCooldownMs === undefined ? {} : { cooldownMs: jwksCooldownMs });
  const discover = createDiscovery();
  const router = createRouter();

  router.post('/:workspaceId/backchannel-logout', async (c) => {
    const workspaceId = c.req.param('workspaceId');
    c.header('cache-control', 'no-store');
    const fail = (description: string) => {
      logger.warn({ requestId: c.var.requestId, workspaceId, reason: description }, 'oidc logout token rejected');
      return c.json({ error: 'invalid_request', error_description: description }, 400);
    };
    try {
      const workspace = WorkspaceId.safeParse(workspaceId).success ? await store.getWorkspace(workspaceId) : null;
      const settings = OidcSettings.safeParse(workspace?.settings.oidc);
      if (!settings.success) return fail('back-channel logout is not configured for this workspace');
      const oidc = settings.data;
      if (!/^application\/x-www-form-urlencoded\s*(;|$)/i.test(c.req.header('content-type') ?? '')) {
        return fail('Content-Type must be application/x-www-form-urlencoded');
      }
      const form = new URLSearchParams(await c.req.text());
      const tokens = form.getAll('logout_token');
      const token = tokens[0];
      if (tokens.length !== 1 || !token) return fail('exactly one logout_token is required');
      checkTyp(token);

      let payload: JWTPayload;
      try {
        const jwksUri = oidc.jwksUri ?? (await discover(oidc.issuer));
        ({ payload } = await jwtVerify(token, keysFor(jwksUri), {
          algorithms: ASYMMETRIC_ALGORITHMS,
          issuer: oidc.issuer,
          audience: oidc.clientId,
          clockTolerance: 60,
          maxTokenAge: MAX_TOKEN_AGE_SECONDS,
          requiredClaims: ['iat', 'exp', 'jti', 'events'],
          currentDate: new Date(clock.now()),
        }));
      } catch (error) {
        throw new LogoutTokenError(describeJoseError(error));
      }
      const events = payload.events;
      const logoutEvent =
        typeof events === 'object' && events !== null
          ? (events as Record<string, unknown>)[BACKCHANNEL_LOGOUT_EVENT]
          : undefined;
      if (typeof logoutEvent !== 'object' || logoutEvent === null || Array.isArray(logoutEvent)) {
        return fail(`events must contain ${BACKCHANNEL_LOGOUT_EVENT} with an object value`);
      }
      if (payload.sub === undefined && payload.sid === undefined) return fail('a logout token needs sub, sid or both');
      if ('nonce' in payload) return fail('a logout token must not contain nonce');
      const jti = payload.jti;
      if (typeof jti !== 'string' || jti === '') return fail('jti must be a non-empty string');

      const identifier = payload[oidc.userClaim];
      if (typeof identifier !== 'string' || identifier === '') {
        // Sessions are not tracked per IdP sid: a sid-only token cannot name a user here.
        return fail(`the token has no ${oidc.userClaim} claim naming the user (sid-only logout is not supported)`);
      }
      const first = await store.claimOnce(workspaceId, `oidc:${jti}`, canonical(payload), JTI_MEMORY_MS, clock.now());
      if (first !== null && first !== canonical(payload)) return fail('jti replayed with other claims');

      const user = await findUserByIdentifier(store, workspaceId, identifier);
      if (!user) {
        logger.warn({ workspaceId, jti }, 'oidc logout token names no user here: nothing to log out');
        return c.body(null, 200);
      }
      const { revocation } = await revokeUser({
        workspaceId,
        userId: user.id,
        trigger: 'oidc',
        actor: `${oidc.issuer} (jti ${jti})`,
        reason: 'OpenID Connect back-channel logout',
        idempotencyKey: `oidc:${jti}`,
      });
      logger.info({ workspaceId, jti, userId: user.id, revocationId: revocation.id }, 'oidc back-channel logout');
      return c.body(null, 200);
    } catch (error) {
      if (error instanceof LogoutTokenError) return fail(error.message);
      throw error;
    }
  });
  return router;
}
