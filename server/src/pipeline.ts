import { AppError, type RevocationTrigger } from '@universal-logout/shared';
import { randomId } from './crypto.js';
import type { Deps } from './env.js';
import type { RevokeResult } from './store/types.js';

export interface RevokeRequest {
  workspaceId: string;
  userId: string;
  trigger: RevocationTrigger;
  actor: string;
  reason: string;
  /** Scoped by the caller: `admin:<actor>:<key>`, `okta:<jti>`, `ssf:<jti>`... */
  idempotencyKey?: string | null;
}

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
  return async ({ workspaceId, userId, trigger, actor, reason, idempotencyKey = null }) => {
    const user = await store.getUser(workspaceId, userId);
    if (!user) throw new AppError('ERR_NOT_FOUND', `no user ${userId} in this workspace`);
    const apps = await store.listApps(workspaceId);
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
    bus
      .publish({
        workspaceId,
        userId,
        cursor: revocation.cursor,
        event: {
          id: revocation.id,
          userId,
          trigger,
          reason,
          origins: revocation.origins,
          createdAt: revocation.createdAt,
        },
      })
      .catch((error: unknown) => {
        // Persisted already: devices catch up by cursor on their next poll or reconnect.
        logger.warn({ err: error, revocationId: revocation.id }, 'could not publish revocation');
      });
    return result;
  };
}
