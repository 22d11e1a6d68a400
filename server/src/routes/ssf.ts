import { errors, jwtVerify, type JWTPayload } from 'jose';
import { z } from 'zod';
import { SsfSettings, WorkspaceId } from '@universal-logout/shared';
import { hashesEqual, sha256 } from '../crypto.js';
import type { Deps } from '../env.js';
import { ASYMMETRIC_ALGORITHMS, createKeySets, withoutTrailingSlash } from '../idp/jwks.js';
import { findSetSubject, SetSubject } from '../idp/set-subject.js';
import { describeJoseError } from '../okta/verify.js';
import type { RevokeUser } from '../pipeline.js';
import { createRouter } from '../router.js';

export const EVENT = {
  sessionRevoked: 'https://schemas.openid.net/secevent/caep/event-type/session-revoked',
  credentialChange: 'https://schemas.openid.net/secevent/caep/event-type/credential-change',
  verification: 'https://schemas.openid.net/secevent/ssf/event-type/verification',
} as const;

/** SETs may be delivered late (push retries); older than this they are refused. */
const MAX_SET_AGE_SECONDS = 24 * 60 * 60;
const JTI_MEMORY_MS = (MAX_SET_AGE_SECONDS + 3600) * 1000;

/** What is stored: the Authorization header only as its hash. */
export const StoredSsfSettings = SsfSettings.omit({ authorizationHeader: true }).extend({
  authorizationHeaderHash: z.string().optional(),
});
export type StoredSsfSettings = z.infer<typeof StoredSsfSettings>;

export const authorizationHash = (value: string) => sha256(`ssf-authorization:${value}`);

export function storeSsfSettings(settings: SsfSettings): StoredSsfSettings {
  const { authorizationHeader, ...rest } = settings;
  return authorizationHeader === undefined
    ? rest
    : { ...rest, authorizationHeaderHash: authorizationHash(authorizationHeader) };
}

type SetErrorCode =
  'invalid_request' | 'invalid_key' | 'invalid_issuer' | 'invalid_audience' | 'authentication_failed' | 'access_denied';

class SetError extends Error {
  constructor(
    readonly err: SetErrorCode,
    readonly description: string,
    readonly status: 400 | 401 = 400,
  ) {
    super(description);
  }
}

function joseCode(error: unknown): SetErrorCode {
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'iss') return 'invalid_issuer';
    if (error.claim === 'aud') return 'invalid_audience';
  }
  if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JWKSNoMatchingKey)
    return 'invalid_key';
  return 'invalid_request';
}

/** `reason_admin` is a string or a language map (`{"en": "..."}`). */
function reasonText(event: Record<string, unknown>): string | null {
  const reason = event.reason_admin;
  if (typeof reason === 'string') return reason.slice(0, 500);
  if (typeof reason === 'object' && reason !== null) {
    const first = Object.values(reason).find((value) => typeof value === 'string');
    if (typeof first === 'string') return first.slice(0, 500);
  }
  return null;
}

/** Event timestamps arrive in seconds (CAEP) or milliseconds (Okta's example). */
export function eventTime(value: unknown): string | null {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) return null;
  return new Date(value > 1e11 ? value : value * 1000).toISOString();
}

/**
 * Shared Signals push receiver (RFC 8935) for CAEP session-revoked. 202 with an empty body once the
 * SET is accepted (acted on, a duplicate, a verification event, or an event type it ignores);
 * 400 `{"err","description"}` with the RFC's codes when the SET is not acceptable.
 */
export function ssfRoutes({ store, logger, clock, jwksCooldownMs }: Deps, { revokeUser }: { revokeUser: RevokeUser }) {
  const keysFor = createKeySets(jwksCooldownMs === undefined ? {} : { cooldownMs: jwksCooldownMs });
  const router = createRouter();

  router.post('/:workspaceId/events', async (c) => {
    const workspaceId = c.req.param('workspaceId');
    try {
      const workspace = WorkspaceId.safeParse(workspaceId).success ? await store.getWorkspace(workspaceId) : null;
      const settings = StoredSsfSettings.safeParse(workspace?.settings.ssf);
      if (!settings.success) throw new SetError('access_denied', 'no SSF stream is configured for this workspace', 401);
      const ssf = settings.data;
      if (ssf.authorizationHeaderHash !== undefined) {
        const given = c.req.header('authorization') ?? '';
        if (!hashesEqual(authorizationHash(given), ssf.authorizationHeaderHash)) {
          throw new SetError('authentication_failed', 'missing or wrong Authorization header', 401);
        }
      }
      const type = c.req.header('content-type') ?? '';
      if (!/^application\/secevent\+jwt\s*(;|$)/i.test(type)) {
        throw new SetError('invalid_request', 'Content-Type must be application/secevent+jwt');
      }
      const token = (await c.req.text()).trim();

      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(
          token,
          keysFor(ssf.jwksUri ?? `${withoutTrailingSlash(ssf.issuer)}/oauth2/v1/keys`),
          {
            algorithms: ASYMMETRIC_ALGORITHMS,
            typ: 'secevent+jwt',
            issuer: ssf.issuer,
            audience: ssf.audience,
            clockTolerance: 60,
            maxTokenAge: MAX_SET_AGE_SECONDS,
            requiredClaims: ['iat', 'jti'],
            currentDate: new Date(clock.now()),
          },
        ));
      } catch (error) {
        throw new SetError(joseCode(error), describeJoseError(error));
      }
      const jti = payload.jti;
      if (typeof jti !== 'string' || jti === '')
        throw new SetError('invalid_request', 'jti must be a non-empty string');
      const events = payload.events;
      if (typeof events !== 'object' || events === null || Array.isArray(events)) {
        throw new SetError('invalid_request', 'events must be an object');
      }
      const entries = Object.entries(events as Record<string, unknown>);
      const [entry] = entries;
      if (entries.length !== 1 || !entry) throw new SetError('invalid_request', 'a SET must carry exactly one event');
      const [eventType, rawEvent] = entry;
      if (typeof rawEvent !== 'object' || rawEvent === null)
        throw new SetError('invalid_request', 'the event must be an object');
      const event = rawEvent as Record<string, unknown>;

      const acts =
        eventType === EVENT.sessionRevoked || (eventType === EVENT.credentialChange && ssf.revokeOnCredentialChange);
      if (!acts) {
        logger.info({ workspaceId, jti, eventType }, 'ssf event acknowledged without action');
        return c.body(null, 202);
      }
      // Top-level sub_id (SSF), or inside the event (Okta's documented form).
      const subject = SetSubject.safeParse(payload.sub_id ?? event.subject);
      if (!subject.success)
        throw new SetError('invalid_request', 'sub_id must be an email, iss_sub, opaque or complex subject');

      if ((await store.claimOnce(workspaceId, `ssf:${jti}`, jti, JTI_MEMORY_MS, clock.now())) !== null) {
        logger.info({ workspaceId, jti }, 'ssf duplicate SET acknowledged');
        return c.body(null, 202);
      }
      const user = await findSetSubject(store, workspaceId, subject.data);
      if (!user) {
        logger.warn({ workspaceId, jti, format: subject.data.format }, 'ssf subject matches no user: acknowledged');
        return c.body(null, 202);
      }
      const { revocation } = await revokeUser({
        workspaceId,
        userId: user.id,
        trigger: 'ssf',
        actor: `${ssf.issuer} (jti ${jti})`,
        reason:
          reasonText(event) ?? (eventType === EVENT.sessionRevoked ? 'CAEP session revoked' : 'CAEP credential change'),
        idempotencyKey: `ssf:${jti}`,
      });
      logger.info(
        { workspaceId, jti, userId: user.id, revocationId: revocation.id, eventTime: eventTime(event.event_timestamp) },
        'ssf session revoked',
      );
      return c.body(null, 202);
    } catch (error) {
      if (!(error instanceof SetError)) throw error;
      logger.warn(
        { requestId: c.var.requestId, workspaceId, err: error.err, reason: error.description },
        'ssf SET rejected',
      );
      return c.json({ err: error.err, description: error.description }, error.status);
    }
  });
  return router;
}
