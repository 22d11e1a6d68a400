import { createRoute, z } from '@hono/zod-openapi';
import {
  AdminAuditQuery,
  AdminLogoutRequest,
  AdminRevocationsQuery,
  AdminUser,
  AdminUserDetail,
  AdminUsersQuery,
  AppError,
  AuditEntry,
  Cursor,
  EnrollmentCodeResponse,
  Id,
  IdempotencyKey,
  Notification,
  type AuditEntry as AuditEntryType,
  type RevocationTrigger,
  RevocationCreatedResponse,
  RevocationStatus,
  RevocationSummary,
} from '@universal-logout/shared';
import { canManage, isRevoked, requireAdmin, type DeviceAuth } from '../auth.js';
import { registerIdpSettings } from './admin-idp.js';
import { hashEnrollmentCode, mintEnrollmentCode } from '../crypto.js';
import type { Deps } from '../env.js';
import type { RevokeUser } from '../pipeline.js';
import { createRouter, deviceSecurity, jsonBody, jsonResponse } from '../router.js';
import type { Revocation, Store, User } from '../store/types.js';

export const ENROLLMENT_CODE_TTL_MS = 24 * 60 * 60 * 1000;

const adminUser = (user: User) => ({
  id: user.id,
  email: user.email,
  name: user.name,
  role: user.role,
  status: user.status,
  userName: user.userName,
});

const summary = (rev: Revocation) => ({
  id: rev.id,
  userId: rev.userId,
  trigger: rev.trigger,
  actor: rev.actor,
  reason: rev.reason,
  createdAt: rev.createdAt,
});

const UserParams = z.object({ id: Id });

/** A user of another workspace is simply not found: no existence leak across tenants. */
async function targetUser(store: Store, workspaceId: string, id: string): Promise<User> {
  const user = await store.getUser(workspaceId, id);
  if (!user) throw new AppError('ERR_NOT_FOUND', `no user ${id} in this workspace`);
  return user;
}

/** How many entries one filtered audit request reads at most before it answers with what it found. */
export const AUDIT_SCAN_LIMIT = 5_000;

/**
 * A page of the audit log holding only the entries of one user and/or trigger. It reads the log in
 * batches and stops at `limit` matches or after AUDIT_SCAN_LIMIT entries; the cursor is where the
 * scan stopped, so a sparse filter pages on through the whole log, never skipping an entry.
 */
async function filteredAudit(
  store: Store,
  workspaceId: string,
  filter: {
    after?: string | undefined;
    limit: number;
    userId?: string | undefined;
    trigger?: RevocationTrigger | undefined;
  },
): Promise<{ entries: AuditEntryType[]; cursor: string | null }> {
  const entries: AuditEntryType[] = [];
  let after = filter.after;
  let scanned = 0;
  for (;;) {
    const page = await store.listAudit(workspaceId, { after, limit: 200 });
    for (const [index, entry] of page.items.entries()) {
      scanned++;
      after = entry.id;
      if (filter.userId !== undefined && entry.userId !== filter.userId) continue;
      if (filter.trigger !== undefined && entry.trigger !== filter.trigger) continue;
      entries.push(entry);
      if (entries.length === filter.limit) {
        const more = index < page.items.length - 1 || page.cursor !== null;
        return { entries, cursor: more ? entry.id : null };
      }
    }
    if (page.cursor === null) return { entries, cursor: null };
    if (scanned >= AUDIT_SCAN_LIMIT) return { entries, cursor: after ?? null };
  }
}

function assertCanManage(actor: User, target: User): void {
  if (!canManage(actor.role, target.role)) {
    throw new AppError('ERR_FORBIDDEN', `the ${actor.role} role cannot act on a user with the ${target.role} role`);
  }
}

export function adminRoutes(
  { store, clock, publicUrl }: Deps,
  { deviceAuth, revokeUser }: { deviceAuth: DeviceAuth; revokeUser: RevokeUser },
) {
  const router = createRouter();
  router.use('*', deviceAuth({ allowRevoked: false }), requireAdmin);

  registerIdpSettings(router, { store, clock, publicUrl });

  return router
    .openapi(
      createRoute({
        method: 'get',
        path: '/users',
        summary: 'Search users by email, name or userName',
        security: deviceSecurity,
        request: { query: AdminUsersQuery },
        responses: { 200: jsonResponse(z.object({ users: z.array(AdminUser) }), 'Matching users') },
      }),
      async (c) => {
        const { q, limit = 50 } = c.req.valid('query');
        const needle = q?.toLowerCase() ?? '';
        const users = (await store.listUsers(c.var.session.user.workspaceId))
          .filter((user) =>
            [user.email, user.name, user.userName].some((field) => field.toLowerCase().includes(needle)),
          )
          .slice(0, limit);
        return c.json({ users: users.map(adminUser) }, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/users/{id}',
        summary: "A user's devices, apps and last revocation",
        security: deviceSecurity,
        request: { params: UserParams },
        responses: { 200: jsonResponse(AdminUserDetail, 'The user') },
      }),
      async (c) => {
        const workspaceId = c.var.session.user.workspaceId;
        const user = await targetUser(store, workspaceId, c.req.valid('param').id);
        const [devices, apps, last] = await Promise.all([
          store.listDevices(workspaceId, user.id),
          store.listApps(workspaceId),
          store.listRevocations(workspaceId, { userId: user.id, limit: 1 }),
        ]);
        const lastRevocation = last.items[0];
        return c.json(
          {
            ...adminUser(user),
            devices: devices.map((device) => ({
              id: device.id,
              name: device.name,
              state: isRevoked({ device, user }) ? ('revoked' as const) : ('active' as const),
              createdAt: device.createdAt,
              lastSeenAt: device.lastSeenAt,
            })),
            apps: apps
              .filter((app) => user.apps.includes(app.id))
              .map(({ id, name, origins }) => ({ id, name, origins })),
            lastRevocation: lastRevocation ? summary(lastRevocation) : null,
          },
          200,
        );
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/users/{id}/logout',
        summary: 'Log a user out everywhere (confirm with their email)',
        security: deviceSecurity,
        request: {
          params: UserParams,
          headers: z.object({ 'idempotency-key': IdempotencyKey.optional() }),
          body: jsonBody(AdminLogoutRequest),
        },
        responses: { 202: jsonResponse(RevocationCreatedResponse, 'Logout begun') },
      }),
      async (c) => {
        const actor = c.var.session.user;
        const target = await targetUser(store, actor.workspaceId, c.req.valid('param').id);
        const { reason, confirm } = c.req.valid('json');
        assertCanManage(actor, target);
        if (confirm.trim().toLowerCase() !== target.email.toLowerCase()) {
          throw new AppError('ERR_CONFIRMATION_MISMATCH', "confirm must be the user's email");
        }
        const key = c.req.valid('header')['idempotency-key'];
        const { revocation } = await revokeUser({
          workspaceId: actor.workspaceId,
          userId: target.id,
          trigger: 'admin',
          actor: actor.id,
          reason,
          idempotencyKey: key === undefined ? null : `admin:${actor.id}:${key}`,
          known: target,
        });
        if (revocation.userId !== target.id) {
          throw new AppError('ERR_CONFLICT', 'this Idempotency-Key was already used for another user');
        }
        return c.json({ revocationId: revocation.id }, 202);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/revocations/{id}',
        summary: 'A revocation and its enforcement, device by device',
        security: deviceSecurity,
        request: { params: z.object({ id: z.string().min(1).max(100) }) },
        responses: { 200: jsonResponse(RevocationStatus, 'The revocation') },
      }),
      async (c) => {
        const workspaceId = c.var.session.user.workspaceId;
        const { id } = c.req.valid('param');
        const revocation = await store.getRevocation(workspaceId, id);
        if (!revocation) throw new AppError('ERR_NOT_FOUND', `no revocation ${id} in this workspace`);
        const deliveries = new Map(
          (await store.listDeliveries(workspaceId, id)).map((delivery) => [delivery.deviceId, delivery]),
        );
        return c.json(
          {
            ...summary(revocation),
            devices: revocation.devices.map((device) => {
              const delivery = deliveries.get(device.id);
              return {
                deviceId: device.id,
                name: device.name,
                state: delivery?.enforcedAt ? 'enforced' : delivery?.deliveredAt ? 'delivered' : 'pending',
                deliveredAt: delivery?.deliveredAt ?? null,
                enforcedAt: delivery?.enforcedAt ?? null,
                removed: delivery?.removed ?? null,
                errors: delivery?.errors ?? [],
              } as const;
            }),
          },
          200,
        );
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/revocations',
        summary: 'Revocations, newest first',
        security: deviceSecurity,
        request: { query: AdminRevocationsQuery },
        responses: {
          200: jsonResponse(
            z.object({ revocations: z.array(RevocationSummary), cursor: Cursor.nullable() }),
            'A page of revocations; pass cursor back as after',
          ),
        },
      }),
      async (c) => {
        const { userId, after, limit = 50 } = c.req.valid('query');
        const page = await store.listRevocations(c.var.session.user.workspaceId, { userId, after, limit });
        return c.json({ revocations: page.items.map(summary), cursor: page.cursor }, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/audit',
        summary: 'The audit log, newest first, optionally only one user or one trigger',
        security: deviceSecurity,
        request: { query: AdminAuditQuery },
        responses: {
          200: jsonResponse(z.object({ entries: z.array(AuditEntry), cursor: Cursor.nullable() }), 'A page'),
        },
      }),
      async (c) => {
        const { after, limit = 50, userId, trigger } = c.req.valid('query');
        const workspaceId = c.var.session.user.workspaceId;
        if (userId === undefined && trigger === undefined) {
          const page = await store.listAudit(workspaceId, { after, limit });
          return c.json({ entries: page.items, cursor: page.cursor }, 200);
        }
        return c.json(await filteredAudit(store, workspaceId, { after, limit, userId, trigger }), 200);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/notifications',
        summary: "This admin's notifications, newest first",
        security: deviceSecurity,
        responses: {
          200: jsonResponse(
            z.object({ notifications: z.array(Notification), unread: z.number().int() }),
            'Notifications',
          ),
        },
      }),
      async (c) => {
        const { user } = c.var.session;
        const notifications = await store.listNotifications(user.workspaceId, user.id, 100);
        return c.json({ notifications, unread: notifications.filter((n) => !n.read).length }, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/notifications/read',
        summary: 'Mark notifications read up to a notification id',
        security: deviceSecurity,
        request: { body: jsonBody(z.strictObject({ upTo: Cursor })) },
        responses: { 204: { description: 'Marked' } },
      }),
      async (c) => {
        const { user } = c.var.session;
        await store.markNotificationsRead(user.workspaceId, user.id, c.req.valid('json').upTo);
        return c.body(null, 204);
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/users/{id}/enrollment-codes',
        summary: 'Issue a single-use enrollment code for a user',
        security: deviceSecurity,
        request: { params: UserParams },
        responses: { 201: jsonResponse(EnrollmentCodeResponse, 'The code, shown once') },
      }),
      async (c) => {
        const actor = c.var.session.user;
        const target = await targetUser(store, actor.workspaceId, c.req.valid('param').id);
        // Issuing a code for someone is acting as them: the same rule as logging them out.
        assertCanManage(actor, target);
        if (target.status !== 'active') throw new AppError('ERR_USER_DEACTIVATED', 'this user is deactivated');
        const code = mintEnrollmentCode();
        const now = clock.now();
        const expiresAt = now + ENROLLMENT_CODE_TTL_MS;
        await store.putEnrollmentCode({
          codeHash: hashEnrollmentCode(code),
          workspaceId: actor.workspaceId,
          userId: target.id,
          expiresAt,
        });
        await store.appendAudit(actor.workspaceId, {
          at: new Date(now).toISOString(),
          actor: actor.id,
          action: 'enrollment-code.issued',
          userId: target.id,
          trigger: null,
          detail: { expiresAt: new Date(expiresAt).toISOString() },
        });
        return c.json({ code, expiresAt: new Date(expiresAt).toISOString() }, 201);
      },
    );
}
