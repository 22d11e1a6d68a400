import { OktaSettings, WorkspaceId, type ErrorCode } from '@universal-logout/shared';
import type { Deps } from '../env.js';
import type { Logger } from '../logger.js';
import type { RevokeUser } from '../pipeline.js';
import type { Workspace } from '../store/types.js';
import { findSubject } from './find-subject.js';
import { canonical, parseGtrBody } from './subject.js';
import { createGtrVerifier, GtrAuthError } from './verify.js';

/** A jti is remembered past the token's 10-minute window plus clock skew on both ends. */
export const JTI_MEMORY_MS = 12 * 60_000;

export interface GtrCall {
  workspaceId: string;
  authorization: string | undefined;
  contentType: string | undefined;
  body: string;
}

export type GtrAnswer =
  | { ok: true; userId: string; revocationId: string; jti: string; created: boolean }
  | { ok: false; code: ErrorCode; reason: string; details: Record<string, unknown> };

export type Gtr = (call: GtrCall) => Promise<GtrAnswer>;

/**
 * Okta's Global Token Revocation call, whoever hands it over (the route, or the server before
 * the router: okta/front-door.ts). Okta reads only the status code: 204 logout begun (also when
 * already logged out), 400 bad body, 401 bad authentication (checked first), 403 another app
 * instance, 404 no such user here. A store that cannot persist throws (`ERR_STORE_UNAVAILABLE`,
 * 503 + Retry-After), so nothing is acknowledged that is not durable.
 */
export function createGtr(
  { store, publicUrl, clock, jwksCooldownMs }: Pick<Deps, 'store' | 'publicUrl' | 'clock' | 'jwksCooldownMs'>,
  revokeUser: RevokeUser,
): Gtr {
  const verify = createGtrVerifier({
    now: () => clock.now(),
    ...(jwksCooldownMs === undefined ? {} : { cooldownMs: jwksCooldownMs }),
  });

  // Workspace records are frozen and reused by the stores until they change (Store.getWorkspace):
  // each one's Okta settings are validated once, not on every call.
  const settings = new WeakMap<Workspace, OktaSettings | null>();
  const oktaOf = (workspace: Workspace): OktaSettings | null => {
    let okta = settings.get(workspace);
    if (okta === undefined) {
      const parsed = OktaSettings.safeParse(workspace.settings.okta);
      okta = parsed.success ? parsed.data : null;
      settings.set(workspace, okta);
    }
    return okta;
  };

  return async ({ workspaceId, authorization, contentType, body: text }) => {
    const refuse = (code: ErrorCode, reason: string, details: Record<string, unknown> = {}): GtrAnswer => ({
      ok: false,
      code,
      reason,
      details,
    });

    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!match?.[1]) return refuse('ERR_UNAUTHENTICATED', 'missing bearer token');
    const workspace = WorkspaceId.safeParse(workspaceId).success ? await store.getWorkspace(workspaceId) : null;
    const okta = workspace && oktaOf(workspace);
    // An unknown workspace and one without Okta look alike: nothing to learn by probing.
    if (!okta) return refuse('ERR_UNAUTHENTICATED', 'Okta Universal Logout is not configured for this workspace');

    const audience = `${publicUrl}/okta/${workspaceId}/global-token-revocation`;
    let jti: string;
    try {
      ({ jti } = await verify(match[1], okta, audience));
    } catch (error) {
      if (!(error instanceof GtrAuthError)) throw error;
      return refuse(error.status === 403 ? 'ERR_FORBIDDEN' : 'ERR_UNAUTHENTICATED', error.reason, {
        expectedAudience: audience,
      });
    }

    if (contentType !== undefined && !/^application\/json\s*(;|$)/i.test(contentType)) {
      return refuse('ERR_INVALID_REQUEST', 'Content-Type must be application/json', { jti });
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return refuse('ERR_INVALID_REQUEST', 'body is not valid JSON', { jti });
    }
    const parsed = parseGtrBody(body);
    if (!parsed.ok) return refuse('ERR_INVALID_REQUEST', parsed.reason, { jti });

    // Okta documents no retry policy: the identical request again is answered 204 without a
    // second revocation; the same jti naming another subject is a replay, refused whatever the
    // lookups found. They are reads, so they go with the claim (one write to Redis for all three).
    const fingerprint = canonical(parsed.subject);
    const [first, user, apps] = await Promise.all([
      store.claimOnce(workspaceId, `okta:${jti}`, fingerprint, JTI_MEMORY_MS, clock.now()),
      findSubject(store, workspaceId, parsed.subject),
      store.listApps(workspaceId),
    ]);
    if (first !== null && first !== fingerprint)
      return refuse('ERR_UNAUTHENTICATED', 'jti replayed for another subject', { jti });

    if (!user)
      return refuse('ERR_NOT_FOUND', `no user in this workspace matches the ${parsed.subject.format} subject`, { jti });

    const { revocation, created } = await revokeUser({
      workspaceId,
      userId: user.id,
      trigger: 'okta',
      actor: `${okta.issuer} (jti ${jti})`,
      reason: 'Okta Universal Logout',
      idempotencyKey: `okta:${jti}`,
      known: user,
      apps,
    });
    return { ok: true, userId: user.id, revocationId: revocation.id, jti, created };
  };
}

/** The one log line of an answered GTR call: info when accepted, warn with the reason when not. */
export function logGtr(logger: Logger, requestId: string, workspaceId: string, answer: GtrAnswer): void {
  if (answer.ok) {
    const { userId, revocationId, jti, created } = answer;
    logger.info({ requestId, workspaceId, userId, revocationId, jti, created }, 'okta global token revocation');
  } else {
    logger.warn(
      { requestId, workspaceId, reason: answer.reason, code: answer.code, ...answer.details },
      'okta global token revocation rejected',
    );
  }
}
