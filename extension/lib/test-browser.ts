import { fakeBrowser } from 'wxt/testing';
import { vi } from 'vitest';
import type { Browser } from './types';

interface FakeCookie {
  name: string;
  value: string;
  domain: string;
  path: string;
  secure: boolean;
  httpOnly: boolean;
  storeId: string;
  partitionKey?: { topLevelSite: string };
}

/**
 * fakeBrowser with the APIs it lacks (cookies, browsingData, scripting, notifications) stubbed
 * over an in-memory cookie jar, so purge logic runs against state it can inspect.
 */
export function createTestBrowser(
  options: { stuck?: string[]; stores?: string[]; originsUnsupported?: boolean; containers?: string[] } = {},
) {
  fakeBrowser.reset();
  const jar: FakeCookie[] = [];
  const matches = (cookie: FakeCookie, query: Record<string, unknown>) => {
    if (typeof query.storeId === 'string' && cookie.storeId !== query.storeId) return false;
    if (typeof query.name === 'string' && cookie.name !== query.name) return false;
    if (typeof query.domain === 'string' && !cookie.domain.replace(/^\./, '').endsWith(query.domain)) return false;
    if (typeof query.url === 'string' && !new URL(query.url).hostname.endsWith(cookie.domain.replace(/^\./, '')))
      return false;
    const key = query.partitionKey as { topLevelSite?: string } | undefined;
    if (key?.topLevelSite && cookie.partitionKey?.topLevelSite !== key.topLevelSite) return false;
    if (!key && cookie.partitionKey) return false;
    return true;
  };
  const cookies = {
    getAllCookieStores: vi.fn(() => Promise.resolve((options.stores ?? ['0']).map((id) => ({ id, tabIds: [] })))),
    getAll: vi.fn((query: Record<string, unknown>) =>
      Promise.resolve(jar.filter((cookie) => matches(cookie, query)).map((c) => ({ ...c }))),
    ),
    remove: vi.fn((details: { name: string; url: string; storeId?: string }) => {
      // A cookie named in `stuck` survives removal, as when the browser refuses: the purge must notice.
      if (!options.stuck?.includes(details.name)) {
        const index = jar.findIndex(
          (cookie) =>
            cookie.name === details.name &&
            (details.storeId === undefined || cookie.storeId === details.storeId) &&
            new URL(details.url).hostname.endsWith(cookie.domain.replace(/^\./, '')),
        );
        if (index >= 0) jar.splice(index, 1);
      }
      return Promise.resolve(null);
    }),
    set: vi.fn(),
  };
  // Firefox's browsingData takes `hostnames`, and throws on Chrome's `origins`.
  const browsingData = {
    remove: vi.fn((removal: { origins?: string[] }) =>
      options.originsUnsupported && removal.origins
        ? Promise.reject(new Error('Type error for parameter removalOptions: Unexpected property "origins"'))
        : Promise.resolve(),
    ),
  };
  const scripting = { executeScript: vi.fn(() => Promise.resolve([])) };
  const notifications = { create: vi.fn(() => Promise.resolve('id')) };
  const badge = { text: '', color: '' };
  const action = {
    setBadgeText: vi.fn(({ text }: { text: string }) => Promise.resolve(void (badge.text = text))),
    setBadgeBackgroundColor: vi.fn(({ color }: { color: string }) => Promise.resolve(void (badge.color = color))),
  };
  Object.assign(fakeBrowser, { cookies, browsingData, scripting, notifications, action });
  // Firefox only: containers, with or without open tabs. Absent in Chrome (and fakeBrowser.reset()
  // must not meet an undefined API).
  const containers = options.containers;
  if (containers) {
    Object.assign(fakeBrowser, {
      contextualIdentities: {
        query: vi.fn(() => Promise.resolve(containers.map((cookieStoreId) => ({ cookieStoreId })))),
        resetState: () => undefined,
      },
    });
  } else {
    delete (fakeBrowser as { contextualIdentities?: unknown }).contextualIdentities;
  }
  const reload = vi.fn(() => Promise.resolve());
  Object.assign(fakeBrowser.tabs, { reload });
  return {
    browser: fakeBrowser as unknown as Browser,
    jar,
    cookies,
    browsingData,
    scripting,
    notifications,
    badge,
    reload,
    addCookie: (cookie: Partial<FakeCookie> & { name: string; domain: string }) =>
      jar.push({ value: 'v', path: '/', secure: false, httpOnly: false, storeId: '0', ...cookie }),
  };
}
