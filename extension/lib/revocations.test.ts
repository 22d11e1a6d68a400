import { afterEach, describe, expect, it, vi } from 'vitest';
import { createApplier } from './revocations';
import { createState } from './state';
import { createTestBrowser } from './test-browser';

const session = {
  serverUrl: 'https://ul.example.test',
  token: 'ul1.acme.dev_1.secret',
  deviceId: 'dev_1',
  user: { id: 'u-ana', email: 'ana@acme.test', name: 'Ana', role: 'member' },
  workspace: { id: 'acme', name: 'Acme' },
};

const event = (id: string, cursor: string) => ({
  id,
  userId: 'u-ana',
  trigger: 'admin' as const,
  reason: 'incident',
  origins: ['https://crm.example.test'],
  createdAt: '2026-11-21T12:00:00.000Z',
  cursor,
});

afterEach(() => {
  vi.unstubAllGlobals();
});

function setup() {
  const t = createTestBrowser();
  const receipts: unknown[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn((url: string, init: RequestInit) => {
      if (url.endsWith('/v1/device/receipts')) receipts.push(JSON.parse(init.body as string));
      return Promise.resolve(new Response(JSON.stringify({ accepted: true }), { status: 202 }));
    }),
  );
  const state = createState(t.browser);
  const signedOut = vi.fn();
  return { t, state, receipts, signedOut, applier: createApplier(t.browser, state, signedOut) };
}

describe('applying revocations', () => {
  it('purges once per revocation id, reports a receipt, then signs the device out', async () => {
    const { t, state, receipts, signedOut, applier } = setup();
    await state.setSession(session);
    t.addCookie({ name: 'sid', domain: 'crm.example.test' });
    await applier.apply([event('rev_1', '10-0')]);
    await applier.apply([event('rev_1', '10-0')]);
    expect(receipts).toEqual([{ revocationId: 'rev_1', removed: { cookies: 1, origins: 1, tabs: 0 }, errors: [] }]);
    expect(t.jar).toEqual([]);
    expect(await state.session()).toBeUndefined();
    expect(await state.applied()).toEqual(['rev_1']);
    expect(signedOut).toHaveBeenCalledTimes(1);
    expect(t.notifications.create).toHaveBeenCalledTimes(1);
  });

  it('purges every app ever injected here, not only the revocation’s origins', async () => {
    const { t, state, applier } = setup();
    await state.setSession(session);
    await state.record({
      appId: 'wiki',
      origins: ['https://wiki.example.test'],
      cookies: [],
      localStorageKeys: [],
      injectedAt: 'x',
    });
    t.addCookie({ name: 'wiki_sid', domain: 'wiki.example.test' });
    await applier.apply([event('rev_2', '11-0')]);
    expect(t.jar).toEqual([]);
    expect(t.browsingData.remove).toHaveBeenCalledWith({ origins: ['https://wiki.example.test'] }, expect.anything());
  });

  it('fails closed: a dead session purges everything and signs out', async () => {
    const { t, state, signedOut, applier } = setup();
    await state.setSession(session);
    await state.record({
      appId: 'crm',
      origins: ['https://crm.example.test'],
      cookies: [],
      localStorageKeys: [],
      injectedAt: 'x',
    });
    t.addCookie({ name: 'sid', domain: 'crm.example.test' });
    vi.stubGlobal(
      'fetch',
      vi.fn(() =>
        Promise.resolve(
          new Response(JSON.stringify({ error: { code: 'ERR_UNAUTHENTICATED', message: 'x' } }), { status: 401 }),
        ),
      ),
    );
    await applier.purgeEverything('Your access was revoked');
    expect(t.jar).toEqual([]);
    expect(await state.session()).toBeUndefined();
    expect(signedOut).toHaveBeenCalled();
  });
});
