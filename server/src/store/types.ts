import type {
  AuditEntry,
  DeviceState,
  Notification,
  Removed,
  RevocationEvent,
  RevocationTrigger,
  Role,
  SessionBundle,
  UserStatus,
} from '@universal-logout/shared';

export interface Workspace {
  id: string;
  name: string;
  /** Per-protocol settings from the workspace file; each protocol validates its own part. */
  settings: Record<string, unknown>;
}

export interface UserInput {
  workspaceId: string;
  id: string;
  email: string;
  userName: string;
  name: string;
  /** Kept as provisioned (SCIM `name`), so a provisioning client reads back what it wrote. */
  givenName: string | null;
  /** Set when a provisioning client deleted the user: kept for the audit trail, gone for SCIM. */
  deletedAt?: string | null;
  familyName: string | null;
  role: Role;
  status: UserStatus;
  externalId: string | null;
  apps: string[];
}

export interface User extends UserInput {
  /** Bumped by every revocation: a device session minted under an older epoch is dead. */
  sessionEpoch: number;
}

export interface App {
  workspaceId: string;
  id: string;
  name: string;
  origins: string[];
  session: SessionBundle;
}

export interface Device {
  workspaceId: string;
  id: string;
  userId: string;
  name: string;
  createdAt: string;
  lastSeenAt: string | null;
  state: DeviceState;
  epoch: number;
  /** Cursor of the user's revocation stream when the device enrolled. */
  baseline: string;
  tokenHash: string;
}

export interface DeviceSession {
  device: Device;
  user: User;
}

export interface Revocation {
  workspaceId: string;
  id: string;
  userId: string;
  trigger: RevocationTrigger;
  actor: string;
  reason: string;
  origins: string[];
  createdAt: string;
  /** Position in the user's revocation stream. */
  cursor: string;
  /** The user's devices when the revocation was made: the ones that must enforce it. */
  devices: { id: string; name: string }[];
}

export interface Delivery {
  deviceId: string;
  deliveredAt: string | null;
  enforcedAt: string | null;
  removed: Removed | null;
  errors: string[];
}

export interface EnrollmentCode {
  codeHash: string;
  workspaceId: string;
  userId: string;
  expiresAt: number;
}

export interface RevokeInput {
  workspaceId: string;
  userId: string;
  trigger: RevocationTrigger;
  actor: string;
  reason: string;
  origins: string[];
  /** Scoped by the caller (e.g. `admin:<actor>:<key>`, `okta:<jti>`); same key, same revocation. */
  idempotencyKey: string | null;
  /** Fresh id to use when a new revocation is created. */
  id: string;
  at: number;
}

export interface RevokeResult {
  revocation: Revocation;
  created: boolean;
  /** The store also published the bus message (the Redis store, in the same atomic step). */
  published?: boolean;
}

export type EnrollResult = { ok: true; device: Device; user: User } | { ok: false; reason: 'invalid' | 'deactivated' };

export interface EnrollInput {
  codeHash: string;
  now: number;
  deviceId: string;
  deviceName: string;
  tokenHash: string;
}

export interface Page<T> {
  items: T[];
  /** Pass back as `after` for the next (older) page; null when there is none. */
  cursor: string | null;
}

export interface EventPage {
  events: (RevocationEvent & { cursor: string })[];
  cursor: string;
}

export type AuditInput = Omit<AuditEntry, 'id'>;

/**
 * Everything the server persists. Both implementations run the same contract suite
 * (`store-contract.ts`); a method is atomic: it either happens whole or throws.
 */
export interface Store {
  readonly kind: 'embedded' | 'redis';
  /** Throws `ERR_STORE_UNAVAILABLE` when the store cannot serve requests. */
  ping(): Promise<void>;
  close(): Promise<void>;

  upsertWorkspace(workspace: Workspace): Promise<void>;
  /** Frozen, and possibly the same object as an earlier read: copy to change (`upsertWorkspace`). */
  getWorkspace(id: string): Promise<Workspace | null>;

  /** Creates or replaces a user; keeps the session epoch and creation order of an existing one. */
  upsertUser(user: UserInput): Promise<User>;
  getUser(workspaceId: string, id: string): Promise<User | null>;
  findUserByEmail(workspaceId: string, email: string): Promise<User | null>;
  /** All users of a workspace in creation order. */
  listUsers(workspaceId: string): Promise<User[]>;

  upsertApp(app: App): Promise<void>;
  listApps(workspaceId: string): Promise<App[]>;

  /** Stores a code; with `ifNeverUsed`, not when that code was consumed before. */
  putEnrollmentCode(code: EnrollmentCode, options?: { ifNeverUsed?: boolean }): Promise<boolean>;
  /** Consumes a code and creates the device, atomically. */
  enroll(input: EnrollInput): Promise<EnrollResult>;

  getDeviceSession(workspaceId: string, deviceId: string): Promise<DeviceSession | null>;
  listDevices(workspaceId: string, userId: string): Promise<Device[]>;
  touchDevice(workspaceId: string, deviceId: string, at: number): Promise<void>;

  /**
   * The durable heart of a logout: records the revocation (or returns the one made under the
   * same idempotency key), revokes every device of the user, bumps the session epoch, appends
   * the audit entry and the admins' notification. Resolves only once all of it is durable.
   */
  revoke(input: RevokeInput): Promise<RevokeResult>;
  getRevocation(workspaceId: string, id: string): Promise<Revocation | null>;
  /** The user's revocations strictly after `after`, oldest first. */
  listUserEvents(workspaceId: string, userId: string, after: string, limit: number): Promise<EventPage>;
  /** The newest cursor of the user's revocation stream (START_CURSOR when empty). */
  userCursor(workspaceId: string, userId: string): Promise<string>;
  /** Newest first, strictly older than `after` when given. */
  listRevocations(
    workspaceId: string,
    options: { userId?: string | undefined; after?: string | undefined; limit: number },
  ): Promise<Page<Revocation>>;

  markDelivered(workspaceId: string, revocationId: string, deviceId: string, at: number): Promise<void>;
  putReceipt(
    workspaceId: string,
    revocationId: string,
    deviceId: string,
    receipt: { removed: Removed; errors: string[]; at: number },
  ): Promise<void>;
  listDeliveries(workspaceId: string, revocationId: string): Promise<Delivery[]>;

  /**
   * Remembers `key` with `fingerprint` for `ttlMs`, once: null when this call claimed it, else the
   * fingerprint it was first claimed with. Replay protection for IdP token ids (`jti`).
   */
  claimOnce(workspaceId: string, key: string, fingerprint: string, ttlMs: number, now: number): Promise<string | null>;

  appendAudit(workspaceId: string, entry: AuditInput): Promise<AuditEntry>;
  /** Newest first, strictly older than `after` when given. */
  listAudit(workspaceId: string, options: { after?: string | undefined; limit: number }): Promise<Page<AuditEntry>>;

  /** Newest first, with `read` computed for this admin. */
  listNotifications(workspaceId: string, adminId: string, limit: number): Promise<Notification[]>;
  markNotificationsRead(workspaceId: string, adminId: string, upTo: string): Promise<void>;
}
