import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTestContext, type TestContext } from './test-support.js';

let t: TestContext;
beforeEach(async () => {
  t = await createTestContext();
});
afterEach(async () => {
  await t.dispose();
});

describe('revokeUser', () => {
  const request = { workspaceId: 'acme', trigger: 'admin', actor: 'u-admin', reason: 'test' } as const;

  it('uses the record the caller has just read instead of reading the user again', async () => {
    const ana = await t.store.getUser('acme', 'u-ana');
    const reads = vi.spyOn(t.store, 'getUser');
    const { revocation } = await t.revokeUser({ ...request, userId: 'u-ana', known: ana! });
    expect(reads).not.toHaveBeenCalled();
    expect(revocation.userId).toBe('u-ana');
    expect(revocation.origins).toEqual(['http://crm.localhost:5173', 'http://wiki.localhost:5173']);
  });

  it('reads the user when the record given is another user’s', async () => {
    const ben = await t.store.getUser('acme', 'u-ben');
    const reads = vi.spyOn(t.store, 'getUser');
    const { revocation } = await t.revokeUser({ ...request, userId: 'u-ana', known: ben! });
    expect(reads).toHaveBeenCalledWith('acme', 'u-ana');
    expect(revocation.userId).toBe('u-ana');
    expect(revocation.origins).toEqual(['http://crm.localhost:5173', 'http://wiki.localhost:5173']);
  });

  it('uses the apps the caller has just read, and reads them when any belongs to another workspace', async () => {
    const apps = await t.store.listApps('acme');
    const reads = vi.spyOn(t.store, 'listApps');
    const crmOnly = apps.filter((app) => app.origins.some((origin) => origin.includes('crm')));
    const { revocation } = await t.revokeUser({ ...request, userId: 'u-ana', apps: crmOnly });
    expect(reads).not.toHaveBeenCalled();
    expect(revocation.origins).toEqual(['http://crm.localhost:5173']);
    const foreign = apps.map((app) => ({ ...app, workspaceId: 'globex' }));
    const again = await t.revokeUser({ ...request, userId: 'u-ana', apps: foreign });
    expect(reads).toHaveBeenCalledWith('acme');
    expect(again.revocation.origins).toEqual(['http://crm.localhost:5173', 'http://wiki.localhost:5173']);
  });

  it('leaves the bus alone when the store published the revocation itself', async () => {
    const revoke = t.store.revoke.bind(t.store);
    const spy = vi
      .spyOn(t.store, 'revoke')
      .mockImplementation(async (input) => ({ ...(await revoke(input)), published: true }));
    const publish = vi.spyOn(t.bus, 'publish');
    const { created } = await t.revokeUser({ ...request, userId: 'u-ana' });
    expect(created).toBe(true);
    expect(publish).not.toHaveBeenCalled();
    spy.mockRestore();
    await t.revokeUser({ ...request, userId: 'u-ben' });
    expect(publish).toHaveBeenCalledTimes(1);
  });

  it('answers ERR_NOT_FOUND for a user that does not exist, whatever record is given', async () => {
    const ana = await t.store.getUser('acme', 'u-ana');
    await expect(t.revokeUser({ ...request, userId: 'u-nobody', known: ana! })).rejects.toMatchObject({
      code: 'ERR_NOT_FOUND',
    });
  });
});
