import type { SessionCookie } from '@universal-logout/shared';
import { api } from './api';
import type { LedgerCookie, Session, State } from './state';
import type { Browser } from './types';

const SAME_SITE = { strict: 'strict', lax: 'lax', none: 'no_restriction' } as const;

/**
 * Opens an assigned app signed in: sets its session cookies (with their flags and partition key),
 * opens it in a tab, writes its localStorage there, and records all of it in the ledger first, so a
 * purge covers it even if the injection is interrupted.
 */
export async function openApp(browser: Browser, state: State, session: Session, appId: string): Promise<void> {
  const bundle = await api.appSession(session, appId);
  const [origin] = bundle.origins;
  if (!origin) throw new Error(`app ${appId} has no origin`);
  const host = new URL(origin).hostname;
  const cookies: LedgerCookie[] = bundle.session.cookies.map((cookie: SessionCookie) => ({
    name: cookie.name,
    domain: cookie.domain ?? host,
    path: cookie.path ?? '/',
    secure: cookie.secure ?? false,
    ...(cookie.partitionKey ? { partitionKey: cookie.partitionKey } : {}),
  }));
  await state.record({
    appId,
    origins: bundle.origins,
    cookies,
    localStorageKeys: Object.keys(bundle.session.localStorage),
    injectedAt: new Date().toISOString(),
  });

  for (const cookie of bundle.session.cookies) {
    await browser.cookies.set({
      url: `${cookie.secure ? 'https' : new URL(origin).protocol.slice(0, -1)}://${(cookie.domain ?? host).replace(/^\./, '')}${cookie.path ?? '/'}`,
      name: cookie.name,
      value: cookie.value,
      path: cookie.path ?? '/',
      ...(cookie.domain ? { domain: cookie.domain } : {}),
      ...(cookie.httpOnly !== undefined ? { httpOnly: cookie.httpOnly } : {}),
      ...(cookie.secure !== undefined ? { secure: cookie.secure } : {}),
      ...(cookie.sameSite ? { sameSite: SAME_SITE[cookie.sameSite] } : {}),
      ...(cookie.expirationDate ? { expirationDate: cookie.expirationDate } : {}),
      ...(cookie.partitionKey ? { partitionKey: cookie.partitionKey } : {}),
    });
  }

  const tab = await browser.tabs.create({ url: origin });
  const entries = Object.entries(bundle.session.localStorage);
  if (entries.length === 0 || tab.id === undefined) return;
  const tabId = tab.id;
  await waitForLoad(browser, tabId);
  await browser.scripting.executeScript({
    target: { tabId },
    func: (items: [string, string][]) => {
      for (const [key, value] of items) localStorage.setItem(key, value);
    },
    args: [entries],
  });
}

function waitForLoad(browser: Browser, tabId: number): Promise<void> {
  return new Promise((resolve) => {
    const listener = (id: number, info: { status?: string }) => {
      if (id === tabId && info.status === 'complete') {
        browser.tabs.onUpdated.removeListener(listener);
        resolve();
      }
    };
    browser.tabs.onUpdated.addListener(listener);
  });
}
