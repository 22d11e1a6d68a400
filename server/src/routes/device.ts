import { createRoute, z } from '@hono/zod-openapi';
import {
  AcceptedResponse,
  AppError,
  AppSessionResponse,
  AppSummary,
  EnrollRequest,
  EnrollResponse,
  Id,
  MeResponse,
  ReceiptRequest,
  RevocationCreatedResponse,
  RevocationsQuery,
  RevocationsResponse,
} from '@universal-logout/shared';
import type { DeviceAuth } from '../auth.js';
import { formatDeviceToken, hashEnrollmentCode, mintDeviceSecret, randomId } from '../crypto.js';
import type { Deps } from '../env.js';
import type { RevokeUser } from '../pipeline.js';
import type { Poll } from '../poll.js';
import { createRouter, deviceSecurity, jsonBody, jsonResponse } from '../router.js';
import type { DeviceSession } from '../store/types.js';

const userSummary = ({ user }: DeviceSession) => ({ id: user.id, email: user.email, name: user.name, role: user.role });

export function deviceRoutes(
  { store, clock, logger }: Deps,
  { deviceAuth, revokeUser, poll }: { deviceAuth: DeviceAuth; revokeUser: RevokeUser; poll: Poll },
) {
  const active = deviceAuth({ allowRevoked: false });
  const evenRevoked = deviceAuth({ allowRevoked: true });

  return createRouter()
    .openapi(
      createRoute({
        method: 'post',
        path: '/enroll',
        summary: 'Exchange a single-use enrollment code for a device token',
        request: { body: jsonBody(EnrollRequest) },
        responses: { 201: jsonResponse(EnrollResponse, 'Enrolled') },
      }),
      async (c) => {
        const { code, deviceName } = c.req.valid('json');
        const { secret, tokenHash } = mintDeviceSecret();
        const deviceId = randomId('dev');
        const result = await store.enroll({
          codeHash: hashEnrollmentCode(code),
          now: clock.now(),
          deviceId,
          deviceName: deviceName ?? 'Browser',
          tokenHash,
        });
        if (!result.ok) {
          throw result.reason === 'deactivated'
            ? new AppError('ERR_USER_DEACTIVATED', 'this user is deactivated: ask an admin')
            : new AppError('ERR_ENROLLMENT_CODE_INVALID', 'the enrollment code is wrong, expired or already used');
        }
        const { device, user } = result;
        const workspace = await store.getWorkspace(device.workspaceId);
        await store.appendAudit(device.workspaceId, {
          at: device.createdAt,
          actor: user.id,
          action: 'device.enrolled',
          userId: user.id,
          trigger: null,
          detail: { deviceId: device.id, deviceName: device.name },
        });
        logger.info({ workspaceId: device.workspaceId, userId: user.id, deviceId }, 'device enrolled');
        return c.json(
          {
            deviceId,
            token: formatDeviceToken(device.workspaceId, deviceId, secret),
            user: userSummary(result),
            workspace: { id: device.workspaceId, name: workspace?.name ?? device.workspaceId },
          },
          201,
        );
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/me',
        summary: 'The device session, its user and workspace',
        security: deviceSecurity,
        middleware: [active] as const,
        responses: { 200: jsonResponse(MeResponse, 'The session') },
      }),
      async (c) => {
        const session = c.var.session;
        const workspace = await store.getWorkspace(session.device.workspaceId);
        return c.json(
          {
            deviceId: session.device.id,
            deviceName: session.device.name,
            session: { state: session.device.state, createdAt: session.device.createdAt },
            user: userSummary(session),
            role: session.user.role,
            workspace: { id: session.device.workspaceId, name: workspace?.name ?? session.device.workspaceId },
          },
          200,
        );
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/apps',
        summary: "The apps assigned to the device's user",
        security: deviceSecurity,
        middleware: [active] as const,
        responses: { 200: jsonResponse(z.array(AppSummary), 'Assigned apps') },
      }),
      async (c) => {
        const { user } = c.var.session;
        const apps = await store.listApps(user.workspaceId);
        return c.json(
          apps.filter((app) => user.apps.includes(app.id)).map(({ id, name, origins }) => ({ id, name, origins })),
          200,
        );
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/apps/{appId}/session',
        summary: 'The session bundle the extension injects for an assigned app',
        security: deviceSecurity,
        middleware: [active] as const,
        request: { params: z.object({ appId: Id }) },
        responses: { 200: jsonResponse(AppSessionResponse, 'The bundle') },
      }),
      async (c) => {
        const { user, device } = c.var.session;
        const { appId } = c.req.valid('param');
        const app = user.apps.includes(appId)
          ? (await store.listApps(user.workspaceId)).find((candidate) => candidate.id === appId)
          : undefined;
        if (!app) throw new AppError('ERR_NOT_FOUND', `no app ${appId} is assigned to you`);
        logger.info(
          { workspaceId: user.workspaceId, userId: user.id, deviceId: device.id, appId },
          'session bundle issued',
        );
        return c.json({ appId: app.id, origins: app.origins, session: app.session }, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/revocations',
        summary: "The user's revocations after a cursor (also for a revoked session)",
        security: deviceSecurity,
        middleware: [evenRevoked] as const,
        request: { query: RevocationsQuery },
        responses: { 200: jsonResponse(RevocationsResponse, 'Events, oldest first, and the next cursor') },
      }),
      // The plain case is mostly answered by the fast path in front of the router (poll.ts).
      async (c) => c.json(await poll(c.var.session.device, c.req.valid('query').after), 200),
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/receipts',
        summary: 'Report what the device removed for a revocation',
        security: deviceSecurity,
        middleware: [evenRevoked] as const,
        request: { body: jsonBody(ReceiptRequest) },
        responses: { 202: jsonResponse(AcceptedResponse, 'Recorded') },
      }),
      async (c) => {
        const { device } = c.var.session;
        const receipt = c.req.valid('json');
        const revocation = await store.getRevocation(device.workspaceId, receipt.revocationId);
        if (revocation?.userId !== device.userId) {
          throw new AppError('ERR_NOT_FOUND', `no revocation ${receipt.revocationId} for this device`);
        }
        const at = clock.now();
        await store.putReceipt(device.workspaceId, revocation.id, device.id, { ...receipt, at });
        await store.appendAudit(device.workspaceId, {
          at: new Date(at).toISOString(),
          actor: device.id,
          action: 'revocation.enforced',
          userId: device.userId,
          trigger: revocation.trigger,
          detail: {
            revocationId: revocation.id,
            deviceId: device.id,
            removed: receipt.removed,
            errors: receipt.errors.length,
          },
        });
        return c.json({ accepted: true as const }, 202);
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/logout-everywhere',
        summary: 'The user logs themselves out on every device',
        security: deviceSecurity,
        middleware: [active] as const,
        responses: { 202: jsonResponse(RevocationCreatedResponse, 'Logout begun') },
      }),
      async (c) => {
        const { user } = c.var.session;
        const { revocation } = await revokeUser({
          workspaceId: user.workspaceId,
          userId: user.id,
          trigger: 'self',
          actor: user.id,
          reason: 'Logged out everywhere by the user',
        });
        return c.json({ revocationId: revocation.id }, 202);
      },
    );
}
