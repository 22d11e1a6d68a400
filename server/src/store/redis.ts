import { createHash } from 'node:crypto';
import { createClient } from 'redis';
import { z } from 'zod';
import {
  AppError,
  AuditEntry,
  compareCursor,
  DeviceState,
  Removed,
  RevocationTrigger,
  Role,
  SessionBundle,
  START_CURSOR,
  UserStatus,
} from '@universal-logout/shared';
import { busMessageOf } from '../bus.js';
import { redisKeys } from './redis-keys.js';
import { ENROLL, FIND_USER_BY_EMAIL, MARK_DELIVERED, MARK_READ, REVOKE, UPSERT_USER } from './redis-scripts.js';
import { buildRevocationSideEntries, freezeWorkspace, IDEMPOTENCY_TTL_MS, notificationFor } from './shared-logic.js';
import type { App, Delivery, Device, Page, Revocation, Store, User, UserInput, Workspace } from './types.js';

export type RedisClient = ReturnType<typeof createClient>;

// Schemas of what is stored: Redis is a boundary, so every value read back is validated.
const WorkspaceRecord = z.object({ id: z.string(), name: z.string(), settings: z.record(z.string(), z.unknown()) });
const UserRecord = z.object({
  workspaceId: z.string(),
  id: z.string(),
  email: z.string(),
  userName: z.string(),
  name: z.string(),
  givenName: z.string().nullable().default(null),
  deletedAt: z.string().nullable().default(null),
  familyName: z.string().nullable().default(null),
  role: Role,
  status: UserStatus,
  externalId: z.string().nullable(),
  apps: z.array(z.string()),
});
const AppRecord = z.object({
  workspaceId: z.string(),
  id: z.string(),
  name: z.string(),
  origins: z.array(z.string()),
  session: SessionBundle,
});
const CodeRecord = z.object({ workspaceId: z.string(), userId: z.string(), expiresAt: z.number() });
const DeviceRecord = z.object({
  id: z.string(),
  userId: z.string(),
  name: z.string(),
  createdAt: z.string(),
  lastSeenAt: z.string(),
  state: DeviceState,
  epoch: z.coerce.number().int(),
  baseline: z.string(),
  tokenHash: z.string(),
});
const RevocationRecord = z.object({
  workspaceId: z.string(),
  id: z.string(),
  userId: z.string(),
  trigger: RevocationTrigger,
  actor: z.string(),
  reason: z.string(),
  origins: z.array(z.string()),
  createdAt: z.string(),
  devices: z.array(z.object({ id: z.string(), name: z.string() })),
});
const DeliveryRecord = z.object({
  deviceId: z.string(),
  deliveredAt: z.string().nullable(),
  enforcedAt: z.string().nullable(),
  removed: Removed.nullable(),
  errors: z.array(z.string()),
});
const NotificationRecord = z.object({
  at: z.string(),
  revocationId: z.string(),
  userId: z.string(),
  trigger: RevocationTrigger,
  message: z.string(),
});
const AuditRecord = AuditEntry.omit({ id: true });
const RevokedDevices = z.array(z.object({ id: z.string(), name: z.string() }));

/** How many workspaces' parsed records the Redis store keeps (the oldest goes first). */
const MAX_CACHED_WORKSPACES = 1000;

const parseJson = <T>(schema: z.ZodType<T>, text: string): T => schema.parse(JSON.parse(text));
const ScriptReply = z.array(z.union([z.number(), z.string()]));

export interface RedisStoreOptions {
  client: RedisClient;
  /** Prepended to every key: lets several deployments or test runs share one Redis. */
  prefix: string;
  /**
   * Publish each new revocation's bus message on the bus channel (`redisKeys(prefix).channel()`,
   * as createRedisBus listens to) from the script that records it, instead of leaving it to the
   * pipeline: one round trip fewer, and the wake-up leaves in the same atomic step as the record
   * (pub/sub reaches only the instances listening then; devices catch up by cursor).
   */
  publish?: boolean;
}

/**
 * The store for many server instances: see `redis-keys.ts` for the layout. The client must be
 * created with `disableOfflineQueue` so that a write while Redis is down fails at once
 * (`ERR_STORE_UNAVAILABLE`) instead of waiting in a queue nobody sees.
 */
export function createRedisStore({ client, prefix, publish = false }: RedisStoreOptions): Store {
  const k = redisKeys(prefix);
  // The last text read of each workspace and its parsed, frozen record: a read that finds the
  // same text (nearly every read: settings rarely change) hands out the same record. Redis is
  // still read every time, so a change made through any instance shows at once.
  const workspaces = new Map<string, { doc: string; workspace: Workspace }>();

  // Scripts go by their SHA1 (EVALSHA); the source is sent only when Redis does not have it yet
  // (first use, or after a restart or SCRIPT FLUSH), instead of with every call (the revocation
  // script with every logout).
  const shas = new Map<string, string>();
  async function script(source: string, keys: string[], args: string[]) {
    let sha = shas.get(source);
    if (sha === undefined) {
      sha = createHash('sha1').update(source).digest('hex');
      shas.set(source, sha);
    }
    const options = { keys, arguments: args };
    let reply: unknown;
    try {
      reply = await client.evalSha(sha, options);
    } catch (error) {
      if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error;
      reply = await client.eval(source, options);
    }
    return ScriptReply.parse(reply);
  }

  async function readUsers(workspaceId: string, ids: string[]): Promise<User[]> {
    if (ids.length === 0) return [];
    // One command for the documents and their epochs (every device poll reads one user).
    const values = await client.mGet([
      ...ids.map((id) => k.user(workspaceId, id)),
      ...ids.map((id) => k.epoch(workspaceId, id)),
    ]);
    return ids.flatMap((_, index) => {
      const doc = values[index];
      const epoch = values[ids.length + index];
      return doc ? [{ ...parseJson(UserRecord, doc), sessionEpoch: Number(epoch ?? 0) }] : [];
    });
  }

  async function getUser(workspaceId: string, id: string): Promise<User | null> {
    return (await readUsers(workspaceId, [id]))[0] ?? null;
  }

  function toDevice(workspaceId: string, hash: Record<string, string>): Device | null {
    if (Object.keys(hash).length === 0) return null;
    return { workspaceId, ...DeviceRecord.parse(hash) };
  }

  async function readRevocation(workspaceId: string, id: string): Promise<Revocation | null> {
    const hash = await client.hGetAll(k.revocation(workspaceId, id));
    if (!hash.data || !hash.cursor) return null;
    return { ...parseJson(RevocationRecord, hash.data), cursor: hash.cursor };
  }

  async function readRevocations(workspaceId: string, ids: string[]): Promise<Revocation[]> {
    const all = await Promise.all(ids.map((id) => readRevocation(workspaceId, id)));
    return all.filter((rev): rev is Revocation => rev !== null);
  }

  /** Newest-first page of a stream, strictly before `after`. */
  async function streamPage(key: string, after: string | undefined, limit: number) {
    const entries = await client.xRevRange(key, after === undefined ? '+' : `(${after}`, '-', {
      COUNT: limit + 1,
    });
    const items = entries.slice(0, limit);
    return { items, cursor: entries.length > limit ? (items.at(-1)?.id ?? null) : null };
  }

  const store: Store = {
    kind: 'redis',
    async ping() {
      await client.ping();
    },
    async close() {
      // The client belongs to whoever created it (main.ts), which closes it.
    },

    async upsertWorkspace(workspace) {
      await client.set(k.workspace(workspace.id), JSON.stringify(workspace));
    },
    async getWorkspace(id) {
      const doc = await client.get(k.workspace(id));
      if (doc === null) return null;
      const known = workspaces.get(id);
      if (known?.doc === doc) return known.workspace;
      const workspace = freezeWorkspace(parseJson(WorkspaceRecord, doc));
      if (workspaces.size >= MAX_CACHED_WORKSPACES) workspaces.delete(workspaces.keys().next().value ?? '');
      workspaces.set(id, { doc, workspace });
      return workspace;
    },

    async upsertUser(input: UserInput) {
      const w = input.workspaceId;
      const [ok, epoch] = await script(
        UPSERT_USER,
        [k.user(w, input.id), k.emails(w), k.users(w), k.userSeq(w), k.epoch(w, input.id), k.userEmail(w)],
        [input.id, input.email.toLowerCase(), JSON.stringify(UserRecord.parse(input))],
      );
      if (ok !== 1) throw new AppError('ERR_CONFLICT', `email ${input.email} belongs to another user`);
      return { ...input, apps: [...input.apps], sessionEpoch: Number(epoch) };
    },
    getUser,
    async findUserByEmail(workspaceId, email) {
      const [doc, epoch] = await script(
        FIND_USER_BY_EMAIL,
        [k.emails(workspaceId)],
        [email.toLowerCase(), k.userPrefix(workspaceId), k.epochPrefix(workspaceId)],
      );
      return doc === undefined ? null : { ...parseJson(UserRecord, String(doc)), sessionEpoch: Number(epoch ?? 0) };
    },
    async listUsers(workspaceId) {
      return readUsers(workspaceId, await client.zRange(k.users(workspaceId), 0, -1));
    },

    async upsertApp(app) {
      await client.hSet(k.apps(app.workspaceId), app.id, JSON.stringify(app));
    },
    async listApps(workspaceId) {
      const all = await client.hGetAll(k.apps(workspaceId));
      return Object.values(all)
        .map((doc): App => parseJson(AppRecord, doc))
        .sort((a, b) => a.id.localeCompare(b.id));
    },

    async putEnrollmentCode(code, options) {
      if (options?.ifNeverUsed && (await client.exists(k.codeUsed(code.workspaceId, code.codeHash))) === 1) {
        return false;
      }
      const record = { workspaceId: code.workspaceId, userId: code.userId, expiresAt: code.expiresAt };
      await client.set(k.code(code.codeHash), JSON.stringify(record), {
        expiration: { type: 'PXAT', value: code.expiresAt },
      });
      return true;
    },
    async enroll(input) {
      const doc = await client.get(k.code(input.codeHash));
      if (doc === null) return { ok: false, reason: 'invalid' };
      const code = parseJson(CodeRecord, doc);
      if (code.expiresAt <= input.now) return { ok: false, reason: 'invalid' };
      const w = code.workspaceId;
      const createdAt = new Date(input.now).toISOString();
      const reply = await script(
        ENROLL,
        [
          k.codeUsed(w, input.codeHash),
          k.user(w, code.userId),
          k.epoch(w, code.userId),
          k.device(w, input.deviceId),
          k.userDevices(w, code.userId),
          k.userRevocations(w, code.userId),
        ],
        [input.deviceId, code.userId, input.deviceName, createdAt, input.tokenHash],
      );
      if (reply[0] !== 1) return { ok: false, reason: reply[1] === 'deactivated' ? 'deactivated' : 'invalid' };
      // The used marker is authoritative; dropping the global key only tidies up.
      await client.del(k.code(input.codeHash));
      const user = await getUser(w, code.userId);
      if (!user) return { ok: false, reason: 'invalid' };
      const device: Device = {
        workspaceId: w,
        id: input.deviceId,
        userId: code.userId,
        name: input.deviceName,
        createdAt,
        lastSeenAt: createdAt,
        state: 'active',
        epoch: Number(reply[1]),
        baseline: String(reply[2]),
        tokenHash: input.tokenHash,
      };
      return { ok: true, device, user };
    },

    async getDeviceSession(workspaceId, deviceId) {
      const device = toDevice(workspaceId, await client.hGetAll(k.device(workspaceId, deviceId)));
      if (!device) return null;
      const user = await getUser(workspaceId, device.userId);
      return user ? { device, user } : null;
    },
    async listDevices(workspaceId, userId) {
      const ids = await client.sMembers(k.userDevices(workspaceId, userId));
      const hashes = await Promise.all(ids.map((id) => client.hGetAll(k.device(workspaceId, id))));
      return hashes
        .map((hash) => toDevice(workspaceId, hash))
        .filter((device): device is Device => device !== null)
        .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    },
    async touchDevice(workspaceId, deviceId, at) {
      await client.hSet(k.device(workspaceId, deviceId), 'lastSeenAt', new Date(at).toISOString());
    },

    async revoke(input) {
      const w = input.workspaceId;
      const base: Omit<Revocation, 'cursor' | 'devices'> = {
        workspaceId: w,
        id: input.id,
        userId: input.userId,
        trigger: input.trigger,
        actor: input.actor,
        reason: input.reason,
        origins: [...input.origins],
        createdAt: new Date(input.at).toISOString(),
      };
      const { audit, notification } = buildRevocationSideEntries({ ...base, devices: [], cursor: START_CURSOR });
      // The script lists the devices and completes both documents (see REVOKE): `detail` goes
      // last, without its device count.
      const { detail, ...head } = audit;
      const { devices: _counted, ...uncounted } = detail;
      const reply = await script(
        REVOKE,
        [
          k.idempotency(w, input.idempotencyKey ?? '-'),
          k.revocations(w),
          k.userRevocations(w, input.userId),
          k.revocation(w, input.id),
          k.userDevices(w, input.userId),
          k.epoch(w, input.userId),
          k.audit(w),
          k.notifications(w),
        ],
        [
          input.idempotencyKey ? '1' : '0',
          input.id,
          input.userId,
          JSON.stringify(base),
          String(IDEMPOTENCY_TTL_MS),
          k.devicePrefix(w),
          JSON.stringify({ ...head, detail: uncounted }),
          JSON.stringify(notification),
          publish ? JSON.stringify(busMessageOf({ ...base, cursor: '' })) : '',
          k.channel(),
        ],
      );
      if (reply[0] === 1) {
        const devices = parseJson(RevokedDevices, String(reply[3]));
        return {
          revocation: { ...base, devices, cursor: String(reply[1]) },
          created: true,
          ...(publish && { published: true }),
        };
      }
      const existing = await readRevocation(w, String(reply[1]));
      if (!existing) throw new AppError('ERR_STORE_UNAVAILABLE', 'idempotency key points to a missing revocation');
      return { revocation: existing, created: false };
    },
    getRevocation: readRevocation,
    async listUserEvents(workspaceId, userId, after, limit) {
      const entries = await client.xRange(k.userRevocations(workspaceId, userId), `(${after}`, '+', {
        COUNT: limit,
      });
      const revocations = await readRevocations(
        workspaceId,
        entries.flatMap((entry) => entry.message.id ?? []),
      );
      const events = revocations.map((rev) => ({
        id: rev.id,
        userId: rev.userId,
        trigger: rev.trigger,
        reason: rev.reason,
        origins: rev.origins,
        createdAt: rev.createdAt,
        cursor: rev.cursor,
      }));
      return { events, cursor: entries.at(-1)?.id ?? after };
    },
    async userCursor(workspaceId, userId) {
      const last = await client.xRevRange(k.userRevocations(workspaceId, userId), '+', '-', { COUNT: 1 });
      return last[0]?.id ?? START_CURSOR;
    },
    async listRevocations(workspaceId, { userId, after, limit }): Promise<Page<Revocation>> {
      const key = userId === undefined ? k.revocations(workspaceId) : k.userRevocations(workspaceId, userId);
      const page = await streamPage(key, after, limit);
      const items = await readRevocations(
        workspaceId,
        page.items.flatMap((entry) => entry.message.id ?? []),
      );
      return { items, cursor: page.cursor };
    },

    async markDelivered(workspaceId, revocationId, deviceId, at) {
      const delivery: Delivery = {
        deviceId,
        deliveredAt: new Date(at).toISOString(),
        enforcedAt: null,
        removed: null,
        errors: [],
      };
      await script(MARK_DELIVERED, [k.deliveries(workspaceId, revocationId)], [deviceId, JSON.stringify(delivery)]);
    },
    async putReceipt(workspaceId, revocationId, deviceId, receipt) {
      const key = k.deliveries(workspaceId, revocationId);
      const previous = await client.hGet(key, deviceId);
      const at = new Date(receipt.at).toISOString();
      const before = previous ? parseJson(DeliveryRecord, previous) : null;
      const delivery: Delivery = {
        deviceId,
        deliveredAt: before?.deliveredAt ?? at,
        enforcedAt: before?.enforcedAt ?? at,
        removed: receipt.removed,
        errors: receipt.errors,
      };
      await client.hSet(key, deviceId, JSON.stringify(delivery));
    },
    async listDeliveries(workspaceId, revocationId) {
      const all = await client.hGetAll(k.deliveries(workspaceId, revocationId));
      return Object.values(all).map((doc) => parseJson(DeliveryRecord, doc));
    },

    async claimOnce(workspaceId, claimKey, fingerprint, ttlMs) {
      const key = k.claim(workspaceId, claimKey);
      const claimed = await client.set(key, fingerprint, {
        condition: 'NX',
        expiration: { type: 'PX', value: ttlMs },
      });
      return claimed === 'OK' ? null : ((await client.get(key)) ?? null);
    },

    async appendAudit(workspaceId, entry) {
      const record = AuditRecord.parse(entry);
      const id = await client.xAdd(k.audit(workspaceId), '*', { e: JSON.stringify(record) });
      return { ...record, id };
    },
    async listAudit(workspaceId, { after, limit }) {
      const page = await streamPage(k.audit(workspaceId), after, limit);
      const items = page.items.map((entry) => ({ ...parseJson(AuditRecord, entry.message.e ?? ''), id: entry.id }));
      return { items, cursor: page.cursor };
    },

    async listNotifications(workspaceId, adminId, limit) {
      const [readUpTo, page] = await Promise.all([
        client.hGet(k.notificationsRead(workspaceId), adminId),
        streamPage(k.notifications(workspaceId), undefined, limit),
      ]);
      return page.items.map((entry) =>
        notificationFor(
          { ...parseJson(NotificationRecord, entry.message.n ?? ''), id: entry.id },
          readUpTo ?? START_CURSOR,
        ),
      );
    },
    async markNotificationsRead(workspaceId, adminId, upTo) {
      if (compareCursor(upTo, START_CURSOR) <= 0) return;
      await script(MARK_READ, [k.notificationsRead(workspaceId)], [adminId, upTo]);
    },
  };
  return guardStore(store);
}

/** Turns every Redis failure into `ERR_STORE_UNAVAILABLE`; AppErrors pass through. */
function guardStore(store: Store): Store {
  const guarded: Record<string, unknown> = { kind: store.kind };
  for (const [name, value] of Object.entries(store)) {
    if (typeof value !== 'function') continue;
    guarded[name] = async (...args: unknown[]) => {
      try {
        return await (value as (...a: unknown[]) => Promise<unknown>).apply(store, args);
      } catch (error) {
        if (error instanceof AppError) throw error;
        throw new AppError('ERR_STORE_UNAVAILABLE', 'the store is unavailable', { cause: error });
      }
    };
  }
  return guarded as unknown as Store;
}
