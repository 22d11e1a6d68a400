import { compareCursor, type AuditEntry, type Notification } from '@universal-logout/shared';
import type { Page, Revocation, User, Workspace } from './types.js';

/** How long an idempotency key (admin key, Okta `jti`, SET `jti`) maps to its revocation. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

export type NotificationRecord = Omit<Notification, 'read'>;

/** The audit entry and admin notification every revocation carries, minus their stream ids. */
export function buildRevocationSideEntries(revocation: Revocation): {
  audit: Omit<AuditEntry, 'id'>;
  notification: Omit<NotificationRecord, 'id'>;
} {
  return {
    audit: {
      at: revocation.createdAt,
      actor: revocation.actor,
      action: 'user.logout',
      userId: revocation.userId,
      trigger: revocation.trigger,
      detail: {
        revocationId: revocation.id,
        reason: revocation.reason,
        devices: revocation.devices.length,
        origins: revocation.origins.length,
      },
    },
    notification: {
      at: revocation.createdAt,
      revocationId: revocation.id,
      userId: revocation.userId,
      trigger: revocation.trigger,
      message: `User ${revocation.userId} was logged out everywhere (${revocation.trigger}): ${revocation.reason}`,
    },
  };
}

export function notificationFor(record: NotificationRecord, readUpTo: string): Notification {
  return { ...record, read: compareCursor(record.id, readUpTo) <= 0 };
}

/** Newest-first page over an oldest-first array, strictly older than `after`. */
export function newestFirstPage<T>(
  all: readonly T[],
  cursorOf: (item: T) => string,
  after: string | undefined,
  limit: number,
): Page<T> {
  const items: T[] = [];
  for (let index = all.length - 1; index >= 0 && items.length < limit; index--) {
    const item = all[index] as T;
    if (after === undefined || compareCursor(cursorOf(item), after) < 0) items.push(item);
  }
  const last = items.at(-1);
  const more = last !== undefined && all.some((item) => compareCursor(cursorOf(item), cursorOf(last)) < 0);
  return { items, cursor: more ? cursorOf(last) : null };
}

/**
 * A workspace record as both stores hand it out: frozen through and through, so it can be shared
 * by every reader (and their caches) without a copy. Changes go through `upsertWorkspace`.
 */
export function freezeWorkspace(workspace: Workspace): Workspace {
  return deepFreeze(workspace);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}

/** A user record's copy: every member is a primitive but `apps`. */
export const copyUser = (user: User): User => ({ ...user, apps: [...user.apps] });

/** A revocation's copy: every member is a primitive but `origins` and `devices`. */
export const copyRevocation = (revocation: Revocation): Revocation => ({
  ...revocation,
  origins: [...revocation.origins],
  devices: revocation.devices.map((device) => ({ ...device })),
});
