/// <reference lib="dom" />
/// <reference types="chrome" />
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import {
  applyWorkspaceFile,
  createEmbeddedStore,
  createMemoryBus,
  parseWorkspaceFile,
  silentLogger,
  startServer,
  systemClock,
  type Deps,
  type RunningServer,
  type Store,
} from '@universal-logout/server';
import { startDemoApps } from '../../scripts/demo/apps.js';
import { demoWorkspace, type DemoUser } from '../../scripts/demo/workspace.js';
import type { ExtensionBrowser } from './browser.js';
import { eventually } from './wait.js';

export { eventually };

export interface Stack {
  apps: Awaited<ReturnType<typeof startDemoApps>>;
  store: Store;
  deps: Deps;
  server: RunningServer;
  users: DemoUser[];
  /** Stops the HTTP server (devices go offline) and starts it again on the same port. */
  restartServer(): Promise<void>;
  stopServer(): Promise<void>;
  startServerAgain(): Promise<void>;
  close(): Promise<void>;
}

/** The server on the embedded store with the demo workspace, and the demo apps. */
export async function startStack(): Promise<Stack> {
  const apps = await startDemoApps({ port: 0 });
  const demo = demoWorkspace(apps.port);
  const store = await createEmbeddedStore({ dataDir: await mkdtemp(join(tmpdir(), 'ul-browser-')) });
  await applyWorkspaceFile(store, parseWorkspaceFile(JSON.stringify(demo.file), 'demo'), systemClock);
  const deps: Deps = {
    store,
    bus: createMemoryBus(),
    clock: systemClock,
    logger: silentLogger(),
    publicUrl: 'http://127.0.0.1',
  };
  const stack: Stack = {
    apps,
    store,
    deps,
    server: await startServer(deps, { port: 0, host: '127.0.0.1' }),
    users: demo.users,
    async stopServer() {
      await stack.server.close();
    },
    async startServerAgain() {
      stack.server = await startServer(deps, { port: stack.server.port, host: '127.0.0.1' });
    },
    async restartServer() {
      await stack.stopServer();
      await stack.startServerAgain();
    },
    async close() {
      await stack.server.close().catch(() => undefined);
      await apps.close();
      await store.close();
    },
  };
  return stack;
}

export const statusOf = (page: Page) => page.locator('#status').textContent();

/** Enrolls through the popup by its accessible names and opens CRM; returns the popup and CRM pages. */
export async function enrollAndOpenCrm(
  browser: ExtensionBrowser,
  stack: Stack,
  user: DemoUser,
  existingPopup?: Page,
): Promise<{ popup: Page; crm: Page }> {
  const popup = existingPopup ?? (await browser.context.newPage());
  await popup.goto(`chrome-extension://${browser.extensionId}/popup.html`);
  await popup.getByLabel('Server URL').fill(stack.server.url);
  await popup.getByLabel('Enrollment code').fill(user.enrollmentCode);
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
  await eventually(
    async () => ((await crm.evaluate(() => localStorage.getItem('crm:token'))) === 'demo-crm-token' ? true : undefined),
    'the injected localStorage token',
  );
  return { popup, crm };
}

/** CRM's cookies as the extension sees them (HttpOnly and partitioned ones too). */
export async function crmCookieNames(browser: ExtensionBrowser): Promise<string[]> {
  // The worker may have been stopped and started again since launch: ask the current one.
  const worker = browser.context.serviceWorkers()[0] ?? (await browser.context.waitForEvent('serviceworker'));
  return worker.evaluate(async () =>
    (await chrome.cookies.getAll({ partitionKey: {} }))
      .filter((c) => c.domain.endsWith('crm.localhost'))
      .map((c) => c.name),
  );
}

/** Waits for the device's receipt for a revocation and returns it. */
export function receiptFor(stack: Stack, revocationId: string) {
  return eventually(async () => {
    const [first] = await stack.store.listDeliveries('demo', revocationId);
    return first?.enforcedAt ? first : undefined;
  }, 'the receipt');
}
