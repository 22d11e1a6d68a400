import { errors, jwtVerify, type JWTPayload } from 'jose';
import type { OktaSettings } from '@universal-logout/shared';
import { createKeySets } from '../idp/jwks.js';

/** What Okta may sign a GTR token with: the app's SSO algorithms. Never `none`, never HMAC. */
export const GTR_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256'];
export const GTR_TYP = 'global-token-revocation+jwt';
export const CLOCK_SKEW_SECONDS = 60;
/** nbf..exp spans 10 minutes; a token older than that plus skew is stale whatever it says. */
export const MAX_TOKEN_AGE_SECONDS = 11 * 60;

export class GtrAuthError extends Error {
  override readonly name = 'GtrAuthError';
  constructor(
    readonly status: 401 | 403,
    readonly reason: string,
  ) {
    super(reason);
  }
}

export const jwksUriOf = (okta: OktaSettings): string => okta.jwksUri ?? `${okta.issuer}/oauth2/v1/keys`;

/**
 * Verifies Okta's Global Token Revocation JWTs. Keys come from each workspace's JWKS, cached per
 * URI by jose (refetched after 10 minutes, and on an unknown `kid` at most every 30 s).
 */
export function createGtrVerifier(options: { now: () => number; fetchTimeoutMs?: number; cooldownMs?: number }) {
  const keysFor = createKeySets({
    ...(options.fetchTimeoutMs === undefined ? {} : { timeoutMs: options.fetchTimeoutMs }),
    ...(options.cooldownMs === undefined ? {} : { cooldownMs: options.cooldownMs }),
  });

  return async function verify(
    token: string,
    okta: OktaSettings,
    audience: string,
  ): Promise<JWTPayload & { jti: string }> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keysFor(jwksUriOf(okta)), {
        algorithms: GTR_ALGORITHMS,
        typ: GTR_TYP,
        issuer: okta.issuer,
        audience,
        clockTolerance: CLOCK_SKEW_SECONDS,
        maxTokenAge: MAX_TOKEN_AGE_SECONDS,
        requiredClaims: ['jti', 'iat', 'exp', 'sub'],
        currentDate: new Date(options.now()),
      }));
    } catch (error) {
      throw new GtrAuthError(401, describeJoseError(error));
    }
    if (typeof payload.jti !== 'string' || payload.jti.length === 0)
      throw new GtrAuthError(401, 'jti must be a non-empty string');
    // Authenticated as this Okta org, but for another app: not allowed here.
    if (payload.sub !== okta.appInstanceId) throw new GtrAuthError(403, `sub is not this workspace's app instance id`);
    return { ...payload, jti: payload.jti };
  };
}

export function describeJoseError(error: unknown): string {
  if (error instanceof errors.JWTClaimValidationFailed) return `claim ${error.claim}: ${error.reason}`;
  if (error instanceof errors.JWTExpired) return 'token expired';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'algorithm not allowed';
  if (error instanceof errors.JWKSNoMatchingKey) return 'no key in the JWKS matches the token (kid/alg)';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'signature verification failed';
  if (error instanceof errors.JWKSTimeout) return 'JWKS fetch timed out';
  if (error instanceof errors.JOSEError) return `${error.code}: ${error.message}`;
  return 'token could not be verified';
}
