/// <reference lib="dom" />
/// <reference types="chrome" />
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchWithExtension, type ExtensionBrowser } from '../support/browser.js';
import { crmCookieNames, enrollAndOpenCrm, eventually, startStack, type Stack } from '../support/stack.js';

/**
 * `pnpm screenshots` sets this to refresh the pictures in docs/ from the same flow the test drives.
 * Unset in CI: the test never writes into the repository.
 */
const SHOTS = process.env.UL_SCREENSHOTS ? fileURLToPath(new URL('../../docs/screenshots/', import.meta.url)) : null;
const shot = async (page: Page, name: string) => {
  if (!SHOTS) return;
  await mkdir(SHOTS, { recursive: true });
  await page.screenshot({ path: `${SHOTS}${name}.png`, fullPage: true });
};

const badgeText = (browser: ExtensionBrowser) =>
  browser.context.serviceWorkers()[0]!.evaluate(() => chrome.action.getBadgeText({}));
const notificationIds = (browser: ExtensionBrowser) =>
  browser.context.serviceWorkers()[0]!.evaluate(async () => Object.keys(await chrome.notifications.getAll()));

/** Opens the admin view the way an admin does: the popup's Admin button. */
async function openAdminView(browser: ExtensionBrowser, popup: Page): Promise<Page> {
  const [admin] = await Promise.all([
    browser.context.waitForEvent('page', (page) => page.url().includes('/admin.html')),
    popup.getByRole('button', { name: 'Admin' }).click(),
  ]);
  await admin.setViewportSize({ width: 1180, height: 760 });
  await admin.getByLabel('Search users').waitFor();
  return admin;
}

const activeLabel = (page: Page) =>
  page.evaluate(() => {
    const active = document.activeElement;
    if (!active) return null;
    const id = active.id;
    const label = id ? document.querySelector(`label[for="${id}"]`)?.textContent : null;
    return label ?? active.textContent;
  });

describe('the admin experience in Chromium', () => {
  let stack: Stack;
  let adminBrowser: ExtensionBrowser;
  let userBrowser: ExtensionBrowser;
  let adminPopup: Page;
  /** Issued from the admin view, then used to enroll Noah's browser. */
  let noahCode = '';

  beforeAll(async () => {
    stack = await startStack();
    [adminBrowser, userBrowser] = await Promise.all([launchWithExtension(), launchWithExtension()]);
    const adam = stack.users.find((user) => user.id === 'u-adam')!;
    ({ popup: adminPopup } = await enrollAndOpenCrm(adminBrowser, stack, adam));
  });
  afterAll(async () => {
    await Promise.all([adminBrowser.close(), userBrowser.close()]);
    await stack.close();
  });

  it('a member has no admin view: no button, and the page itself refuses', async () => {
    const mia = stack.users.find((user) => user.id === 'u-mia')!;
    const { popup } = await enrollAndOpenCrm(userBrowser, stack, mia);
    await popup.reload();
    await popup.getByRole('button', { name: 'Log out everywhere' }).waitFor();
    expect(await popup.getByRole('button', { name: 'Admin' }).count()).toBe(0);
    const page = await userBrowser.context.newPage();
    await page.goto(`chrome-extension://${userBrowser.extensionId}/admin.html`);
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toBe('The admin view is for workspace owners, super admins and admins.');
    expect(await page.getByLabel('Search users').count()).toBe(0);
    await page.close();
  });

  it('searches, confirms by email, watches enforcement live, and the user’s browser is purged', async () => {
    expect(await crmCookieNames(userBrowser)).toContain('crm_session');
    const admin = await openAdminView(adminBrowser, adminPopup);

    await admin.getByLabel('Search users').fill('mia');
    const mia = admin.getByRole('listitem').filter({ hasText: 'mia@demo.test' });
    await expect.poll(() => admin.getByRole('list', { name: 'Users' }).getByRole('listitem').count()).toBe(1);
    await shot(admin, 'admin-search');

    // An admin may not act on an owner: the button is there, disabled, with the reason.
    await admin.getByLabel('Search users').fill('olivia');
    const olivia = admin.getByRole('listitem').filter({ hasText: 'olivia@demo.test' });
    await expect.poll(() => olivia.getByRole('button', { name: 'Log out everywhere' }).isDisabled()).toBe(true);
    expect(await olivia.textContent()).toContain('Only an owner or super admin can act on an owner.');

    await admin.getByLabel('Search users').fill('mia@');
    await mia.getByRole('button', { name: 'Log out everywhere' }).click();
    const dialog = admin.getByRole('dialog', { name: 'Log Mia Member out everywhere?' });
    await dialog.waitFor();
    const explanation = await dialog.textContent();
    expect(explanation).toContain('out of CRM and Wiki on 1 enrolled browser');
    // The user's detail beside the list: the device and the apps.
    const devices = admin.getByRole('table', { name: 'Devices' });
    expect(await devices.getByRole('row').count()).toBe(2);
    expect(await devices.textContent()).toContain('Signed in');

    // A wrong email fires nothing.
    await dialog.getByLabel('Reason').fill('Laptop stolen');
    await dialog.getByLabel('Confirm email').fill('noah@demo.test');
    await dialog.getByRole('button', { name: 'Confirm logout' }).click();
    await expect.poll(() => dialog.getByRole('alert').textContent()).toContain('The email does not match');
    expect((await stack.store.listRevocations('demo', { userId: 'u-mia', limit: 5 })).items).toEqual([]);

    await dialog.getByLabel('Confirm email').fill('mia@demo.test');
    expect(await dialog.getByRole('alert').textContent()).toBe('');
    await shot(admin, 'admin-confirm');
    await dialog.getByRole('button', { name: 'Confirm logout' }).click();
    await dialog.waitFor({ state: 'detached' });

    const watch = admin.getByRole('region', { name: 'Logout of Mia Member' });
    await expect
      .poll(() => watch.getByRole('status').textContent(), { timeout: 15_000 })
      .toBe('Enforced on every device (1 of 1).');
    const row = watch.getByRole('row').filter({ hasText: 'Chrome' });
    // CRM and Wiki: both of Mia's apps' sites are cleared, CRM's open tab reloaded.
    expect(await row.textContent()).toMatch(/[1-9]\d* cookies?, 2 sites, 1 tab$/);
    await shot(admin, 'admin-enforced');

    // The target's browser: the app's cookies are gone.
    await eventually(async () => ((await crmCookieNames(userBrowser)).length === 0 ? true : undefined), 'CRM purged');
    const [revocation] = (await stack.store.listRevocations('demo', { userId: 'u-mia', limit: 5 })).items;
    expect(revocation).toMatchObject({ trigger: 'admin', actor: 'u-adam', reason: 'Laptop stolen' });
  });

  it('every admin is notified, whatever the trigger: badge, browser notification, list marked read', async () => {
    const { revocation } = await stack.server.revokeUser({
      workspaceId: 'demo',
      userId: 'u-noah',
      trigger: 'okta',
      actor: 'https://demo.okta.com',
      reason: 'Okta Universal Logout',
    });
    await expect.poll(() => badgeText(adminBrowser), { timeout: 15_000 }).toBe('2');
    await expect
      .poll(() => notificationIds(adminBrowser))
      .toEqual(expect.arrayContaining([expect.stringMatching(/^ul-admin-/)]));

    const page = await adminBrowser.context.newPage();
    await page.goto(`chrome-extension://${adminBrowser.extensionId}/admin.html`);
    await page.getByRole('link', { name: /Notifications/ }).click();
    const list = page.getByRole('list', { name: 'Notifications' });
    await expect.poll(() => list.getByRole('listitem').count()).toBe(2);
    expect(await list.getByRole('listitem').first().textContent()).toContain('(okta): Okta Universal Logout');
    await expect.poll(() => badgeText(adminBrowser)).toBe('');
    const read = await fetch(`${stack.server.url}/v1/admin/notifications`, {
      headers: { authorization: `Bearer ${await adminToken(adminBrowser)}` },
    });
    expect(((await read.json()) as { unread: number }).unread).toBe(0);

    await list.getByRole('listitem').first().getByRole('button', { name: 'Show enforcement' }).click();
    await expect
      .poll(() => list.getByRole('region', { name: 'Enforcement' }).getByRole('status').textContent())
      .toMatch(/^Enforced on 0 of 1 device|^No enrolled device/);
    expect(revocation.trigger).toBe('okta');
    await page.close();
  });

  it('the audit log shows who, what, when, trigger and outcome, filtered and paged', async () => {
    const page = await adminBrowser.context.newPage();
    await page.goto(`chrome-extension://${adminBrowser.extensionId}/admin.html#audit`);
    const table = page.getByRole('table', { name: 'Audit log' });
    await expect.poll(() => table.textContent()).toContain('Logged out everywhere: Laptop stolen');
    const logout = table.getByRole('row').filter({ hasText: 'Logged out everywhere: Laptop stolen' });
    expect(await logout.textContent()).toContain('adam@demo.test');
    expect(await logout.textContent()).toContain('mia@demo.test');
    expect(await logout.textContent()).toContain('1 device revoked');
    expect(await table.textContent()).toContain('Logout enforced on a device');

    await page.getByLabel('Trigger').selectOption('okta');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => table.getByRole('row').count()).toBe(2);
    expect(await table.textContent()).toContain('Okta Universal Logout');

    await page.getByLabel('Trigger').selectOption('');
    await page.getByLabel('User').fill('mia@demo.test');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => table.textContent()).not.toContain('noah@demo.test');
    const rows = await table.getByRole('row').allTextContents();
    expect(rows.slice(1).every((text) => text.includes('mia@demo.test'))).toBe(true);

    // Paging: 30 more entries make more than one page of 25.
    for (let i = 0; i < 30; i++) {
      await stack.store.appendAudit('demo', {
        at: new Date().toISOString(),
        actor: 'u-olivia',
        action: 'enrollment-code.issued',
        userId: 'u-mia',
        trigger: null,
        detail: { expiresAt: new Date().toISOString() },
      });
    }
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toBe('Page 1: 25 entries');
    expect(await page.getByRole('button', { name: 'Newer entries' }).isDisabled()).toBe(true);
    const firstPage = await table.getByRole('row').allTextContents();
    await page.getByRole('button', { name: 'Older entries' }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toMatch(/^Page 2: \d+ entr/);
    const secondPage = await table.getByRole('row').allTextContents();
    const mias = (await stack.store.listAudit('demo', { limit: 200 })).items.filter((e) => e.userId === 'u-mia');
    expect(firstPage.length - 1 + secondPage.length - 1).toBe(mias.length);
    await page.getByRole('button', { name: 'Newer entries' }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toBe('Page 1: 25 entries');

    await page.getByLabel('User').fill('nobody@demo.test');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect
      .poll(() => page.getByRole('status').first().textContent())
      .toBe('No user has the email nobody@demo.test.');
    await page.close();
  });

  it('issues an enrollment code, shown once', async () => {
    const page = await adminBrowser.context.newPage();
    await page.goto(`chrome-extension://${adminBrowser.extensionId}/admin.html`);
    await page.getByLabel('Search users').fill('noah');
    const noah = page.getByRole('listitem').filter({ hasText: 'noah@demo.test' });
    await noah.getByRole('button', { name: 'Details' }).click();
    await page.getByRole('button', { name: 'Issue enrollment code' }).click();
    const code = await eventually(
      async () =>
        (await page
          .locator('.code')
          .textContent()
          .catch(() => null)) ?? undefined,
      'the code',
    );
    expect(code).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    noahCode = code;
    await page.close();
  });

  it('the same flow by keyboard alone, focus kept inside the dialog', async () => {
    expect(noahCode).not.toBe('');
    // Noah enrolls with the code the admin issued above.
    const noahUser = { ...stack.users.find((user) => user.id === 'u-noah')!, enrollmentCode: noahCode };
    const userPopup = await userBrowser.context.newPage();
    await enrollAndOpenCrm(userBrowser, stack, noahUser, userPopup);

    const page = await adminBrowser.context.newPage();
    await page.setViewportSize({ width: 1180, height: 760 });
    await page.goto(`chrome-extension://${adminBrowser.extensionId}/admin.html`);
    await expect.poll(() => activeLabel(page)).toBe('Search users');
    await page.keyboard.type('noah@');
    await expect.poll(() => page.getByRole('list', { name: 'Users' }).getByRole('listitem').count()).toBe(1);
    await page.keyboard.press('Tab');
    expect(await activeLabel(page)).toBe('Details');
    await page.keyboard.press('Tab');
    expect(await activeLabel(page)).toBe('Log out everywhere');
    await page.keyboard.press('Enter');
    await page.getByRole('dialog').waitFor();
    await expect.poll(() => activeLabel(page)).toBe('Reason');
    await page.keyboard.type('Offboarding');
    await page.keyboard.press('Tab');
    expect(await activeLabel(page)).toBe('Confirm email');
    await page.keyboard.type('noah@demo.test');
    await page.keyboard.press('Tab');
    expect(await activeLabel(page)).toBe('Cancel');
    await page.keyboard.press('Tab');
    expect(await activeLabel(page)).toBe('Confirm logout');
    // The trap: Tab from the last control comes back to the first, Shift+Tab goes round the other way.
    await page.keyboard.press('Tab');
    expect(await activeLabel(page)).toBe('Reason');
    await page.keyboard.press('Shift+Tab');
    expect(await activeLabel(page)).toBe('Confirm logout');
    await page.keyboard.press('Enter');
    await page.getByRole('dialog').waitFor({ state: 'detached' });

    const watch = page.getByRole('region', { name: 'Logout of Noah Member' });
    await expect
      .poll(() => watch.getByRole('status').textContent(), { timeout: 15_000 })
      .toMatch(/^Enforced on every device \((\d) of \1\)\.$/);
    await eventually(async () => ((await crmCookieNames(userBrowser)).length === 0 ? true : undefined), 'CRM purged');
    // Escape closes the dialog without firing anything, and focus returns to the button that opened it.
    const before = (await stack.store.listRevocations('demo', { limit: 50 })).items.length;
    await page.getByLabel('Search users').focus();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByRole('dialog').waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    await expect.poll(() => activeLabel(page)).toBe('Log out everywhere');
    expect((await stack.store.listRevocations('demo', { limit: 50 })).items).toHaveLength(before);
  });
});

async function adminToken(browser: ExtensionBrowser): Promise<string> {
  return browser.context
    .serviceWorkers()[0]!
    .evaluate(async () => ((await chrome.storage.local.get('session')).session as { token: string }).token);
}
