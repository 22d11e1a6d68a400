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
  await waitForLoad(browser, tabId, origin);
  await browser.scripting.executeScript({
    target: { tabId },
    func: (items: [string, string][]) => {
      for (const [key, value] of items) localStorage.setItem(key, value);
    },
    args: [entries],
  });
}

/**
 * Resolves once the tab has loaded a page of the app's origin. The tab may have loaded already by
 * the time the listener is added (a fast page on a busy machine), so its status is read as well:
 * waiting for the event alone once missed it and never wrote the app's localStorage.
 */
export function waitForLoad(
  browser: Pick<Browser, 'tabs'>,
  tabId: number,
  origin: string,
  timeoutMs = 30_000,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      browser.tabs.onUpdated.removeListener(listener);
      if (error) reject(error);
      else resolve();
    };
    const loaded = (tab: { status?: string | undefined; url?: string | undefined }) =>
      tab.status === 'complete' && (tab.url === undefined || new URL(tab.url).origin === origin);
    const listener = (
      id: number,
      info: { status?: string | undefined },
      tab: { status?: string | undefined; url?: string | undefined },
    ) => {
      if (id === tabId && info.status === 'complete' && loaded(tab)) finish();
    };
    const timer = setTimeout(
      () => finish(new Error(`the app's tab did not load within ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
    browser.tabs.onUpdated.addListener(listener);
    browser.tabs.get(tabId).then(
      (tab) => {
        if (loaded(tab)) finish();
      },
      (error: unknown) => finish(error instanceof Error ? error : new Error(String(error))),
    );
  });
}
