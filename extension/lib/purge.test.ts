import { describe, expect, it } from 'vitest';
import { purgeOrigins } from './purge';
import { createTestBrowser } from './test-browser';

const CRM = 'https://crm.example.test';

describe('purgeOrigins', () => {
  it('removes the app’s cookies, partitioned ones and those partitioned under its site, and nothing else', async () => {
    const t = createTestBrowser();
    t.addCookie({ name: 'sid', domain: 'crm.example.test', httpOnly: true });
    t.addCookie({
      name: 'chips',
      domain: 'crm.example.test',
      secure: true,
      partitionKey: { topLevelSite: 'https://crm.example.test' },
    });
    t.addCookie({
      name: 'widget',
      domain: 'widget.example.test',
      partitionKey: { topLevelSite: 'https://crm.example.test' },
    });
    t.addCookie({ name: 'news', domain: 'news.example.test' });
    const result = await purgeOrigins(t.browser, [CRM], []);
    expect(result).toEqual({ removed: { cookies: 3, origins: 1, tabs: 0 }, errors: [] });
    expect(t.jar.map((cookie) => cookie.name)).toEqual(['news']);
    expect(t.browsingData.remove).toHaveBeenCalledWith(
      { origins: [CRM] },
      { localStorage: true, indexedDB: true, cacheStorage: true, serviceWorkers: true },
    );
  });

  it('removes the app’s cookies from every cookie store: Firefox containers, with or without tabs, and private windows', async () => {
    // Only the stores with open tabs are listed by cookies.getAllCookieStores(); container 4 has none.
    const t = createTestBrowser({
      stores: ['firefox-default', 'firefox-container-1', 'firefox-private'],
      containers: ['firefox-container-1', 'firefox-container-4'],
      originsUnsupported: true,
    });
    const stores = ['firefox-default', 'firefox-container-1', 'firefox-container-4', 'firefox-private'];
    for (const storeId of stores) {
      t.addCookie({ name: 'sid', domain: 'crm.example.test', storeId });
      t.addCookie({ name: 'news', domain: 'news.example.test', storeId });
    }
    const result = await purgeOrigins(t.browser, [CRM], []);
    expect(result.removed.cookies).toBe(4);
    expect(result.errors).toEqual([]);
    expect(t.jar.map((cookie) => `${cookie.name}@${cookie.storeId}`).sort()).toEqual(
      stores.map((storeId) => `news@${storeId}`).sort(),
    );
    // Firefox: site data by host name, container by container, then the default.
    const dataTypes = { localStorage: true, indexedDB: true, serviceWorkers: true };
    for (const cookieStoreId of ['firefox-default', 'firefox-container-1', 'firefox-container-4']) {
      expect(t.browsingData.remove).toHaveBeenCalledWith({ hostnames: ['crm.example.test'], cookieStoreId }, dataTypes);
    }
    expect(t.browsingData.remove).toHaveBeenLastCalledWith({ hostnames: ['crm.example.test'] }, dataTypes);
    expect(result.removed.origins).toBe(1);
  });

  it('counts from what is gone afterwards, and reports a cookie that survived', async () => {
    const t = createTestBrowser({ stuck: ['sticky'] });
    t.addCookie({ name: 'sid', domain: 'crm.example.test' });
    t.addCookie({ name: 'sticky', domain: 'crm.example.test' });
    const result = await purgeOrigins(t.browser, [CRM], []);
    expect(result.removed.cookies).toBe(1);
    expect(result.errors).toEqual(['cookie sticky@crm.example.test is still there']);
  });

  it('also removes cookies the ledger says were injected on another domain', async () => {
    const t = createTestBrowser();
    t.addCookie({ name: 'sso', domain: '.example.test' });
    const ledger = [
      {
        appId: 'crm',
        origins: [CRM],
        cookies: [{ name: 'sso', domain: '.example.test', path: '/', secure: false }],
        localStorageKeys: [],
        injectedAt: '2026-01-01T00:00:00Z',
      },
    ];
    expect((await purgeOrigins(t.browser, [CRM], ledger)).removed.cookies).toBe(1);
    expect(t.jar).toEqual([]);
  });

  it('clears and reloads the app’s open tabs only', async () => {
    const t = createTestBrowser();
    const crm = await t.browser.tabs.create({ url: `${CRM}/deals` });
    await t.browser.tabs.create({ url: 'https://news.example.test/' });
    const result = await purgeOrigins(t.browser, [CRM], []);
    expect(result.removed.tabs).toBe(1);
    expect(t.scripting.executeScript).toHaveBeenCalledTimes(1);
    expect(t.scripting.executeScript).toHaveBeenCalledWith(expect.objectContaining({ target: { tabId: crm.id } }));
    expect(t.reload).toHaveBeenCalledWith(crm.id);
  });

  it('reloads an app tab only once its cookies are gone, and clears site data without waiting for them', async () => {
    const t = createTestBrowser();
    t.addCookie({ name: 'sid', domain: 'crm.example.test', httpOnly: true });
    const crm = await t.browser.tabs.create({ url: `${CRM}/deals` });
    const cookiesAt = (event: string) => `${event}: ${t.jar.filter((c) => c.domain === 'crm.example.test').length}`;
    const seen: string[] = [];
    t.reload.mockImplementation(() => {
      seen.push(cookiesAt('reload'));
      return Promise.resolve();
    });
    t.browsingData.remove.mockImplementation(() => {
      seen.push(cookiesAt('site data'));
      return Promise.resolve();
    });
    const result = await purgeOrigins(t.browser, [CRM], []);
    expect(result).toEqual({ removed: { cookies: 1, origins: 1, tabs: 1 }, errors: [] });
    expect(t.reload).toHaveBeenCalledWith(crm.id);
    // Site data started while the cookie was still there; the reload came after it was gone.
    expect(seen).toEqual(['site data: 1', 'reload: 0']);
  });
});
