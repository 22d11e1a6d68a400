import { describe, expect, it } from 'vitest';
import { waitForLoad } from './inject';
import type { Browser } from './types';

type Tab = { status?: string | undefined; url?: string | undefined };
type Listener = (id: number, info: { status?: string | undefined }, tab: Tab) => void;

/** Just the tabs API waitForLoad uses: a tab whose state the test sets, and its update events. */
function fakeTabs(initial: Tab) {
  const listeners = new Set<Listener>();
  let current = initial;
  const tabs = {
    get: () => Promise.resolve(current),
    onUpdated: {
      addListener: (listener: Listener) => listeners.add(listener),
      removeListener: (listener: Listener) => listeners.delete(listener),
    },
  };
  return {
    browser: { tabs } as unknown as Pick<Browser, 'tabs'>,
    listeners,
    update(id: number, tab: Tab) {
      current = tab;
      for (const listener of [...listeners]) listener(id, { status: tab.status }, tab);
    },
  };
}

const ORIGIN = 'http://crm.localhost:5173';
const settled = (promise: Promise<void>) =>
  Promise.race([promise.then(() => 'loaded'), new Promise((resolve) => setTimeout(() => resolve('waiting'), 50))]);

describe('waitForLoad', () => {
  it('resolves when the tab had loaded before the listener was added (no event ever comes)', async () => {
    const tabs = fakeTabs({ status: 'complete', url: `${ORIGIN}/` });
    await expect(settled(waitForLoad(tabs.browser, 7, ORIGIN))).resolves.toBe('loaded');
    expect(tabs.listeners.size).toBe(0);
  });

  it('waits for the tab’s own complete event on the app’s origin', async () => {
    const tabs = fakeTabs({ status: 'loading' });
    const waiting = waitForLoad(tabs.browser, 7, ORIGIN);
    expect(await settled(waiting)).toBe('waiting');
    tabs.update(8, { status: 'complete', url: `${ORIGIN}/` });
    tabs.update(7, { status: 'complete', url: 'about:blank' });
    expect(await settled(waiting)).toBe('waiting');
    tabs.update(7, { status: 'complete', url: `${ORIGIN}/home` });
    expect(await settled(waiting)).toBe('loaded');
    expect(tabs.listeners.size).toBe(0);
  });

  it('fails with a clear error when the tab never loads', async () => {
    const tabs = fakeTabs({ status: 'loading' });
    await expect(waitForLoad(tabs.browser, 7, ORIGIN, 20)).rejects.toThrow(/did not load within/);
    expect(tabs.listeners.size).toBe(0);
  });
});
