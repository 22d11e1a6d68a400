/// <reference lib="dom" />
/// <reference types="chrome" />
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchWithExtension, type ExtensionBrowser } from '../support/browser.js';
import { enrollAndOpenCrm, eventually, receiptFor, startStack, statusOf, type Stack } from '../support/stack.js';

describe('the whole story in Chromium', () => {
  let stack: Stack;
  let browser: ExtensionBrowser;

  beforeAll(async () => {
    stack = await startStack();
    browser = await launchWithExtension();
  });
  afterAll(async () => {
    await browser.close();
    await stack.close();
  });

  it('enrolls, opens CRM signed in, and an admin logout purges it while the unmanaged site keeps its data', async () => {
    const mia = stack.users.find((user) => user.id === 'u-mia')!;
    const { popup, crm } = await enrollAndOpenCrm(browser, stack, mia);
    await eventually(
      async () => ((await crm.evaluate(() => caches.has('crm-cache'))) ? true : undefined),
      'CRM cache storage',
    );
    await eventually(
      async () =>
        (await crm.evaluate(async () => (await indexedDB.databases()).some((db) => db.name === 'crm')))
          ? true
          : undefined,
      'CRM IndexedDB',
    );
    // A widget embedded in CRM keeps a cookie partitioned under CRM's site: it goes with CRM.
    await browser.worker.evaluate(() =>
      chrome.cookies.set({
        url: 'https://widget.localhost/',
        name: 'widget_chips',
        value: 'w',
        secure: true,
        sameSite: 'no_restriction',
        partitionKey: { topLevelSite: 'http://crm.localhost' },
      }),
    );
    const allCookies = () =>
      browser.worker.evaluate(async () =>
        (await chrome.cookies.getAll({ partitionKey: {} })).map((c) => ({
          name: c.name,
          domain: c.domain,
          httpOnly: c.httpOnly,
          secure: c.secure,
          partitioned: c.partitionKey !== undefined,
        })),
      );
    expect((await allCookies()).filter((c) => c.domain.endsWith('crm.localhost') || c.name === 'widget_chips')).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'crm_session', httpOnly: true }),
        expect.objectContaining({ name: 'crm_csrf', secure: true }),
        expect.objectContaining({ name: 'crm_chips', partitioned: true }),
        expect.objectContaining({ name: 'widget_chips', partitioned: true }),
      ]),
    );

    const newsUrl = `http://news.localhost:${stack.apps.port}`;
    const news = await browser.context.newPage();
    await news.goto(`${newsUrl}/`);
    expect((await browser.context.cookies(newsUrl)).map((c) => c.name).sort()).toEqual(['news_pref', 'news_sid']);

    const { revocation } = await stack.server.revokeUser({
      workspaceId: 'demo',
      userId: 'u-mia',
      trigger: 'admin',
      actor: 'u-adam',
      reason: 'Browser test',
    });

    await eventually(
      async () =>
        (await allCookies()).every((c) => !c.domain.endsWith('crm.localhost') && c.name !== 'widget_chips')
          ? true
          : undefined,
      'every CRM cookie gone, partitioned ones and those partitioned under CRM too',
    );
    await eventually(async () => ((await statusOf(crm)) === 'Signed out' ? true : undefined), 'CRM says Signed out');
    await eventually(
      async () => ((await crm.evaluate(() => localStorage.length)) === 0 ? true : undefined),
      'CRM localStorage empty',
    );
    expect(await crm.evaluate(() => caches.has('crm-cache'))).toBe(false);
    expect(await crm.evaluate(async () => (await indexedDB.databases()).map((db) => db.name))).not.toContain('crm');
    const delivery = await receiptFor(stack, revocation.id);
    expect(delivery.errors).toEqual([]);
    expect(delivery.removed).toMatchObject({ cookies: 4, tabs: 1 });

    // The unmanaged site kept everything.
    expect((await browser.context.cookies(newsUrl)).map((c) => c.name).sort()).toEqual(['news_pref', 'news_sid']);
    expect(await news.evaluate(() => localStorage.getItem('news:seen'))).toBe('1');
    // The popup is back to enrollment: the device session is gone.
    await popup.reload();
    await popup.getByLabel('Enrollment code').waitFor();
  });
});
