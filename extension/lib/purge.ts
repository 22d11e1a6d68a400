import type { Removed } from '@universal-logout/shared';
import type { LedgerEntry } from './state';
import type { Browser as WxtBrowser } from 'wxt/browser';
import type { Browser } from './types';

type Cookie = WxtBrowser.cookies.Cookie;

export interface PurgeResult {
  removed: Removed;
  errors: string[];
}

const cookieKey = (c: Cookie) =>
  [c.storeId, c.domain, c.path, c.name, JSON.stringify((c as { partitionKey?: unknown }).partitionKey ?? null)].join(
    '|',
  );

const cookieUrl = (c: Cookie) => `http${c.secure ? 's' : ''}://${c.domain.replace(/^\./, '')}${c.path}`;

/** The registrable site an origin lives on, as CHIPS partition keys name it (scheme + host). */
const siteOf = (origin: string) => {
  const url = new URL(origin);
  return `${url.protocol}//${url.hostname}`;
};

interface ContextualIdentities {
  query(details: object): Promise<{ cookieStoreId: string }[]>;
}

/**
 * Every cookie store: the ones with tabs (`cookies.getAllCookieStores`) and, in Firefox, every
 * container whether or not a tab is open in it, and the default store.
 */
async function cookieStores(browser: Browser): Promise<(string | undefined)[]> {
  const ids = new Set<string>();
  for (const store of await browser.cookies.getAllCookieStores().catch(() => [])) ids.add(store.id);
  const identities = (browser as unknown as { contextualIdentities?: ContextualIdentities }).contextualIdentities;
  if (identities) {
    const containers = await identities.query({}).catch(() => []);
    for (const container of containers) ids.add(container.cookieStoreId);
    ids.add('firefox-default');
  }
  return ids.size > 0 ? [...ids] : [undefined];
}

/**
 * Everything a managed app keeps in this browser: its cookies in every cookie store (containers,
 * incognito where allowed), partitioned ones and those partitioned under its site, its site data per
 * origin, its open tabs. Counts come from checking what is gone afterwards, not from return values.
 */
export async function purgeOrigins(browser: Browser, origins: string[], ledger: LedgerEntry[]): Promise<PurgeResult> {
  const errors: string[] = [];
  const unique = [...new Set(origins)];

  const stores = await cookieStores(browser);

  // Site data per origin, started first and run alongside the cookies and the tabs (not cookies:
  // browsingData's cookie removal covers the whole site).
  const dataTypes = { localStorage: true, indexedDB: true, cacheStorage: true, serviceWorkers: true };
  const clearSite = async (origin: string): Promise<boolean> => {
    try {
      await browser.browsingData.remove({ origins: [origin] }, dataTypes);
      return true;
    } catch {
      // Firefox names hosts, not origins, and clears one container at a time.
      try {
        await firefoxSiteData(browser, new URL(origin).hostname, stores);
        return true;
      } catch (error) {
        errors.push(`site data ${origin}: ${String(error)}`);
        return false;
      }
    }
  };

  const sites = Promise.all(unique.map(clearSite));

  // Cookies, every query and removal at once.
  const find = async (): Promise<Map<string, Cookie>> => {
    const queries: Record<string, unknown>[] = [];
    for (const storeId of stores) {
      const inStore = storeId ? { storeId } : {};
      for (const origin of unique) {
        queries.push(
          { url: `${origin}/`, ...inStore },
          { domain: new URL(origin).hostname, ...inStore },
          { url: `${origin}/`, partitionKey: {}, ...inStore },
          { partitionKey: { topLevelSite: siteOf(origin) }, ...inStore },
        );
      }
      // What the ledger says was injected, even on a domain the queries above do not reach.
      for (const entry of ledger) {
        for (const injected of entry.cookies) {
          queries.push({
            name: injected.name,
            domain: injected.domain.replace(/^\./, ''),
            ...(injected.partitionKey ? { partitionKey: injected.partitionKey } : {}),
            ...inStore,
          });
        }
      }
    }
    // All at once: each query is a round trip to the browser process.
    const results = await Promise.all(
      queries.map((query) => browser.cookies.getAll(query).catch(() => [] as Cookie[])),
    );
    const found = new Map<string, Cookie>();
    for (const cookie of results.flat()) found.set(cookieKey(cookie), cookie);
    return found;
  };
  const before = await find();
  await Promise.all(
    [...before.values()].map((cookie) => {
      const partitionKey = (cookie as { partitionKey?: unknown }).partitionKey;
      return browser.cookies
        .remove({
          url: cookieUrl(cookie),
          name: cookie.name,
          storeId: cookie.storeId,
          ...(partitionKey ? { partitionKey } : {}),
        })
        .catch((error: unknown) => errors.push(`cookie ${cookie.name}@${cookie.domain}: ${String(error)}`));
    }),
  );
  const after = await find();
  for (const cookie of after.values()) errors.push(`cookie ${cookie.name}@${cookie.domain} is still there`);

  // Open tabs, once their cookies are gone, each at once: clear their web storage from inside
  // (sessionStorage dies only with the page), then reload.
  const appTabs = (await browser.tabs.query({})).flatMap((tab) => {
    if (tab.id === undefined || !tab.url) return [];
    try {
      const origin = new URL(tab.url).origin;
      return unique.includes(origin) ? [{ id: tab.id, origin }] : [];
    } catch {
      return [];
    }
  });
  const clearTab = async ({ id, origin }: { id: number; origin: string }) => {
    await browser.scripting
      .executeScript({
        target: { tabId: id },
        func: () => {
          localStorage.clear();
          sessionStorage.clear();
        },
      })
      .catch((error: unknown) => errors.push(`tab ${origin}: ${String(error)}`));
    await browser.tabs.reload(id).catch((error: unknown) => errors.push(`reload ${origin}: ${String(error)}`));
  };

  const [, cleared] = await Promise.all([Promise.all(appTabs.map(clearTab)), sites]);

  return {
    removed: { cookies: before.size - after.size, origins: cleared.filter(Boolean).length, tabs: appTabs.length },
    errors,
  };
}

/** Firefox: `browsingData` by host name, once per container (`cookieStoreId`), then for the default. */
async function firefoxSiteData(browser: Browser, hostname: string, stores: (string | undefined)[]): Promise<void> {
  const dataTypes = { localStorage: true, indexedDB: true, serviceWorkers: true };
  // Firefox's extensions of the API, unknown to Chrome's types.
  const remove = (options: { hostnames: string[]; cookieStoreId?: string }) =>
    browser.browsingData.remove(options as unknown as WxtBrowser.browsingData.RemovalOptions, dataTypes);
  const containers = stores.filter(
    (id): id is string => id !== undefined && id.startsWith('firefox-') && id !== 'firefox-private',
  );
  try {
    await Promise.all(containers.map((cookieStoreId) => remove({ hostnames: [hostname], cookieStoreId })));
  } catch {
    // A Firefox without cookieStoreId here: the removal below is what it can do.
  }
  await remove({ hostnames: [hostname] });
}
