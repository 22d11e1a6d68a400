import { describe, expect, it, vi } from 'vitest';
import type { Notification } from '@universal-logout/shared';
import { createAdminNotifier } from './admin-notifier';
import { ApiError, type NotificationList } from './api';
import { createState } from './state';
import { createTestBrowser } from './test-browser';

const session = (role: string) => ({
  serverUrl: 'https://ul.example.test',
  token: 'ul1.acme.dev_1.secret',
  deviceId: 'dev_1',
  user: { id: 'u-ada', email: 'ada@acme.test', name: 'Ada', role },
  workspace: { id: 'acme', name: 'Acme' },
});

const note = (id: string, read = false): Notification => ({
  id,
  at: '2026-11-21T12:00:00.000Z',
  revocationId: `rev_${id}`,
  userId: 'u-ana',
  trigger: 'okta',
  message: `User u-ana was logged out everywhere (okta): ${id}`,
  read,
});

async function setup(role: string, lists: (NotificationList | Error)[]) {
  const t = createTestBrowser();
  const state = createState(t.browser);
  await state.setSession(session(role));
  const fetchList = vi.fn(() => {
    const next = lists.shift();
    if (!next) throw new Error('no more lists');
    return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
  });
  return { t, state, fetchList, notifier: createAdminNotifier(t.browser, state, fetchList) };
}

describe('admin notifications on the toolbar', () => {
  it('asks nothing for a member and keeps the badge empty', async () => {
    const { t, fetchList, notifier } = await setup('member', []);
    await notifier.refresh();
    expect(fetchList).not.toHaveBeenCalled();
    expect(t.badge.text).toBe('');
  });

  it('shows the unread count; the first check announces nothing older, later ones announce what is new', async () => {
    const { t, notifier } = await setup('admin', [
      { notifications: [note('1-0')], unread: 1 },
      { notifications: [note('3-0'), note('2-0'), note('1-0')], unread: 3 },
      { notifications: [note('3-0', true), note('2-0', true), note('1-0', true)], unread: 0 },
    ]);
    await notifier.refresh();
    expect(t.badge.text).toBe('1');
    expect(t.notifications.create).not.toHaveBeenCalled();

    await notifier.refresh();
    expect(t.badge.text).toBe('3');
    expect(t.notifications.create.mock.calls.map((call) => (call as unknown[])[0])).toEqual([
      'ul-admin-2-0',
      'ul-admin-3-0',
    ]);

    await notifier.refresh();
    expect(t.badge.text).toBe('');
    expect(t.notifications.create).toHaveBeenCalledTimes(2);
  });

  it('announces at most three at once, newest last', async () => {
    const many = ['9-0', '8-0', '7-0', '6-0', '5-0'].map((id) => note(id));
    const { t, notifier } = await setup('owner', [
      { notifications: [], unread: 0 },
      { notifications: [...many, note('1-0', true)], unread: 5 },
    ]);
    await notifier.refresh();
    await notifier.refresh();
    expect(t.badge.text).toBe('5');
    expect(t.notifications.create.mock.calls.map((call) => (call as unknown[])[0])).toEqual([
      'ul-admin-7-0',
      'ul-admin-8-0',
      'ul-admin-9-0',
    ]);
  });

  it('a demoted admin (403) stops seeing the badge', async () => {
    const { t, state, fetchList, notifier } = await setup('admin', [
      { notifications: [note('1-0')], unread: 1 },
      new ApiError('ERR_FORBIDDEN', 'this needs the owner, super_admin or admin role', 403),
    ]);
    await notifier.refresh();
    expect(t.badge.text).toBe('1');
    await notifier.refresh();
    expect(t.badge.text).toBe('');
    expect((await state.session())?.user.role).toBe('member');
    await notifier.refresh();
    expect(fetchList).toHaveBeenCalledTimes(2);
  });

  it('keeps the badge when the server cannot be reached', async () => {
    const { t, notifier } = await setup('admin', [
      { notifications: [note('1-0')], unread: 1 },
      new ApiError('ERR_NETWORK', 'Cannot reach the server', 0),
    ]);
    await notifier.refresh();
    await notifier.refresh();
    expect(t.badge.text).toBe('1');
  });

  it('runs one check at a time and one more for requests made during it', async () => {
    const { fetchList, notifier } = await setup('admin', [
      { notifications: [], unread: 0 },
      { notifications: [], unread: 0 },
    ]);
    await Promise.all([notifier.refresh(), notifier.refresh(), notifier.refresh()]);
    expect(fetchList).toHaveBeenCalledTimes(2);
  });

  it('clears the badge once the browser is signed out', async () => {
    const { t, state, notifier } = await setup('admin', [{ notifications: [note('1-0')], unread: 1 }]);
    await notifier.refresh();
    await state.clearSession();
    await notifier.refresh();
    expect(t.badge.text).toBe('');
  });
});
