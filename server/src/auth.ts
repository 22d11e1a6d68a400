import { createMiddleware } from 'hono/factory';
import { ADMIN_ROLES, AppError } from '@universal-logout/shared';
export { canManage } from '@universal-logout/shared';
import { hashesEqual, parseDeviceToken, sha256 } from './crypto.js';
import type { AppEnv, Deps } from './env.js';
import type { DeviceSession, Store } from './store/types.js';

/** A session is revoked once its device was revoked, the user's epoch moved on, or the user left. */
export function isRevoked({ device, user }: DeviceSession): boolean {
  return device.state !== 'active' || device.epoch !== user.sessionEpoch || user.status !== 'active';
}

/** Resolves a device token to its session, or throws `ERR_UNAUTHENTICATED`. */
export async function authenticateToken(store: Store, token: string): Promise<DeviceSession> {
  const parsed = parseDeviceToken(token);
  const session = parsed && (await store.getDeviceSession(parsed.workspaceId, parsed.deviceId));
  if (!parsed || !session || !hashesEqual(sha256(parsed.secret), session.device.tokenHash)) {
    throw new AppError('ERR_UNAUTHENTICATED', 'missing or unknown device token');
  }
  return session;
}

const TOUCH_EVERY_MS = 60_000;

/**
 * `Authorization: Bearer <device token>`. With `allowRevoked`, a revoked session passes (it may
 * still read its pending revocations and post receipts); otherwise it gets ERR_SESSION_REVOKED,
 * the extension's cue to purge every managed app.
 */
export function createDeviceAuth({ store, clock, logger }: Pick<Deps, 'store' | 'clock' | 'logger'>) {
  const touched = new Map<string, number>();
  return (options: { allowRevoked: boolean }) =>
    createMiddleware<AppEnv>(async (c, next) => {
      const header = c.req.header('authorization') ?? '';
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      if (!match?.[1]) throw new AppError('ERR_UNAUTHENTICATED', 'missing bearer token');
      const session = await authenticateToken(store, match[1]);
      const revoked = isRevoked(session);
      if (revoked && !options.allowRevoked) {
        throw new AppError('ERR_SESSION_REVOKED', 'this device session was revoked: sign in again');
      }
      c.set('session', session);
      c.set('revoked', revoked);

      // Last seen, at most once a minute per device: it must not turn every poll into a write.
      const now = clock.now();
      const key = `${session.device.workspaceId}/${session.device.id}`;
      if (now - (touched.get(key) ?? 0) >= TOUCH_EVERY_MS) {
        touched.set(key, now);
        if (touched.size > 100_000) touched.clear();
        store.touchDevice(session.device.workspaceId, session.device.id, now).catch((error: unknown) => {
          logger.warn({ err: error, deviceId: session.device.id }, 'could not record last seen');
        });
      }
      await next();
    });
}

export const requireAdmin = createMiddleware<AppEnv>(async (c, next) => {
  if (!ADMIN_ROLES.includes(c.var.session.user.role)) {
    throw new AppError('ERR_FORBIDDEN', 'this needs the owner, super_admin or admin role');
  }
  await next();
});

/** `admin` manages members and admins; only owners and super admins manage their own kind. */
