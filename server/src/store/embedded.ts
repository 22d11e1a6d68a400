import { AppError, compareCursor, START_CURSOR, type AuditEntry } from '@universal-logout/shared';
import { openAppendLog } from './append-log.js';
import {
  buildRevocationSideEntries,
  copyRevocation,
  copyUser,
  freezeWorkspace,
  IDEMPOTENCY_TTL_MS,
  newestFirstPage,
  notificationFor,
  type NotificationRecord,
} from './shared-logic.js';
import type { App, AuditInput, Delivery, Device, EnrollmentCode, Revocation, Store, User, Workspace } from './types.js';

type LogRecord =
  | { op: 'workspace'; workspace: Workspace }
  | { op: 'user'; user: User }
  | { op: 'app'; app: App }
  | { op: 'code'; code: EnrollmentCode }
  | { op: 'enroll'; codeHash: string; device: Device }
  | { op: 'touch'; workspaceId: string; deviceId: string; at: string }
  | {
      op: 'revoke';
      revocation: Revocation;
      idempotencyKey: string | null;
      idempotencyExpiresAt: number;
      audit: AuditEntry;
      notification: NotificationRecord;
    }
  | { op: 'delivered'; workspaceId: string; revocationId: string; deviceId: string; at: string }
  | {
      op: 'receipt';
      workspaceId: string;
      revocationId: string;
      deviceId: string;
      removed: NonNullable<Delivery['removed']>;
      errors: string[];
      at: string;
    }
  | { op: 'audit'; workspaceId: string; entry: AuditEntry }
  | { op: 'claim'; workspaceId: string; key: string; fingerprint: string; expiresAt: number }
  | { op: 'notifications-read'; workspaceId: string; adminId: string; upTo: string };

const key = (a: string, b: string) => `${a}\u0000${b}`;

function getOrCreate<K, V>(map: Map<K, V>, k: K, create: () => V): V {
  let value = map.get(k);
  if (value === undefined) {
    value = create();
    map.set(k, value);
  }
  return value;
}

/** In-memory state rebuilt from the log at start and kept in step with it. */
class State {
  workspaces = new Map<string, Workspace>();
  users = new Map<string, Map<string, User>>();
  emails = new Map<string, string>();
  apps = new Map<string, Map<string, App>>();
  codes = new Map<string, EnrollmentCode>();
  usedCodes = new Set<string>();
  devices = new Map<string, Map<string, Device>>();
  userDevices = new Map<string, Set<string>>();
  revocations = new Map<string, Map<string, Revocation>>();
  workspaceRevocations = new Map<string, Revocation[]>();
  userRevocations = new Map<string, Revocation[]>();
  idempotency = new Map<string, { revocationId: string; expiresAt: number }>();
  deliveries = new Map<string, Map<string, Delivery>>();
  audit = new Map<string, AuditEntry[]>();
  notifications = new Map<string, NotificationRecord[]>();
  notificationsRead = new Map<string, string>();
  claims = new Map<string, { fingerprint: string; expiresAt: number }>();
  // The newest cursor seen so far, as numbers: every cursor here was minted by mintCursor from
  // a millisecond clock and a sequence, far inside Number's exact range.
  lastMs = 0;
  lastSeq = 0;

  apply(record: LogRecord): void {
    switch (record.op) {
      case 'workspace':
        // Never changed in place: handed to readers as it is (frozen).
        this.workspaces.set(record.workspace.id, freezeWorkspace(structuredClone(record.workspace)));
        return;
      case 'user': {
        const { user } = record;
        const users = getOrCreate(this.users, user.workspaceId, () => new Map<string, User>());
        const previous = users.get(user.id);
        if (previous) this.emails.delete(key(user.workspaceId, previous.email.toLowerCase()));
        users.set(user.id, user);
        this.emails.set(key(user.workspaceId, user.email.toLowerCase()), user.id);
        return;
      }
      case 'app':
        getOrCreate(this.apps, record.app.workspaceId, () => new Map()).set(record.app.id, record.app);
        return;
      case 'code':
        this.codes.set(record.code.codeHash, record.code);
        return;
      case 'enroll': {
        const { device } = record;
        this.codes.delete(record.codeHash);
        this.usedCodes.add(record.codeHash);
        getOrCreate(this.devices, device.workspaceId, () => new Map()).set(device.id, device);
        getOrCreate(this.userDevices, key(device.workspaceId, device.userId), () => new Set()).add(device.id);
        return;
      }
      case 'touch': {
        const device = this.devices.get(record.workspaceId)?.get(record.deviceId);
        if (device) device.lastSeenAt = record.at;
        return;
      }
      case 'revoke': {
        const { revocation: rev } = record;
        getOrCreate(this.revocations, rev.workspaceId, () => new Map()).set(rev.id, rev);
        getOrCreate(this.workspaceRevocations, rev.workspaceId, () => []).push(rev);
        getOrCreate(this.userRevocations, key(rev.workspaceId, rev.userId), () => []).push(rev);
        if (record.idempotencyKey) {
          this.idempotency.set(key(rev.workspaceId, record.idempotencyKey), {
            revocationId: rev.id,
            expiresAt: record.idempotencyExpiresAt,
          });
        }
        const user = this.users.get(rev.workspaceId)?.get(rev.userId);
        if (user) user.sessionEpoch += 1;
        for (const deviceId of this.userDevices.get(key(rev.workspaceId, rev.userId)) ?? []) {
          const device = this.devices.get(rev.workspaceId)?.get(deviceId);
          if (device) device.state = 'revoked';
        }
        getOrCreate(this.audit, rev.workspaceId, () => []).push(record.audit);
        getOrCreate(this.notifications, rev.workspaceId, () => []).push(record.notification);
        this.advance(rev.cursor);
        this.advance(record.audit.id);
        this.advance(record.notification.id);
        return;
      }
      case 'delivered': {
        const delivery = this.delivery(record.workspaceId, record.revocationId, record.deviceId);
        delivery.deliveredAt ??= record.at;
        return;
      }
      case 'receipt': {
        const delivery = this.delivery(record.workspaceId, record.revocationId, record.deviceId);
        delivery.deliveredAt ??= record.at;
        delivery.enforcedAt ??= record.at;
        delivery.removed = record.removed;
        delivery.errors = record.errors;
        return;
      }
      case 'audit':
        getOrCreate(this.audit, record.workspaceId, () => []).push(record.entry);
        this.advance(record.entry.id);
        return;
      case 'notifications-read':
        this.notificationsRead.set(key(record.workspaceId, record.adminId), record.upTo);
        return;
      case 'claim':
        this.claims.set(key(record.workspaceId, record.key), {
          fingerprint: record.fingerprint,
          expiresAt: record.expiresAt,
        });
        return;
    }
  }

  delivery(workspaceId: string, revocationId: string, deviceId: string): Delivery {
    const byDevice = getOrCreate(this.deliveries, key(workspaceId, revocationId), () => new Map<string, Delivery>());
    return getOrCreate(byDevice, deviceId, () => ({
      deviceId,
      deliveredAt: null,
      enforcedAt: null,
      removed: null,
      errors: [],
    }));
  }

  advance(cursor: string): void {
    const dash = cursor.indexOf('-');
    const ms = Number(cursor.slice(0, dash));
    const seq = Number(cursor.slice(dash + 1));
    if (ms > this.lastMs || (ms === this.lastMs && seq > this.lastSeq)) {
      this.lastMs = ms;
      this.lastSeq = seq;
    }
  }

  /** Mints a cursor after every cursor seen so far, shaped like a Redis stream id. */
  mintCursor(now: number): string {
    if (now > this.lastMs) {
      this.lastMs = now;
      this.lastSeq = 0;
    } else {
      this.lastSeq += 1;
    }
    return `${this.lastMs}-${this.lastSeq}`;
  }
}

const clone = <T>(value: T): T => structuredClone(value);
const copyOf = <T>(value: T | undefined, copy: (value: T) => T): T | null => (value === undefined ? null : copy(value));

/**
 * The default store: all state in memory, every change appended to `<dataDir>/store.log` and
 * synced before the call resolves, replayed at start. One server process per data directory.
 */
export async function createEmbeddedStore(options: { dataDir: string }): Promise<Store> {
  const { log, records } = await openAppendLog(options.dataDir);
  const state = new State();
  for (const record of records) state.apply(record as LogRecord);
  let failure: unknown = null;

  async function commit(record: LogRecord): Promise<void> {
    if (failure) throw unavailable(failure);
    state.apply(record);
    try {
      await log.append(record);
    } catch (error) {
      failure = error;
      throw unavailable(error);
    }
  }

  const usersOf = (workspaceId: string) => state.users.get(workspaceId) ?? new Map<string, User>();

  return {
    kind: 'embedded',
    ping() {
      return failure ? Promise.reject(unavailable(failure)) : Promise.resolve();
    },
    close: () => log.close(),

    async upsertWorkspace(workspace) {
      await commit({ op: 'workspace', workspace });
    },
    getWorkspace: (id) => Promise.resolve(state.workspaces.get(id) ?? null),

    async upsertUser(input) {
      const previous = usersOf(input.workspaceId).get(input.id);
      const other = state.emails.get(key(input.workspaceId, input.email.toLowerCase()));
      if (other !== undefined && other !== input.id) {
        throw new AppError('ERR_CONFLICT', `email ${input.email} belongs to another user`);
      }
      const user: User = { ...clone(input), sessionEpoch: previous?.sessionEpoch ?? 0 };
      await commit({ op: 'user', user });
      return copyUser(user);
    },
    getUser: (workspaceId, id) => Promise.resolve(copyOf(usersOf(workspaceId).get(id), copyUser)),
    findUserByEmail(workspaceId, email) {
      const id = state.emails.get(key(workspaceId, email.toLowerCase()));
      return Promise.resolve(id === undefined ? null : copyOf(usersOf(workspaceId).get(id), copyUser));
    },
    listUsers: (workspaceId) => Promise.resolve([...usersOf(workspaceId).values()].map(copyUser)),

    async upsertApp(app) {
      await commit({ op: 'app', app: clone(app) });
    },
    listApps: (workspaceId) => Promise.resolve(clone([...(state.apps.get(workspaceId)?.values() ?? [])])),

    async putEnrollmentCode(code, opts) {
      if (opts?.ifNeverUsed && state.usedCodes.has(code.codeHash)) return false;
      await commit({ op: 'code', code: clone(code) });
      return true;
    },
    async enroll(input) {
      const code = state.codes.get(input.codeHash);
      if (!code || code.expiresAt <= input.now || state.usedCodes.has(input.codeHash)) {
        return { ok: false, reason: 'invalid' };
      }
      const user = usersOf(code.workspaceId).get(code.userId);
      if (!user) return { ok: false, reason: 'invalid' };
      if (user.status !== 'active') return { ok: false, reason: 'deactivated' };
      const baseline = state.userRevocations.get(key(code.workspaceId, code.userId))?.at(-1)?.cursor ?? START_CURSOR;
      const device: Device = {
        workspaceId: code.workspaceId,
        id: input.deviceId,
        userId: code.userId,
        name: input.deviceName,
        createdAt: new Date(input.now).toISOString(),
        lastSeenAt: new Date(input.now).toISOString(),
        state: 'active',
        epoch: user.sessionEpoch,
        baseline,
        tokenHash: input.tokenHash,
      };
      await commit({ op: 'enroll', codeHash: input.codeHash, device });
      return { ok: true, device: { ...device }, user: copyUser(user) };
    },

    getDeviceSession(workspaceId, deviceId) {
      const device = state.devices.get(workspaceId)?.get(deviceId);
      const user = device && usersOf(workspaceId).get(device.userId);
      // Every request reads this: shallow copies (both records are flat but for `apps`).
      return Promise.resolve(device && user ? { device: { ...device }, user: copyUser(user) } : null);
    },
    listDevices(workspaceId, userId) {
      const ids = state.userDevices.get(key(workspaceId, userId)) ?? [];
      const devices = state.devices.get(workspaceId);
      return Promise.resolve(clone([...ids].flatMap((id) => devices?.get(id) ?? [])));
    },
    async touchDevice(workspaceId, deviceId, at) {
      await commit({ op: 'touch', workspaceId, deviceId, at: new Date(at).toISOString() });
    },

    async revoke(input) {
      if (input.idempotencyKey) {
        const seen = state.idempotency.get(key(input.workspaceId, input.idempotencyKey));
        const existing =
          seen && seen.expiresAt > input.at && state.revocations.get(input.workspaceId)?.get(seen.revocationId);
        if (existing) return { revocation: copyRevocation(existing), created: false };
      }
      const devices = [...(state.userDevices.get(key(input.workspaceId, input.userId)) ?? [])].flatMap(
        (id) => state.devices.get(input.workspaceId)?.get(id) ?? [],
      );
      const revocation: Revocation = {
        workspaceId: input.workspaceId,
        id: input.id,
        userId: input.userId,
        trigger: input.trigger,
        actor: input.actor,
        reason: input.reason,
        origins: [...input.origins],
        createdAt: new Date(input.at).toISOString(),
        cursor: state.mintCursor(input.at),
        devices: devices.map((device) => ({ id: device.id, name: device.name })),
      };
      const { audit, notification } = buildRevocationSideEntries(revocation);
      await commit({
        op: 'revoke',
        revocation,
        idempotencyKey: input.idempotencyKey,
        idempotencyExpiresAt: input.at + IDEMPOTENCY_TTL_MS,
        audit: { ...audit, id: state.mintCursor(input.at) },
        notification: { ...notification, id: state.mintCursor(input.at) },
      });
      return { revocation: copyRevocation(revocation), created: true };
    },
    getRevocation: (workspaceId, id) =>
      Promise.resolve(copyOf(state.revocations.get(workspaceId)?.get(id), copyRevocation)),
    listUserEvents(workspaceId, userId, after, limit) {
      const all = state.userRevocations.get(key(workspaceId, userId)) ?? [];
      const events = all
        .filter((rev) => compareCursor(rev.cursor, after) > 0)
        .slice(0, limit)
        .map((rev) => ({
          id: rev.id,
          userId: rev.userId,
          trigger: rev.trigger,
          reason: rev.reason,
          origins: [...rev.origins],
          createdAt: rev.createdAt,
          cursor: rev.cursor,
        }));
      return Promise.resolve({ events, cursor: events.at(-1)?.cursor ?? after });
    },
    userCursor: (workspaceId, userId) =>
      Promise.resolve(state.userRevocations.get(key(workspaceId, userId))?.at(-1)?.cursor ?? START_CURSOR),
    listRevocations(workspaceId, { userId, after, limit }) {
      const all =
        userId === undefined
          ? (state.workspaceRevocations.get(workspaceId) ?? [])
          : (state.userRevocations.get(key(workspaceId, userId)) ?? []);
      const page = newestFirstPage(all, (rev) => rev.cursor, after, limit);
      return Promise.resolve({ ...page, items: page.items.map(copyRevocation) });
    },

    async markDelivered(workspaceId, revocationId, deviceId, at) {
      const current = state.deliveries.get(key(workspaceId, revocationId))?.get(deviceId);
      if (current?.deliveredAt) return;
      await commit({ op: 'delivered', workspaceId, revocationId, deviceId, at: new Date(at).toISOString() });
    },
    async putReceipt(workspaceId, revocationId, deviceId, receipt) {
      await commit({
        op: 'receipt',
        workspaceId,
        revocationId,
        deviceId,
        removed: receipt.removed,
        errors: receipt.errors,
        at: new Date(receipt.at).toISOString(),
      });
    },
    listDeliveries: (workspaceId, revocationId) =>
      Promise.resolve(clone([...(state.deliveries.get(key(workspaceId, revocationId))?.values() ?? [])])),

    async claimOnce(workspaceId, claimKey, fingerprint, ttlMs, now) {
      const existing = state.claims.get(key(workspaceId, claimKey));
      if (existing && existing.expiresAt > now) return existing.fingerprint;
      if (state.claims.size > 100_000) {
        for (const [k, claim] of state.claims) if (claim.expiresAt <= now) state.claims.delete(k);
      }
      await commit({ op: 'claim', workspaceId, key: claimKey, fingerprint, expiresAt: now + ttlMs });
      return null;
    },

    async appendAudit(workspaceId, entry: AuditInput) {
      const full: AuditEntry = { ...entry, id: state.mintCursor(Date.parse(entry.at)) };
      await commit({ op: 'audit', workspaceId, entry: full });
      return clone(full);
    },
    listAudit(workspaceId, { after, limit }) {
      const all = state.audit.get(workspaceId) ?? [];
      return Promise.resolve(clone(newestFirstPage(all, (entry) => entry.id, after, limit)));
    },

    listNotifications(workspaceId, adminId, limit) {
      const readUpTo = state.notificationsRead.get(key(workspaceId, adminId)) ?? START_CURSOR;
      const all = state.notifications.get(workspaceId) ?? [];
      return Promise.resolve(
        newestFirstPage(all, (n) => n.id, undefined, limit).items.map((n) => notificationFor(n, readUpTo)),
      );
    },
    async markNotificationsRead(workspaceId, adminId, upTo) {
      const current = state.notificationsRead.get(key(workspaceId, adminId)) ?? START_CURSOR;
      if (compareCursor(upTo, current) <= 0) return;
      await commit({ op: 'notifications-read', workspaceId, adminId, upTo });
    },
  };
}

function unavailable(cause: unknown): AppError {
  return new AppError('ERR_STORE_UNAVAILABLE', 'the store cannot persist changes', { cause });
}
