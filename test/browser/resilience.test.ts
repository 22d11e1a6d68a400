/// <reference lib="dom" />
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { launchWithExtension, type ExtensionBrowser } from '../support/browser.js';
import { crmCookieNames, enrollAndOpenCrm, eventually, receiptFor, startStack, type Stack } from '../support/stack.js';

const CRM_COOKIES = ['crm_chips', 'crm_csrf', 'crm_session'];

describe('a revocation reaches the browser whatever state it is in', () => {
  let stack: Stack;
  let browser: ExtensionBrowser;

  beforeEach(async () => {
    stack = await startStack();
    browser = await launchWithExtension();
  });
  afterEach(async () => {
    await browser.close();
    await stack.close();
  });

  const mia = () => stack.users.find((user) => user.id === 'u-mia')!;
  const revokeMia = () =>
    stack.server.revokeUser({
      workspaceId: 'demo',
      userId: 'u-mia',
      trigger: 'admin',
      actor: 'u-adam',
      reason: 'Resilience test',
    });
  const crmGone = () =>
    eventually(async () => ((await crmCookieNames(browser)).length === 0 ? true : undefined), 'CRM cookies gone');

  it('wakes a stopped service worker, which purges', async () => {
    const { popup } = await enrollAndOpenCrm(browser, stack, mia());
    expect((await crmCookieNames(browser)).sort()).toEqual(CRM_COOKIES);
    const cdp = await browser.context.newCDPSession(popup);
    await cdp.send('ServiceWorker.enable');
    await cdp.send('ServiceWorker.stopAllWorkers');
    // Stopped: its WebSocket is gone, so the revocation below cannot arrive over it.
    await eventually(
      () => Promise.resolve(stack.server.hub.connections === 0 ? true : undefined),
      'the worker to stop',
    );
    const { revocation } = await revokeMia();
    expect((await receiptFor(stack, revocation.id)).removed).toMatchObject({ cookies: 3 });
    await crmGone();
  });

  it('purges at start when the browser was closed during the revocation', async () => {
    const { crm } = await enrollAndOpenCrm(browser, stack, mia());
    await crm.close();
    const profile = browser.profile;
    await browser.close();
    const { revocation } = await revokeMia();
    browser = await launchWithExtension(profile);
    expect((await receiptFor(stack, revocation.id)).removed).toMatchObject({ cookies: 3 });
    await crmGone();
    const page = await browser.context.newPage();
    await page.goto(`http://crm.localhost:${stack.apps.port}/`);
    expect(await page.locator('#status').textContent()).toBe('Signed out');
    expect(await page.evaluate(() => localStorage.getItem('crm:token'))).toBeNull();
  });

  it('purges on the next contact when the device was offline at the revocation', async () => {
    await enrollAndOpenCrm(browser, stack, mia());
    await stack.stopServer();
    const { revocation } = await revokeMia();
    // Offline, it cannot know yet: the session is still in place.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await crmCookieNames(browser)).sort()).toEqual(CRM_COOKIES);
    await stack.startServerAgain();
    expect((await receiptFor(stack, revocation.id)).removed).toMatchObject({ cookies: 3 });
    await crmGone();
  });
});
