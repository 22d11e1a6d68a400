import { AppError, type RevocationTrigger } from '@universal-logout/shared';
import { busMessageOf } from './bus.js';
import { randomId } from './crypto.js';
import type { Deps } from './env.js';
import type { App, RevokeResult, User } from './store/types.js';

export interface RevokeRequest {
  workspaceId: string;
  userId: string;
  trigger: RevocationTrigger;
  actor: string;
  reason: string;
  /** Scoped by the caller: `admin:<actor>:<key>`, `okta:<jti>`, `ssf:<jti>`... */
  idempotencyKey?: string | null;
  /** The user's record, when the caller has just read it (one store read fewer); else read by id. */
  known?: User;
  /** The workspace's apps, when the caller has just read them; else (or if any is another's) read here. */
  apps?: App[];
}

/** A failed publish is tried this many times in all, about a minute end to end. */
export const PUBLISH_ATTEMPTS = 16;
const PUBLISH_FIRST_DELAY_MS = 100;

export type RevokeUser = (request: RevokeRequest) => Promise<RevokeResult>;

/**
 * The one way a logout happens. Every trigger (admin, self, Okta, SCIM, SSF, OIDC) calls it.
 * Resolves once the revocation is durable; the fan-out to connected devices happens after, and a
 * device that misses it catches up by cursor.
 */
export function createRevokeUser({
  store,
  bus,
  clock,
  logger,
}: Pick<Deps, 'store' | 'bus' | 'clock' | 'logger'>): RevokeUser {
  return async ({ workspaceId, userId, trigger, actor, reason, idempotencyKey = null, known, apps: knownApps }) => {
    const user =
      known?.workspaceId === workspaceId && known.id === userId ? known : await store.getUser(workspaceId, userId);
    if (!user) throw new AppError('ERR_NOT_FOUND', `no user ${userId} in this workspace`);
    const apps =
      knownApps?.every((app) => app.workspaceId === workspaceId) === true
        ? knownApps
        : await store.listApps(workspaceId);
    const origins = [...new Set(apps.filter((app) => user.apps.includes(app.id)).flatMap((app) => app.origins))];
    const result = await store.revoke({
      workspaceId,
      userId,
      trigger,
      actor,
      reason,
      origins,
      idempotencyKey,
      id: randomId('rev'),
      at: clock.now(),
    });
    const { revocation, created } = result;
    if (!created) return result;
    logger.info(
      { workspaceId, userId, revocationId: revocation.id, trigger, actor, devices: revocation.devices.length },
      'user logged out everywhere',
    );
    // The Redis store publishes in the same step that records the revocation.
    if (result.published === true) return result;
    const message = busMessageOf(revocation);
    // Persisted already. A failed publish is retried with backoff (a hub drops what it already
    // sent by cursor, so a late or repeated message is harmless); past that, devices catch up by
    // cursor on their next poll or reconnect.
    const publish = (attempt: number): void => {
      bus.publish(message).catch((error: unknown) => {
        if (attempt >= PUBLISH_ATTEMPTS - 1) {
          logger.warn({ err: error, revocationId: revocation.id }, 'could not publish revocation; devices will poll');
          return;
        }
        if (attempt === 0)
          logger.warn({ err: error, revocationId: revocation.id }, 'could not publish revocation; retrying');
        setTimeout(() => publish(attempt + 1), Math.min(5_000, PUBLISH_FIRST_DELAY_MS * 2 ** attempt)).unref();
      });
    };
    publish(0);
    return result;
  };
}
