import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError, compareCursor, START_CURSOR } from '@universal-logout/shared';
import type { RevokeInput, Store, UserInput } from './types.js';

export interface StoreHarness {
  store: Store;
  /** Closes the store and removes what it stored. */
  dispose(): Promise<void>;
}

let counter = 0;
const unique = (prefix: string) => `${prefix}${Date.now().toString(36)}${(counter++).toString(36)}`;

export function userInput(workspaceId: string, id: string, overrides: Partial<UserInput> = {}): UserInput {
  return {
    workspaceId,
    id,
    email: `${id}@example.test`,
    userName: `${id}@example.test`,
    name: id,
    givenName: null,
    familyName: null,
    role: 'member',
    status: 'active',
    externalId: null,
    apps: [],
    ...overrides,
  };
}

/** One behavioural contract, run against every Store implementation so they can never drift. */
export function runStoreContract(name: string, open: () => Promise<StoreHarness>): void {
  describe(`Store contract: ${name}`, () => {
    let harness: StoreHarness;
    let store: Store;
    let ws: string;
    let now: number;

    beforeEach(async () => {
      harness = await open();
      store = harness.store;
      ws = unique('ws');
      now = 1_800_000_000_000;
      await store.upsertWorkspace({ id: ws, name: 'Test', settings: { okta: { issuer: 'https://x' } } });
    });
    afterEach(async () => {
      await harness.dispose();
    });

    const revokeInput = (userId: string, overrides: Partial<RevokeInput> = {}): RevokeInput => ({
      workspaceId: ws,
      userId,
      trigger: 'admin',
      actor: 'u-admin',
      reason: 'test',
      origins: ['https://crm.example.test'],
      idempotencyKey: null,
      id: unique('rev'),
      at: (now += 10),
      ...overrides,
    });

    async function enrolledDevice(userId: string, deviceId = unique('dev')) {
      const codeHash = unique('code');
      await store.putEnrollmentCode({ codeHash, workspaceId: ws, userId, expiresAt: now + 60_000 });
      const result = await store.enroll({ codeHash, now, deviceId, deviceName: `Device ${deviceId}`, tokenHash: 'h' });
      if (!result.ok) throw new Error(`enroll failed: ${result.reason}`);
      return result.device;
    }

    it('round-trips a workspace with its settings', async () => {
      expect(await store.getWorkspace(ws)).toEqual({
        id: ws,
        name: 'Test',
        settings: { okta: { issuer: 'https://x' } },
      });
      expect(await store.getWorkspace(unique('missing'))).toBeNull();
    });

    it('hands out workspaces frozen: a read cannot change the store, an upsert shows in the next read', async () => {
      const first = await store.getWorkspace(ws);
      if (!first) throw new Error('no workspace');
      expect(Object.isFrozen(first) && Object.isFrozen(first.settings) && Object.isFrozen(first.settings.okta)).toBe(
        true,
      );
      expect(() => Object.assign(first.settings, { ssf: {} })).toThrow(TypeError);
      await store.upsertWorkspace({ ...first, settings: { ...first.settings, scim: { tokenHash: 'h' } } });
      expect(await store.getWorkspace(ws)).toEqual({
        id: ws,
        name: 'Test',
        settings: { okta: { issuer: 'https://x' }, scim: { tokenHash: 'h' } },
      });
      // The record written is the caller's no longer: changing it afterwards changes nothing stored.
      const written = { id: ws, name: 'Renamed', settings: { okta: { issuer: 'https://y' } } };
      await store.upsertWorkspace(written);
      written.settings.okta.issuer = 'https://changed-after';
      expect((await store.getWorkspace(ws))?.settings).toEqual({ okta: { issuer: 'https://y' } });
      expect(first.settings).toEqual({ okta: { issuer: 'https://x' } });
    });

    it('hands out copies of users and revocations: changing one changes nothing stored', async () => {
      await store.upsertUser(userInput(ws, 'u-a', { apps: ['crm'] }));
      const user = await store.getUser(ws, 'u-a');
      user?.apps.push('wiki');
      (await store.findUserByEmail(ws, 'u-a@example.test'))?.apps.push('news');
      (await store.listUsers(ws))[0]?.apps.push('mail');
      expect((await store.getUser(ws, 'u-a'))?.apps).toEqual(['crm']);
      const { revocation } = await store.revoke(revokeInput('u-a'));
      revocation.origins.push('https://evil.example.test');
      const read = await store.getRevocation(ws, revocation.id);
      read?.devices.push({ id: 'dev-x', name: 'X' });
      (await store.listRevocations(ws, { limit: 10 })).items[0]?.origins.pop();
      expect(await store.getRevocation(ws, revocation.id)).toMatchObject({
        origins: ['https://crm.example.test'],
        devices: [],
      });
    });

    it('creates, finds and lists users in creation order, keeping the epoch on update', async () => {
      await store.upsertUser(userInput(ws, 'u-b', { email: 'Bee@Example.test' }));
      await store.upsertUser(userInput(ws, 'u-a'));
      expect((await store.findUserByEmail(ws, 'bee@example.TEST'))?.id).toBe('u-b');
      expect((await store.listUsers(ws)).map((user) => user.id)).toEqual(['u-b', 'u-a']);
      await store.revoke(revokeInput('u-b'));
      const updated = await store.upsertUser(userInput(ws, 'u-b', { name: 'Bee', email: 'new@example.test' }));
      expect(updated.sessionEpoch).toBe(1);
      expect((await store.getUser(ws, 'u-b'))?.name).toBe('Bee');
      expect(await store.findUserByEmail(ws, 'bee@example.test')).toBeNull();
      expect((await store.findUserByEmail(ws, 'NEW@example.test'))?.id).toBe('u-b');
      expect((await store.listUsers(ws)).map((user) => user.id)).toEqual(['u-b', 'u-a']);
    });

    it('refuses an email that belongs to another user', async () => {
      await store.upsertUser(userInput(ws, 'u-a', { email: 'same@example.test' }));
      await expect(store.upsertUser(userInput(ws, 'u-b', { email: 'SAME@example.test' }))).rejects.toMatchObject({
        code: 'ERR_CONFLICT',
      });
      expect(await store.getUser(ws, 'u-b')).toBeNull();
    });

    it('keeps workspaces apart', async () => {
      const other = unique('ws');
      await store.upsertUser(userInput(ws, 'u-a', { name: 'Mine' }));
      await store.upsertUser(userInput(other, 'u-a', { name: 'Theirs' }));
      await store.revoke(revokeInput('u-a'));
      expect((await store.getUser(other, 'u-a'))?.sessionEpoch).toBe(0);
      expect((await store.getUser(ws, 'u-a'))?.name).toBe('Mine');
      expect((await store.listRevocations(other, { limit: 10 })).items).toEqual([]);
    });

    it('stores apps with their session bundles', async () => {
      const app = {
        workspaceId: ws,
        id: 'crm',
        name: 'CRM',
        origins: ['https://crm.example.test'],
        session: { cookies: [{ name: 'sid', value: 'v', httpOnly: true }], localStorage: { token: 't' } },
      };
      await store.upsertApp(app);
      await store.upsertApp({ ...app, id: 'wiki', name: 'Wiki' });
      expect(await store.listApps(ws)).toEqual([app, { ...app, id: 'wiki', name: 'Wiki' }]);
    });

    describe('enrollment', () => {
      beforeEach(async () => {
        await store.upsertUser(userInput(ws, 'u-a'));
      });

      it('consumes a code once and creates an active device at the current epoch', async () => {
        await store.revoke(revokeInput('u-a'));
        const codeHash = unique('code');
        await store.putEnrollmentCode({ codeHash, workspaceId: ws, userId: 'u-a', expiresAt: now + 1000 });
        const result = await store.enroll({ codeHash, now, deviceId: 'dev-1', deviceName: 'Laptop', tokenHash: 'th' });
        expect(result).toMatchObject({ ok: true, device: { id: 'dev-1', state: 'active', epoch: 1, tokenHash: 'th' } });
        const baseline = result.ok ? result.device.baseline : '';
        expect(baseline).toBe(await store.userCursor(ws, 'u-a'));
        expect(await store.enroll({ codeHash, now, deviceId: 'dev-2', deviceName: 'x', tokenHash: 'th' })).toEqual({
          ok: false,
          reason: 'invalid',
        });
        expect((await store.getDeviceSession(ws, 'dev-1'))?.user.id).toBe('u-a');
        expect(await store.getDeviceSession(ws, 'dev-2')).toBeNull();
      });

      it('refuses expired and unknown codes', async () => {
        const codeHash = unique('code');
        await store.putEnrollmentCode({ codeHash, workspaceId: ws, userId: 'u-a', expiresAt: now + 1000 });
        const input = { codeHash, now: now + 1000, deviceId: 'd', deviceName: 'x', tokenHash: 't' };
        expect(await store.enroll(input)).toEqual({ ok: false, reason: 'invalid' });
        expect(await store.enroll({ ...input, codeHash: unique('nope'), now })).toEqual({
          ok: false,
          reason: 'invalid',
        });
      });

      it('refuses a deactivated user without consuming the code', async () => {
        await store.upsertUser(userInput(ws, 'u-a', { status: 'deactivated' }));
        const codeHash = unique('code');
        await store.putEnrollmentCode({ codeHash, workspaceId: ws, userId: 'u-a', expiresAt: now + 1000 });
        const input = { codeHash, now, deviceId: 'd', deviceName: 'x', tokenHash: 't' };
        expect(await store.enroll(input)).toEqual({ ok: false, reason: 'deactivated' });
        await store.upsertUser(userInput(ws, 'u-a'));
        expect((await store.enroll(input)).ok).toBe(true);
      });

      it('does not bring a used code back when the workspace file is applied again', async () => {
        const codeHash = unique('code');
        const code = { codeHash, workspaceId: ws, userId: 'u-a', expiresAt: now + 1000 };
        expect(await store.putEnrollmentCode(code, { ifNeverUsed: true })).toBe(true);
        await store.enroll({ codeHash, now, deviceId: 'd', deviceName: 'x', tokenHash: 't' });
        expect(await store.putEnrollmentCode(code, { ifNeverUsed: true })).toBe(false);
        expect((await store.enroll({ codeHash, now, deviceId: 'd2', deviceName: 'x', tokenHash: 't' })).ok).toBe(false);
      });

      it('records last seen', async () => {
        const device = await enrolledDevice('u-a');
        await store.touchDevice(ws, device.id, now + 5000);
        expect((await store.getDeviceSession(ws, device.id))?.device.lastSeenAt).toBe(
          new Date(now + 5000).toISOString(),
        );
      });
    });

    describe('revoke', () => {
      beforeEach(async () => {
        await store.upsertUser(userInput(ws, 'u-a'));
        await store.upsertUser(userInput(ws, 'u-b'));
      });

      it('records the revocation, revokes every device, bumps the epoch, audits and notifies', async () => {
        const d1 = await enrolledDevice('u-a');
        const d2 = await enrolledDevice('u-a');
        const bystander = await enrolledDevice('u-b');
        const { revocation, created } = await store.revoke(revokeInput('u-a', { id: 'rev-1', reason: 'incident' }));
        expect(created).toBe(true);
        expect(revocation).toMatchObject({ id: 'rev-1', userId: 'u-a', trigger: 'admin', reason: 'incident' });
        expect(revocation.devices.map((device) => device.id).sort()).toEqual([d1.id, d2.id].sort());
        expect(await store.getRevocation(ws, 'rev-1')).toEqual(revocation);
        for (const id of [d1.id, d2.id]) expect((await store.getDeviceSession(ws, id))?.device.state).toBe('revoked');
        expect((await store.getDeviceSession(ws, bystander.id))?.device.state).toBe('active');
        expect((await store.getUser(ws, 'u-a'))?.sessionEpoch).toBe(1);
        expect((await store.getUser(ws, 'u-b'))?.sessionEpoch).toBe(0);
        const audit = await store.listAudit(ws, { limit: 10 });
        expect(audit.items.find((entry) => entry.action === 'user.logout')).toMatchObject({
          actor: 'u-admin',
          userId: 'u-a',
          trigger: 'admin',
          detail: { revocationId: 'rev-1' },
        });
        expect(await store.listNotifications(ws, 'u-admin', 10)).toMatchObject([
          { revocationId: 'rev-1', userId: 'u-a', trigger: 'admin', read: false },
        ]);
      });

      it('lists the devices it revoked in enrollment order, names as enrolled, and counts them in the audit', async () => {
        const names = ['Ana\'s "Work" Mac \\ C:/', 'Téléphone — ✓ 📱', '{"id":"x"}]'];
        const enrolled = [];
        for (const [index, name] of names.entries()) {
          const codeHash = unique('code');
          await store.putEnrollmentCode({ codeHash, workspaceId: ws, userId: 'u-a', expiresAt: now + 60_000 });
          const result = await store.enroll({
            codeHash,
            now: now + index,
            deviceId: `dev-${String(2 - index)}-${unique('d')}`,
            deviceName: name,
            tokenHash: 'h',
          });
          if (!result.ok) throw new Error(result.reason);
          enrolled.push(result.device);
        }
        const { revocation } = await store.revoke(revokeInput('u-a', { id: 'rev-named' }));
        const expected = enrolled.map((device) => ({ id: device.id, name: device.name }));
        expect(revocation.devices).toEqual(expected);
        expect((await store.getRevocation(ws, 'rev-named'))?.devices).toEqual(expected);
        expect((await store.listDevices(ws, 'u-a')).map((device) => device.id)).toEqual(expected.map((d) => d.id));
        const entry = (await store.listAudit(ws, { limit: 10 })).items.find((item) => item.action === 'user.logout');
        expect(entry?.detail).toEqual({ revocationId: 'rev-named', reason: 'test', devices: 3, origins: 1 });
      });

      it('returns the same revocation for the same idempotency key', async () => {
        const first = await store.revoke(revokeInput('u-a', { idempotencyKey: 'okta:jti-1' }));
        const again = await store.revoke(revokeInput('u-a', { idempotencyKey: 'okta:jti-1' }));
        expect(again).toEqual({ revocation: first.revocation, created: false });
        const other = await store.revoke(revokeInput('u-a', { idempotencyKey: 'okta:jti-2' }));
        expect(other.created).toBe(true);
        expect((await store.listRevocations(ws, { limit: 10 })).items).toHaveLength(2);
      });

      it('creates exactly one revocation under concurrent calls with one key', async () => {
        const results = await Promise.all(
          Array.from({ length: 10 }, () => store.revoke(revokeInput('u-a', { idempotencyKey: 'same' }))),
        );
        expect(results.filter((result) => result.created)).toHaveLength(1);
        expect(new Set(results.map((result) => result.revocation.id)).size).toBe(1);
        expect((await store.getUser(ws, 'u-a'))?.sessionEpoch).toBe(1);
      });

      it('lists a user’s events after a cursor, oldest first, with increasing cursors', async () => {
        expect(await store.userCursor(ws, 'u-a')).toBe(START_CURSOR);
        const ids: string[] = [];
        for (let i = 0; i < 5; i++) {
          ids.push((await store.revoke(revokeInput(i % 2 ? 'u-b' : 'u-a', { at: now }))).revocation.id);
        }
        const all = await store.listUserEvents(ws, 'u-a', START_CURSOR, 100);
        expect(all.events.map((event) => event.id)).toEqual([ids[0], ids[2], ids[4]]);
        expect(all.events[0]).toMatchObject({ userId: 'u-a', trigger: 'admin', origins: ['https://crm.example.test'] });
        expect(compareCursor(all.events[0]!.cursor, all.events[1]!.cursor)).toBeLessThan(0);
        expect(all.cursor).toBe(all.events[2]!.cursor);
        expect(await store.userCursor(ws, 'u-a')).toBe(all.cursor);
        const page = await store.listUserEvents(ws, 'u-a', all.events[0]!.cursor, 1);
        expect(page.events.map((event) => event.id)).toEqual([ids[2]]);
        const none = await store.listUserEvents(ws, 'u-a', all.cursor, 100);
        expect(none).toEqual({ events: [], cursor: all.cursor });
      });

      it('pages revocations newest first, for the workspace and for one user', async () => {
        const ids: string[] = [];
        for (let i = 0; i < 5; i++) ids.push((await store.revoke(revokeInput(i < 3 ? 'u-a' : 'u-b'))).revocation.id);
        const first = await store.listRevocations(ws, { limit: 2 });
        expect(first.items.map((rev) => rev.id)).toEqual([ids[4], ids[3]]);
        const second = await store.listRevocations(ws, { limit: 2, after: first.cursor! });
        expect(second.items.map((rev) => rev.id)).toEqual([ids[2], ids[1]]);
        const last = await store.listRevocations(ws, { limit: 2, after: second.cursor! });
        expect(last).toEqual({ items: [expect.objectContaining({ id: ids[0] })], cursor: null });
        const mine = await store.listRevocations(ws, { userId: 'u-a', limit: 10 });
        expect(mine.items.map((rev) => rev.id)).toEqual([ids[2], ids[1], ids[0]]);
        expect(mine.cursor).toBeNull();
      });

      it('tracks delivery and enforcement per device', async () => {
        const device = await enrolledDevice('u-a');
        const { revocation } = await store.revoke(revokeInput('u-a'));
        expect(await store.listDeliveries(ws, revocation.id)).toEqual([]);
        await store.markDelivered(ws, revocation.id, device.id, now + 1);
        await store.markDelivered(ws, revocation.id, device.id, now + 2);
        expect(await store.listDeliveries(ws, revocation.id)).toEqual([
          {
            deviceId: device.id,
            deliveredAt: new Date(now + 1).toISOString(),
            enforcedAt: null,
            removed: null,
            errors: [],
          },
        ]);
        const removed = { cookies: 3, origins: 1, tabs: 1 };
        await store.putReceipt(ws, revocation.id, device.id, { removed, errors: ['x'], at: now + 5 });
        expect(await store.listDeliveries(ws, revocation.id)).toEqual([
          {
            deviceId: device.id,
            deliveredAt: new Date(now + 1).toISOString(),
            enforcedAt: new Date(now + 5).toISOString(),
            removed,
            errors: ['x'],
          },
        ]);
      });
    });

    it('pages the audit log newest first', async () => {
      const at = new Date(now).toISOString();
      const entries = [];
      for (let i = 0; i < 3; i++) {
        entries.push(
          await store.appendAudit(ws, {
            at,
            actor: 'a',
            action: `act-${i}`,
            userId: null,
            trigger: null,
            detail: { i },
          }),
        );
      }
      const first = await store.listAudit(ws, { limit: 2 });
      expect(first.items.map((entry) => entry.action)).toEqual(['act-2', 'act-1']);
      expect(first.items[0]).toEqual(entries[2]);
      const rest = await store.listAudit(ws, { limit: 2, after: first.cursor! });
      expect(rest).toEqual({ items: [entries[0]], cursor: null });
    });

    it('marks notifications read per admin, only forwards', async () => {
      await store.upsertUser(userInput(ws, 'u-a'));
      await store.revoke(revokeInput('u-a'));
      await store.revoke(revokeInput('u-a'));
      const [newest, oldest] = await store.listNotifications(ws, 'admin-1', 10);
      await store.markNotificationsRead(ws, 'admin-1', oldest!.id);
      expect((await store.listNotifications(ws, 'admin-1', 10)).map((n) => n.read)).toEqual([false, true]);
      expect((await store.listNotifications(ws, 'admin-2', 10)).map((n) => n.read)).toEqual([false, false]);
      await store.markNotificationsRead(ws, 'admin-1', newest!.id);
      await store.markNotificationsRead(ws, 'admin-1', oldest!.id);
      expect((await store.listNotifications(ws, 'admin-1', 10)).map((n) => n.read)).toEqual([true, true]);
    });

    it('claims a key once, remembering its fingerprint until it expires', async () => {
      expect(await store.claimOnce(ws, 'okta:jti-1', 'subject-a', 60_000, now)).toBeNull();
      expect(await store.claimOnce(ws, 'okta:jti-1', 'subject-b', 60_000, now + 1)).toBe('subject-a');
      expect(await store.claimOnce(unique('ws'), 'okta:jti-1', 'subject-c', 60_000, now + 1)).toBeNull();
      const results = await Promise.all(
        ['x', 'y', 'z'].map((fingerprint) => store.claimOnce(ws, 'okta:jti-2', fingerprint, 60_000, now)),
      );
      expect(results.filter((result) => result === null)).toHaveLength(1);
    });

    it('answers ping while healthy', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it('throws AppErrors with stable codes', async () => {
      await store.upsertUser(userInput(ws, 'u-x', { email: 'dup@example.test' }));
      const error = await store
        .upsertUser(userInput(ws, 'u-y', { email: 'dup@example.test' }))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AppError);
    });
  });
}
