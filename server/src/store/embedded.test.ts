import { mkdtemp, readFile, rm, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEmbeddedStore } from './embedded.js';
import { runStoreContract, userInput } from './store-contract.js';
import type { RevokeInput } from './types.js';

runStoreContract('embedded', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ul-store-'));
  const store = await createEmbeddedStore({ dataDir: dir });
  return {
    store,
    async dispose() {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

const oktaRevoke: RevokeInput = {
  workspaceId: 'acme',
  userId: 'u-a',
  trigger: 'okta',
  actor: 'okta',
  reason: 'r',
  origins: [],
  idempotencyKey: 'okta:jti',
  id: 'rev-1',
  at: 1e12 + 5,
};

describe('embedded store persistence', () => {
  it('loses nothing across a restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ul-store-'));
    const first = await createEmbeddedStore({ dataDir: dir });
    await first.upsertWorkspace({ id: 'acme', name: 'Acme', settings: {} });
    await first.upsertUser(userInput('acme', 'u-a'));
    await first.putEnrollmentCode({ codeHash: 'c', workspaceId: 'acme', userId: 'u-a', expiresAt: 2e12 });
    await first.enroll({ codeHash: 'c', now: 1e12, deviceId: 'd1', deviceName: 'x', tokenHash: 't' });
    const { revocation } = await first.revoke(oktaRevoke);
    // No close: a crash right after the acknowledgement.
    const second = await createEmbeddedStore({ dataDir: dir });
    expect(await second.getRevocation('acme', 'rev-1')).toEqual(revocation);
    expect((await second.getDeviceSession('acme', 'd1'))?.device.state).toBe('revoked');
    expect((await second.getUser('acme', 'u-a'))?.sessionEpoch).toBe(1);
    const retried = await second.revoke({ ...oktaRevoke, id: 'rev-2', at: 1e12 + 6 });
    expect(retried).toEqual({ revocation, created: false });
    // A used code stays used after restart, even when the workspace file offers it again.
    expect(
      await second.putEnrollmentCode(
        { codeHash: 'c', workspaceId: 'acme', userId: 'u-a', expiresAt: 2e12 },
        { ifNeverUsed: true },
      ),
    ).toBe(false);
    await second.close();
    await first.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('mints cursors after every one persisted, across a restart and a clock that went back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ul-store-'));
    const first = await createEmbeddedStore({ dataDir: dir });
    await first.upsertUser(userInput('acme', 'u-a'));
    const before = await first.revoke({ ...oktaRevoke, idempotencyKey: null, at: 1e12 + 100 });
    const audit = await first.appendAudit('acme', {
      at: new Date(1e12 + 100).toISOString(),
      actor: 'u-admin',
      action: 'test',
      userId: null,
      trigger: null,
      detail: {},
    });
    expect(audit.id).toBe(`${1e12 + 100}-3`);
    const second = await createEmbeddedStore({ dataDir: dir });
    const after = await second.revoke({ ...oktaRevoke, id: 'rev-2', idempotencyKey: null, at: 1e12 });
    expect(before.revocation.cursor).toBe(`${1e12 + 100}-0`);
    expect(after.revocation.cursor).toBe(`${1e12 + 100}-4`);
    const later = await second.revoke({ ...oktaRevoke, id: 'rev-3', idempotencyKey: null, at: 1e12 + 200 });
    expect(later.revocation.cursor).toBe(`${1e12 + 200}-0`);
    await second.close();
    await first.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('drops a torn last line left by a crash mid-write', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ul-store-'));
    const first = await createEmbeddedStore({ dataDir: dir });
    await first.upsertWorkspace({ id: 'acme', name: 'Acme', settings: {} });
    await first.close();
    await appendFile(join(dir, 'store.log'), '{"op":"workspace","workspace":{"id":"half');
    const second = await createEmbeddedStore({ dataDir: dir });
    expect(await second.getWorkspace('acme')).toMatchObject({ name: 'Acme' });
    await second.upsertWorkspace({ id: 'next', name: 'Next', settings: {} });
    await second.close();
    const lines = (await readFile(join(dir, 'store.log'), 'utf8')).trim().split('\n');
    expect(lines.map((line) => JSON.parse(line) as unknown)).toHaveLength(2);
    await rm(dir, { recursive: true, force: true });
  });
});
