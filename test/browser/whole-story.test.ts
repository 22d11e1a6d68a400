/// <reference lib="dom" />
/// <reference types="chrome" />
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import {
  applyWorkspaceFile,
  createEmbeddedStore,
  createMemoryBus,
  parseWorkspaceFile,
  silentLogger,
  startServer,
  systemClock,
  type RunningServer,
  type Store,
} from '@universal-logout/server';
import { startDemoApps } from '../../scripts/demo/apps.js';
import { demoWorkspace, type DemoUser } from '../../scripts/demo/workspace.js';
import { launchWithExtension, type ExtensionBrowser } from '../support/browser.js';

/** Polls until `check` returns a value that is not undefined, or fails with the last value seen. */
async function eventually<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const statusOf = (page: Page) => page.locator('#status').textContent();

describe('the whole story in Chromium', () => {
  let apps: Awaited<ReturnType<typeof startDemoApps>>;
  let store: Store;
  let server: RunningServer;
  let browser: ExtensionBrowser;
  let users: DemoUser[];

  beforeAll(async () => {
    apps = await startDemoApps({ port: 0 });
    const demo = demoWorkspace(apps.port);
    users = demo.users;
    store = await createEmbeddedStore({ dataDir: await mkdtemp(join(tmpdir(), 'ul-browser-')) });
    await applyWorkspaceFile(store, parseWorkspaceFile(JSON.stringify(demo.file), 'demo'), systemClock);
    server = await startServer(
      { store, bus: createMemoryBus(), clock: systemClock, logger: silentLogger(), publicUrl: 'http://127.0.0.1' },
      { port: 0, host: '127.0.0.1' },
    );
    browser = await launchWithExtension();
  });
  afterAll(async () => {
    await browser.close();
    await server.close();
    await apps.close();
    await store.close();
  });

  it('enrolls, opens CRM signed in, and an admin logout purges it while the unmanaged site keeps its data', async () => {
    const mia = users.find((user) => user.id === 'u-mia')!;
    const popup = await browser.context.newPage();
    await popup.goto(`chrome-extension://${browser.extensionId}/popup.html`);
    await popup.getByLabel('Server URL').fill(server.url);
    await popup.getByLabel('Enrollment code').fill(mia.enrollmentCode);
    await popup.getByRole('button', { name: 'Enroll' }).click();
    const crmRow = popup.getByRole('listitem').filter({ hasText: 'CRM' });
    await crmRow.getByRole('button', { name: 'Open' }).waitFor();

    const [crm] = await Promise.all([
      browser.context.waitForEvent('page'),
      crmRow.getByRole('button', { name: 'Open' }).click(),
    ]);
    await eventually(
      async () => ((await statusOf(crm)) === 'Signed in as Demo Sales (shared)' ? true : undefined),
      'CRM signed in',
    );
    // The app's own data and the injected token, as a signed-in app keeps them.
    await eventually(
      async () =>
        (await crm.evaluate(() => localStorage.getItem('crm:token'))) === 'demo-crm-token' ? true : undefined,
      'the injected localStorage token',
    );
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

    const news = await browser.context.newPage();
    await news.goto(`http://news.localhost:${apps.port}/`);
    const newsCookies = await browser.context.cookies(`http://news.localhost:${apps.port}`);
    expect(newsCookies.map((c) => c.name).sort()).toEqual(['news_pref', 'news_sid']);

    const { revocation } = await server.revokeUser({
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
    await eventually(
      async () => ((await statusOf(crm).catch(() => null)) === 'Signed out' ? true : undefined),
      'CRM says Signed out',
    );
    await eventually(
      async () => ((await crm.evaluate(() => localStorage.length)) === 0 ? true : undefined),
      'CRM localStorage empty',
    );
    expect(await crm.evaluate(() => caches.has('crm-cache'))).toBe(false);
    expect(await crm.evaluate(async () => (await indexedDB.databases()).map((db) => db.name))).not.toContain('crm');
    const delivery = await eventually(async () => {
      const [first] = await store.listDeliveries('demo', revocation.id);
      return first?.enforcedAt ? first : undefined;
    }, 'the receipt');
    expect(delivery.errors).toEqual([]);
    expect(delivery.removed).toMatchObject({ cookies: 4, tabs: 1 });

    // The unmanaged site kept everything.
    expect((await browser.context.cookies(`http://news.localhost:${apps.port}`)).map((c) => c.name).sort()).toEqual([
      'news_pref',
      'news_sid',
    ]);
    expect(await news.evaluate(() => localStorage.getItem('news:seen'))).toBe('1');
    // The popup is back to enrollment: the device session is gone.
    await popup.reload();
    await popup.getByLabel('Enrollment code').waitFor();
  });
});
