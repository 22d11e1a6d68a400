/// <reference lib="dom" />
/// <reference types="chrome" />
import type { Worker } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allowInIncognito, launchWithExtension, type ExtensionBrowser } from '../support/browser.js';
import { crmCookieNames, enrollAndOpenCrm, eventually, receiptFor, startStack, type Stack } from '../support/stack.js';

/** An incognito window's cookies and open tabs, seen from the extension (Playwright does not attach to it). */
const incognito = {
  /** Opens a window in incognito and returns its tab and cookie store. */
  open: (worker: Worker, url: string) =>
    worker.evaluate(async (url) => {
      const window = await chrome.windows.create({ incognito: true, url });
      const tabId = window?.tabs?.[0]?.id;
      if (tabId === undefined) throw new Error('no incognito window: is the extension allowed in incognito?');
      // Loaded first: a reload issued before the first navigation commits leaves the tab unloaded.
      while ((await chrome.tabs.get(tabId)).status !== 'complete') await new Promise((r) => setTimeout(r, 50));
      const store = (await chrome.cookies.getAllCookieStores()).find((s) => s.tabIds.includes(tabId));
      if (!store) throw new Error('no cookie store for the incognito tab');
      return { tabId, storeId: store.id };
    }, url),
  cookieNames: (worker: Worker, storeId: string, domain: string) =>
    worker.evaluate(
      async ({ storeId, domain }) =>
        (await chrome.cookies.getAll({ storeId, domain, partitionKey: {} })).map((c) => c.name).sort(),
      { storeId, domain },
    ),
  /** The tab's status line and localStorage keys, read inside it. */
  page: (worker: Worker, tabId: number) =>
    worker.evaluate(async (tabId) => {
      const [result] = await chrome.scripting.executeScript({
        target: { tabId },
        func: () => ({
          status: document.querySelector('#status')?.textContent ?? null,
          storage: Object.keys(localStorage).sort(),
        }),
      });
      return result!.result as { status: string | null; storage: string[] };
    }, tabId),
};

describe('incognito, where the user allowed the extension there', () => {
  let stack: Stack;
  let browser: ExtensionBrowser;

  beforeAll(async () => {
    stack = await startStack();
    browser = await launchWithExtension();
    await allowInIncognito(browser);
  });
  afterAll(async () => {
    await browser.close();
    await stack.close();
  });

  it('a logout purges the app in the incognito window too, and leaves the unmanaged site there alone', async () => {
    const mia = stack.users.find((user) => user.id === 'u-mia')!;
    await enrollAndOpenCrm(browser, stack, mia);
    const worker = browser.worker;
    expect(await worker.evaluate(() => chrome.extension.isAllowedIncognitoAccess())).toBe(true);

    // Mia also signed in to CRM in an incognito window, and read the news there.
    const crmUrl = `http://crm.localhost:${stack.apps.port}/`;
    const newsUrl = `http://news.localhost:${stack.apps.port}/`;
    const tab = await incognito.open(worker, crmUrl);
    expect(tab.storeId).not.toBe('0');
    await worker.evaluate(
      async ({ storeId, crmUrl, newsUrl }) => {
        await chrome.cookies.set({
          storeId,
          url: crmUrl,
          name: 'crm_session',
          value: 'crm-shared-sales',
          httpOnly: true,
        });
        await chrome.cookies.set({ storeId, url: crmUrl, name: 'crm_pref', value: 'dark' });
        await chrome.cookies.set({ storeId, url: newsUrl, name: 'news_sid', value: 'n1' });
      },
      { storeId: tab.storeId, crmUrl, newsUrl },
    );
    await worker.evaluate((tabId) => chrome.tabs.reload(tabId), tab.tabId);
    await eventually(async () => {
      const page = await incognito.page(worker, tab.tabId).catch(() => undefined);
      return page?.status === 'Signed in as Demo Sales (shared)' && page.storage.length > 0 ? page : undefined;
    }, 'CRM signed in, in incognito');
    expect(await incognito.cookieNames(worker, tab.storeId, 'crm.localhost')).toEqual(['crm_pref', 'crm_session']);

    const { revocation } = await stack.server.revokeUser({
      workspaceId: 'demo',
      userId: 'u-mia',
      trigger: 'admin',
      actor: 'u-adam',
      reason: 'Browser test: incognito',
    });

    const delivery = await receiptFor(stack, revocation.id);
    expect(delivery.errors).toEqual([]);
    // Both windows' CRM cookies: the three injected in the regular one, the two set in incognito.
    expect(await incognito.cookieNames(worker, tab.storeId, 'crm.localhost')).toEqual([]);
    expect(await crmCookieNames(browser)).toEqual([]);
    expect(delivery.removed).toMatchObject({ cookies: 5, tabs: 2 });
    await eventually(async () => {
      const page = await incognito.page(worker, tab.tabId).catch(() => undefined);
      return page?.status === 'Signed out' && page.storage.length === 0 ? page : undefined;
    }, 'the incognito CRM tab Signed out, its localStorage cleared');
    // The unmanaged site's incognito cookie is still there.
    expect(await incognito.cookieNames(worker, tab.storeId, 'news.localhost')).toEqual(['news_sid']);
  });
});
