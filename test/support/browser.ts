import { mkdtemp } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Worker } from 'playwright-core';
import { eventually } from './wait.js';

export const CHROMIUM = '/usr/lib/chromium/chromium';
/**
 * The build `test/support/build-extension.ts` makes before the suite (`wxt build --mode test`): the
 * production build but for a 0.6 s safety-net poll instead of 30 s, so tests need not wait.
 */
/** The production build, what users load. */
export const PRODUCTION_EXTENSION_DIR = fileURLToPath(new URL('../../extension/.output/chrome-mv3/', import.meta.url));

export const EXTENSION_DIR = fileURLToPath(new URL('../../extension/.output/chrome-mv3-test/', import.meta.url));

export interface ExtensionBrowser {
  context: BrowserContext;
  extensionId: string;
  worker: Worker;
  profile: string;
  close(): Promise<void>;
}

/** Debian's Chromium with the built extension, headless, on a profile of its own (or the given one). */
export async function launchWithExtension(profile?: string, extensionDir = EXTENSION_DIR): Promise<ExtensionBrowser> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is required at ${CHROMIUM} (apt-get install chromium)`);
  const dir = profile ?? (await mkdtemp(join(tmpdir(), 'ul-chromium-')));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      `--disable-extensions-except=${extensionDir}`,
      `--load-extension=${extensionDir}`,
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
  const extensionId = new URL(worker.url()).host;
  return { context, extensionId, worker, profile: dir, close: () => context.close() };
}

/**
 * Allows the extension in incognito, as a user does on chrome://extensions ("Allow in Incognito"):
 * the setting is a protected profile preference, so it goes through the extensions page's own API
 * (developer mode first, or Chromium disables a command-line extension when it reloads it). The
 * extension reloads; the returned worker is the new one.
 */
export async function allowInIncognito(browser: ExtensionBrowser): Promise<Worker> {
  const page = await browser.context.newPage();
  await page.goto('chrome://extensions/');
  const before = new Set(browser.context.serviceWorkers());
  const started = browser.context.waitForEvent('serviceworker', { predicate: (w) => !before.has(w) });
  type Chrome = {
    chrome: {
      developerPrivate: {
        updateProfileConfiguration(update: { inDeveloperMode: boolean }): Promise<void>;
        updateExtensionConfiguration(update: { extensionId: string; incognitoAccess: boolean }): Promise<void>;
        getExtensionInfo(id: string): Promise<{ state: string; incognitoAccess: { isActive: boolean } }>;
      };
    };
  };
  await page.evaluate(async (extensionId) => {
    const api = (globalThis as unknown as Chrome).chrome.developerPrivate;
    await api.updateProfileConfiguration({ inDeveloperMode: true });
    await api.updateExtensionConfiguration({ extensionId, incognitoAccess: true });
  }, browser.extensionId);
  // The extension reloads with the new setting.
  await eventually(
    () =>
      page.evaluate(async (extensionId) => {
        const info = await (globalThis as unknown as Chrome).chrome.developerPrivate.getExtensionInfo(extensionId);
        return info.state === 'ENABLED' && info.incognitoAccess.isActive ? true : undefined;
      }, browser.extensionId),
    'the extension enabled again, allowed in incognito',
  );
  await page.close();
  const worker = await started;
  browser.worker = worker;
  return worker;
}
