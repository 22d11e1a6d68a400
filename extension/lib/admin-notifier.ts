import { ADMIN_ROLES, compareCursor, START_CURSOR, type Role } from '@universal-logout/shared';
import { adminApi, ApiError, type NotificationList } from './api';
import type { Session, State } from './state';
import type { Browser } from './types';

/** At most this many browser notifications at once; the badge and the admin view carry the rest. */
const MAX_ANNOUNCED = 3;
export const NOTIFICATION_PREFIX = 'ul-admin-';

const isAdmin = (role: string) => ADMIN_ROLES.includes(role as Role);

/**
 * An admin's view of the workspace's revocations, outside the admin page: the unread count on the
 * toolbar badge and a browser notification for each new one, whoever triggered it. Runs on the
 * server's `notice` over the WebSocket, on every poll, and when the admin page marks them read.
 */
export function createAdminNotifier(
  browser: Browser,
  state: State,
  fetchList: (session: Session) => Promise<NotificationList> = adminApi.notifications,
) {
  let running: Promise<void> | null = null;
  let requests = 0;

  async function setBadge(unread: number) {
    await browser.action.setBadgeText({ text: unread > 0 ? String(Math.min(unread, 99)) : '' });
    if (unread > 0) await browser.action.setBadgeBackgroundColor({ color: '#b42318' });
  }

  async function check(): Promise<void> {
    const session = await state.session();
    if (!session || !isAdmin(session.user.role)) {
      await setBadge(0);
      return;
    }
    let list: NotificationList;
    try {
      list = await fetchList(session);
    } catch (error) {
      // Demoted since enrollment: the server said so; stop asking until the role changes back.
      if (error instanceof ApiError && error.code === 'ERR_FORBIDDEN') {
        await state.setRole('member');
        await setBadge(0);
      }
      return;
    }
    await setBadge(list.unread);
    const newest = list.notifications[0]?.id;
    const seen = await state.notifiedUpTo();
    // An empty list is a baseline too: the first notification after it must be announced.
    const baseline = newest ?? START_CURSOR;
    if (seen === null || compareCursor(baseline, seen) > 0) await state.setNotifiedUpTo(baseline);
    // The first check on a device sets the baseline: what happened before is in the list, not announced.
    if (seen === null) return;
    const fresh = list.notifications
      .filter((n) => !n.read && compareCursor(n.id, seen) > 0)
      .slice(0, MAX_ANNOUNCED)
      .reverse();
    for (const notification of fresh) {
      await browser.notifications
        .create(`${NOTIFICATION_PREFIX}${notification.id}`, {
          type: 'basic',
          iconUrl: browser.runtime.getURL('/icon/128.png'),
          title: 'A user was logged out everywhere',
          message: notification.message,
        })
        .catch(() => undefined);
    }
  }

  return {
    /** Runs one check at a time; a request during a check runs one more after it. */
    refresh(): Promise<void> {
      requests++;
      if (running) return running;
      running = (async () => {
        for (;;) {
          const seen = requests;
          await check().catch(() => undefined);
          if (requests === seen) break;
        }
        running = null;
      })();
      return running;
    },
  };
}
export type AdminNotifier = ReturnType<typeof createAdminNotifier>;
