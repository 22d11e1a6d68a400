import '../lib/zod-setup';
import { browser } from 'wxt/browser';
import { AdminPageMessage, PopupRequest, type PopupState } from '@universal-logout/shared';
import { createAdminNotifier, NOTIFICATION_PREFIX } from '../lib/admin-notifier';
import { api, ApiError } from '../lib/api';
import { createChannel } from '../lib/channel';
import { openApp } from '../lib/inject';
import { createApplier, isDeadSession } from '../lib/revocations';
import { createState } from '../lib/state';

const POLL_ALARM = 'ul-poll';

export default defineBackground({
  type: 'module',
  main() {
    const state = createState(browser);
    const applier = createApplier(browser, state, () => {
      channel.disconnect();
      void notifier.refresh();
    });
    const notifier = createAdminNotifier(browser, state);
    const channel = createChannel(state, applier, () => void notifier.refresh());
    let lastError: string | null = null;

    async function popupState(): Promise<PopupState> {
      const session = await state.session();
      if (!session) return { status: 'not-enrolled', error: lastError };
      let apps: { id: string; name: string; origins: string[] }[] = [];
      let user = session.user;
      try {
        const [assigned, me] = await Promise.all([api.apps(session), api.me(session)]);
        apps = assigned;
        user = { ...me.user, role: me.role };
        if (me.role !== session.user.role) {
          await state.setRole(me.role);
          void notifier.refresh();
        }
      } catch (error) {
        if (isDeadSession(error)) {
          await applier.purgeEverything('Your access was revoked');
          return {
            status: 'not-enrolled',
            error: 'Your access was revoked: this browser was logged out of every app.',
          };
        }
        lastError = error instanceof Error ? error.message : String(error);
      }
      return {
        status: 'enrolled',
        user,
        workspace: session.workspace,
        apps,
        connected: channel.connected,
        error: lastError,
      };
    }

    async function handle(request: PopupRequest): Promise<PopupState> {
      lastError = null;
      try {
        switch (request.type) {
          case 'state':
            break;
          case 'enroll': {
            const serverUrl = request.serverUrl.replace(/\/+$/, '');
            const enrolled = await api.enroll(
              serverUrl,
              request.code,
              navigator.userAgent.includes('Firefox') ? 'Firefox' : 'Chrome',
            );
            await state.setSession({
              serverUrl,
              token: enrolled.token,
              deviceId: enrolled.deviceId,
              user: enrolled.user,
              workspace: enrolled.workspace,
            });
            await channel.connect();
            void notifier.refresh();
            break;
          }
          case 'open-app': {
            const session = await state.session();
            if (session) await openApp(browser, state, session, request.appId);
            break;
          }
          case 'logout-everywhere': {
            const session = await state.session();
            if (session) {
              await api.logoutEverywhere(session);
              await channel.poll();
            }
            break;
          }
        }
      } catch (error) {
        if (isDeadSession(error)) await applier.purgeEverything('Your access was revoked');
        lastError = describe(error);
      }
      return popupState();
    }

    // Every listener before any await: an MV3 worker woken by an event must find its handler.
    // webextension-polyfill answers with the promise a listener returns.
    // eslint-disable-next-line @typescript-eslint/no-misused-promises
    browser.runtime.onMessage.addListener((message: unknown) => {
      if (AdminPageMessage.safeParse(message).success) return notifier.refresh().then(() => null);
      const request = PopupRequest.safeParse(message);
      return request.success ? handle(request.data) : undefined;
    });
    browser.notifications.onClicked.addListener((id) => {
      if (!id.startsWith(NOTIFICATION_PREFIX)) return;
      void browser.tabs.create({ url: browser.runtime.getURL('/admin.html#notifications') });
      void browser.notifications.clear(id);
    });
    browser.alarms.onAlarm.addListener((alarm) => {
      if (alarm.name === POLL_ALARM) {
        void channel.poll().then(() => channel.connect());
        void notifier.refresh();
      }
    });
    browser.runtime.onStartup.addListener(() => void channel.poll());

    // Every worker start: recreate the alarm, catch up, reconnect.
    void browser.alarms.create(POLL_ALARM, { periodInMinutes: import.meta.env.MODE === 'test' ? 0.01 : 0.5 });
    void channel.poll().then(() => channel.connect());
    void notifier.refresh();
  },
});

function describe(error: unknown): string {
  if (error instanceof ApiError) {
    switch (error.code) {
      case 'ERR_ENROLLMENT_CODE_INVALID':
        return 'That enrollment code is wrong, expired or already used. Ask your admin for a new one.';
      case 'ERR_USER_DEACTIVATED':
        return 'Your account is deactivated. Ask your admin.';
      case 'ERR_NETWORK':
        return `${error.message}. Check the Server URL.`;
      default:
        return error.message;
    }
  }
  return error instanceof Error ? error.message : String(error);
}
