import { z } from 'zod';
import { isCursor } from './cursor.js';

/** Identifiers that appear in keys and tokens: lowercase, digits, `-` and `_`, no separators. */
export const Id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'must be 1-64 letters, digits, "-" or "_"');
export const WorkspaceId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be 1-63 lowercase letters, digits or "-"');

export const Cursor = z.string().refine(isCursor, 'must be a cursor such as "1732200000000-0"');

export const Role = z.enum(['owner', 'super_admin', 'admin', 'member']);
export type Role = z.infer<typeof Role>;
export const ADMIN_ROLES: readonly Role[] = ['owner', 'super_admin', 'admin'];

/**
 * Who may act on whom (log out, issue an enrollment code): owners and super admins on anyone, admins
 * on members and admins, members on nobody. The server enforces it; the admin view shows it.
 */
export function canManage(actor: Role, target: Role): boolean {
  switch (actor) {
    case 'owner':
    case 'super_admin':
      return true;
    case 'admin':
      return target === 'member' || target === 'admin';
    case 'member':
      return false;
  }
}

export const UserStatus = z.enum(['active', 'deactivated']);
export type UserStatus = z.infer<typeof UserStatus>;

export const RevocationTrigger = z.enum(['admin', 'self', 'okta', 'scim', 'ssf', 'oidc']);
export type RevocationTrigger = z.infer<typeof RevocationTrigger>;

export const DeviceState = z.enum(['active', 'revoked']);
export type DeviceState = z.infer<typeof DeviceState>;

export const Origin = z.url().refine((value) => {
  const url = new URL(value);
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value;
}, 'must be an origin such as "https://crm.example.com" (scheme, host, optional port)');

/** A revocation as a device sees it. */
export const RevocationEvent = z.object({
  id: z.string(),
  userId: z.string(),
  trigger: RevocationTrigger,
  reason: z.string(),
  origins: z.array(z.string()),
  createdAt: z.string(),
});
export type RevocationEvent = z.infer<typeof RevocationEvent>;

export const RevocationEventWithCursor = RevocationEvent.extend({ cursor: Cursor });

// ---- device API ---------------------------------------------------------------------------------

export const EnrollRequest = z.strictObject({
  code: z.string().trim().min(1).max(128),
  deviceName: z.string().trim().min(1).max(100).optional(),
});
export type EnrollRequest = z.infer<typeof EnrollRequest>;

export const UserSummary = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role: Role,
});
export type UserSummary = z.infer<typeof UserSummary>;

export const WorkspaceSummary = z.object({ id: z.string(), name: z.string() });

export const EnrollResponse = z.object({
  deviceId: z.string(),
  token: z.string(),
  user: UserSummary,
  workspace: WorkspaceSummary,
});
export type EnrollResponse = z.infer<typeof EnrollResponse>;

export const MeResponse = z.object({
  deviceId: z.string(),
  deviceName: z.string(),
  session: z.object({ state: DeviceState, createdAt: z.string() }),
  user: UserSummary,
  role: Role,
  workspace: WorkspaceSummary,
});

export const AppSummary = z.object({ id: z.string(), name: z.string(), origins: z.array(z.string()) });
export type AppSummary = z.infer<typeof AppSummary>;

export const SessionCookie = z.strictObject({
  name: z.string().min(1).max(256),
  value: z.string().max(4096),
  /** Defaults to the host of the app's first origin. A leading dot widens it to subdomains. */
  domain: z.string().max(253).optional(),
  path: z.string().max(1024).optional(),
  httpOnly: z.boolean().optional(),
  secure: z.boolean().optional(),
  sameSite: z.enum(['strict', 'lax', 'none']).optional(),
  /** Seconds since the epoch; absent means a session cookie. */
  expirationDate: z.number().int().positive().optional(),
  /** CHIPS: the top-level site the cookie is partitioned under. */
  partitionKey: z.strictObject({ topLevelSite: z.string() }).optional(),
});
export type SessionCookie = z.infer<typeof SessionCookie>;

export const SessionBundle = z.strictObject({
  cookies: z.array(SessionCookie).max(100).default([]),
  localStorage: z.record(z.string().max(256), z.string().max(65536)).default({}),
});
export type SessionBundle = z.infer<typeof SessionBundle>;

export const AppSessionResponse = z.object({
  appId: z.string(),
  origins: z.array(z.string()),
  session: SessionBundle,
});

export const RevocationsQuery = z.strictObject({ after: Cursor.optional() });

export const RevocationsResponse = z.object({
  events: z.array(RevocationEventWithCursor),
  cursor: Cursor,
});

export const ReceiptRequest = z.strictObject({
  revocationId: z.string().min(1).max(100),
  removed: z.strictObject({
    cookies: z.number().int().min(0).max(1_000_000),
    origins: z.number().int().min(0).max(1_000_000),
    tabs: z.number().int().min(0).max(1_000_000),
  }),
  errors: z.array(z.string().max(500)).max(100).default([]),
});
export type ReceiptRequest = z.infer<typeof ReceiptRequest>;

export const Removed = ReceiptRequest.shape.removed;
export type Removed = z.infer<typeof Removed>;

export const AcceptedResponse = z.object({ accepted: z.literal(true) });
export const RevocationCreatedResponse = z.object({ revocationId: z.string() });

// ---- WebSocket ----------------------------------------------------------------------------------

export const WsHello = z.strictObject({
  type: z.literal('hello'),
  token: z.string().min(1).max(512),
  after: Cursor.optional(),
});
export const WsClientMessage = z.discriminatedUnion('type', [WsHello, z.strictObject({ type: z.literal('pong') })]);
export type WsClientMessage = z.infer<typeof WsClientMessage>;

export type WsServerMessage =
  | { type: 'ready'; cursor: string }
  | { type: 'revocation'; event: RevocationEvent; cursor: string }
  | { type: 'ping' }
  /** To an admin's devices: a revocation happened in the workspace; fetch the notifications. */
  | { type: 'notice'; revocationId: string }
  | { type: 'error'; code: string; message: string };

/** Close codes of the device WebSocket. */
export const WS_CLOSE = {
  unauthenticated: 4401,
  revoked: 4403,
  invalidMessage: 4400,
  shuttingDown: 1001,
} as const;

// ---- admin API ----------------------------------------------------------------------------------

export const AdminUsersQuery = z.strictObject({
  q: z.string().trim().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
});

export const AdminUser = UserSummary.extend({ status: UserStatus, userName: z.string() });
export type AdminUser = z.infer<typeof AdminUser>;

export const DeviceSummary = z.object({
  id: z.string(),
  name: z.string(),
  state: DeviceState,
  createdAt: z.string(),
  lastSeenAt: z.string().nullable(),
});

export const RevocationSummary = z.object({
  id: z.string(),
  userId: z.string(),
  trigger: RevocationTrigger,
  actor: z.string(),
  reason: z.string(),
  createdAt: z.string(),
});
export type RevocationSummary = z.infer<typeof RevocationSummary>;

export const AdminUserDetail = AdminUser.extend({
  devices: z.array(DeviceSummary),
  apps: z.array(AppSummary),
  lastRevocation: RevocationSummary.nullable(),
});
export type AdminUserDetail = z.infer<typeof AdminUserDetail>;

export const AdminLogoutRequest = z.strictObject({
  reason: z.string().trim().min(1).max(500),
  confirm: z.string().max(320),
});

export const IdempotencyKey = z.string().min(1).max(200);

export const DeliveryState = z.enum(['pending', 'delivered', 'enforced']);
export type DeliveryState = z.infer<typeof DeliveryState>;

export const RevocationStatus = RevocationSummary.extend({
  devices: z.array(
    z.object({
      deviceId: z.string(),
      name: z.string(),
      state: DeliveryState,
      deliveredAt: z.string().nullable(),
      enforcedAt: z.string().nullable(),
      removed: Removed.nullable(),
      errors: z.array(z.string()),
    }),
  ),
});
export type RevocationStatus = z.infer<typeof RevocationStatus>;

export const AdminRevocationsQuery = z.strictObject({
  userId: Id.optional(),
  after: Cursor.optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
});

export const PageQuery = z.strictObject({
  after: Cursor.optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
});

export const AdminAuditQuery = PageQuery.extend({
  userId: Id.optional(),
  trigger: RevocationTrigger.optional(),
});

export const AuditEntry = z.object({
  id: z.string(),
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  userId: z.string().nullable(),
  trigger: RevocationTrigger.nullable(),
  detail: z.record(z.string(), z.unknown()),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

export const Notification = z.object({
  id: z.string(),
  at: z.string(),
  revocationId: z.string(),
  userId: z.string(),
  trigger: RevocationTrigger,
  message: z.string(),
  read: z.boolean(),
});
export type Notification = z.infer<typeof Notification>;

export const EnrollmentCodeResponse = z.object({ code: z.string(), expiresAt: z.string() });

// ---- identity providers ---------------------------------------------------------------------------

/** A workspace's Okta org for Global Token Revocation. */
export const OktaSettings = z.strictObject({
  /** The org URL (or custom domain) that issues the app's tokens: the JWT `iss`. */
  issuer: z.url().refine((value) => !value.endsWith('/'), 'must not end with "/"'),
  /** The app's OIDC client_id or SAML app instance id: the JWT `sub`. */
  appInstanceId: z.string().trim().min(1).max(200),
  /** Defaults to `<issuer>/oauth2/v1/keys`. */
  jwksUri: z.url().optional(),
});
export type OktaSettings = z.infer<typeof OktaSettings>;

/** A Shared Signals transmitter pushing CAEP events to this workspace (RFC 8935). */
export const SsfSettings = z.strictObject({
  /** The transmitter's issuer, exactly as it appears in the SET `iss`. */
  issuer: z.url(),
  /** Defaults to `<issuer>/oauth2/v1/keys` (Okta). */
  jwksUri: z.url().optional(),
  /** The SET `aud` this receiver expects, as configured on the stream. */
  audience: z.string().min(1).max(2048),
  /** When set, every push must carry exactly this Authorization header value. */
  authorizationHeader: z.string().min(16).max(4096).optional(),
  /** Also log the user out on CAEP credential-change (password reset, MFA change). */
  revokeOnCredentialChange: z.boolean().default(false),
});
export type SsfSettings = z.infer<typeof SsfSettings>;

/** An OpenID Provider sending back-channel logout tokens to this workspace. */
export const OidcSettings = z.strictObject({
  /** Exactly as the provider writes `iss` (Auth0's ends with "/"). */
  issuer: z.url(),
  /** Defaults to the `jwks_uri` of `<issuer>/.well-known/openid-configuration`. */
  jwksUri: z.url().optional(),
  /** This workspace's client id at the provider: the logout token's `aud`. */
  clientId: z.string().min(1).max(512),
  /** The logout-token claim that names the user (default `sub`), matched like a GTR subject. */
  userClaim: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$/)
    .default('sub'),
});
export type OidcSettings = z.infer<typeof OidcSettings>;
