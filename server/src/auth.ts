import { createMiddleware } from 'hono/factory';
import { ADMIN_ROLES, AppError } from '@universal-logout/shared';
export { canManage } from '@universal-logout/shared';
import { hashesEqual, parseDeviceToken, sha256 } from './crypto.js';
import type { AppEnv, Deps } from './env.js';
import type { Device, DeviceSession, Store } from './store/types.js';

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

export interface Authenticated {
  session: DeviceSession;
  /** True when the session was revoked (only pending revocations and receipts are open to it). */
  revoked: boolean;
}

/** What never changes about an enrolled device: enough to read its revocations. */
export type DeviceIdentity = Pick<Device, 'workspaceId' | 'id' | 'userId' | 'baseline' | 'tokenHash'>;

const BEARER = /^Bearer\s+(\S+)$/i;
const KNOWN_DEVICES_MAX = 100_000;

/**
 * `Authorization: Bearer <device token>`. With `allowRevoked`, a revoked session passes (it may
 * still read its pending revocations and post receipts); otherwise it gets ERR_SESSION_REVOKED,
 * the extension's cue to purge every managed app. The middleware for routes; `authenticate` and
 * `identify` for the poll's fast path (`poll.ts`); one check, one last-seen throttle.
 */
export function createDeviceAuth({ store, clock, logger }: Pick<Deps, 'store' | 'clock' | 'logger'>) {
  const touched = new Map<string, number>();
  /** Identities of devices whose token was verified against the store once (keyed workspace/device). */
  const known = new Map<string, DeviceIdentity>();

  // Last seen, at most once a minute per device: it must not turn every poll into a write.
  function touch(device: { workspaceId: string; id: string }) {
    const now = clock.now();
    const key = `${device.workspaceId}/${device.id}`;
    if (now - (touched.get(key) ?? 0) < TOUCH_EVERY_MS) return;
    touched.set(key, now);
    if (touched.size > KNOWN_DEVICES_MAX) touched.clear();
    store.touchDevice(device.workspaceId, device.id, now).catch((error: unknown) => {
      logger.warn({ err: error, deviceId: device.id }, 'could not record last seen');
    });
  }

  async function authenticate(
    authorization: string | undefined,
    options: { allowRevoked: boolean },
  ): Promise<Authenticated> {
    const match = BEARER.exec(authorization ?? '');
    if (!match?.[1]) throw new AppError('ERR_UNAUTHENTICATED', 'missing bearer token');
    const session = await authenticateToken(store, match[1]);
    const revoked = isRevoked(session);
    if (revoked && !options.allowRevoked) {
      throw new AppError('ERR_SESSION_REVOKED', 'this device session was revoked: sign in again');
    }
    touch(session.device);
    return { session, revoked };
  }

  /**
   * The device behind a token, revoked or not, for reading its revocations only. A device's id,
   * workspace, user, enrollment cursor and token hash never change, so after one full
   * authentication they are kept in memory (every instance may keep them: nothing to invalidate);
   * the token is still checked against its hash on every call, and last seen still recorded.
   */
  async function identify(authorization: string | undefined): Promise<DeviceIdentity> {
    const parsed = parseDeviceToken(BEARER.exec(authorization ?? '')?.[1] ?? '');
    const key = parsed ? `${parsed.workspaceId}/${parsed.deviceId}` : undefined;
    const cached = key === undefined ? undefined : known.get(key);
    if (parsed && cached && hashesEqual(sha256(parsed.secret), cached.tokenHash)) {
      touch(cached);
      return cached;
    }
    const { device } = (await authenticate(authorization, { allowRevoked: true })).session;
    const identity: DeviceIdentity = {
      workspaceId: device.workspaceId,
      id: device.id,
      userId: device.userId,
      baseline: device.baseline,
      tokenHash: device.tokenHash,
    };
    if (known.size >= KNOWN_DEVICES_MAX) known.clear();
    known.set(`${device.workspaceId}/${device.id}`, identity);
    return identity;
  }

  const middleware = (options: { allowRevoked: boolean }) =>
    createMiddleware<AppEnv>(async (c, next) => {
      const { session, revoked } = await authenticate(c.req.header('authorization'), options);
      c.set('session', session);
      c.set('revoked', revoked);
      await next();
    });
  return Object.assign(middleware, { authenticate, identify });
}

export type DeviceAuth = ReturnType<typeof createDeviceAuth>;

export const requireAdmin = createMiddleware<AppEnv>(async (c, next) => {
  if (!ADMIN_ROLES.includes(c.var.session.user.role)) {
    throw new AppError('ERR_FORBIDDEN', 'this needs the owner, super_admin or admin role');
  }
  await next();
});

/** `admin` manages members and admins; only owners and super admins manage their own kind. */
