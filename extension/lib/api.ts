import {
  AdminUser,
  AdminUserDetail,
  AppSessionResponse,
  AppSummary,
  AuditEntry,
  EnrollmentCodeResponse,
  EnrollResponse,
  MeResponse,
  Notification,
  RevocationCreatedResponse,
  RevocationStatus,
  RevocationsResponse,
  RevocationTrigger,
  type ReceiptRequest,
} from '@universal-logout/shared';
import { z } from 'zod';
import type { Session } from './state';

/** A failed call: `code` is the server's stable error code, or ERR_NETWORK when it was unreachable. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

async function call<T>(url: string, init: RequestInit, schema: z.ZodType<T> | null): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch {
    throw new ApiError('ERR_NETWORK', `Cannot reach the server at ${new URL(url).origin}`, 0);
  }
  const text = await response.text();
  const body: unknown = text ? JSON.parse(text) : null;
  if (!response.ok) {
    const error = (body as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiError(
      error?.code ?? 'ERR_HTTP',
      error?.message ?? `the server answered ${response.status}`,
      response.status,
    );
  }
  return schema ? schema.parse(body) : (undefined as T);
}

const json = (token: string | null, body?: unknown): RequestInit => ({
  method: body === undefined ? 'GET' : 'POST',
  headers: {
    ...(token ? { authorization: `Bearer ${token}` } : {}),
    ...(body === undefined ? {} : { 'content-type': 'application/json' }),
  },
  ...(body === undefined ? {} : { body: JSON.stringify(body) }),
});

const query = (params: Record<string, string | number | null | undefined>) => {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(name, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
};

const AuditPage = z.object({ entries: z.array(AuditEntry), cursor: z.string().nullable() });
export type AuditPage = z.infer<typeof AuditPage>;
const NotificationList = z.object({ notifications: z.array(Notification), unread: z.number() });
export type NotificationList = z.infer<typeof NotificationList>;

/** The admin API (DESIGN.md): the device token of an owner, super admin or admin. */
export const adminApi = {
  users: (s: Session, q: string, limit = 50) =>
    call(`${s.serverUrl}/v1/admin/users${query({ q, limit })}`, json(s.token), z.object({ users: z.array(AdminUser) })),
  user: (s: Session, id: string) =>
    call(`${s.serverUrl}/v1/admin/users/${encodeURIComponent(id)}`, json(s.token), AdminUserDetail),
  logout: (s: Session, id: string, body: { reason: string; confirm: string }, idempotencyKey: string) =>
    call(
      `${s.serverUrl}/v1/admin/users/${encodeURIComponent(id)}/logout`,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${s.token}`,
          'content-type': 'application/json',
          'idempotency-key': idempotencyKey,
        },
        body: JSON.stringify(body),
      },
      RevocationCreatedResponse,
    ),
  revocation: (s: Session, id: string) =>
    call(`${s.serverUrl}/v1/admin/revocations/${encodeURIComponent(id)}`, json(s.token), RevocationStatus),
  audit: (
    s: Session,
    filter: { after?: string | null; userId?: string | null; trigger?: RevocationTrigger | null; limit?: number },
  ) => call(`${s.serverUrl}/v1/admin/audit${query(filter)}`, json(s.token), AuditPage),
  notifications: (s: Session) => call(`${s.serverUrl}/v1/admin/notifications`, json(s.token), NotificationList),
  markRead: (s: Session, upTo: string) =>
    call(`${s.serverUrl}/v1/admin/notifications/read`, json(s.token, { upTo }), null),
  enrollmentCode: (s: Session, id: string) =>
    call(
      `${s.serverUrl}/v1/admin/users/${encodeURIComponent(id)}/enrollment-codes`,
      { method: 'POST', headers: { authorization: `Bearer ${s.token}` } },
      EnrollmentCodeResponse,
    ),
};

export const api = {
  me: (s: Session) => call(`${s.serverUrl}/v1/device/me`, json(s.token), MeResponse),
  enroll: (serverUrl: string, code: string, deviceName: string) =>
    call(`${serverUrl}/v1/device/enroll`, json(null, { code, deviceName }), EnrollResponse),
  apps: (s: Session) => call(`${s.serverUrl}/v1/device/apps`, json(s.token), z.array(AppSummary)),
  appSession: (s: Session, appId: string) =>
    call(
      `${s.serverUrl}/v1/device/apps/${encodeURIComponent(appId)}/session`,
      { method: 'POST', headers: { authorization: `Bearer ${s.token}` } },
      AppSessionResponse,
    ),
  revocations: (s: Session, after: string | null) =>
    call(
      `${s.serverUrl}/v1/device/revocations${after ? `?after=${encodeURIComponent(after)}` : ''}`,
      json(s.token),
      RevocationsResponse,
    ),
  receipt: (s: Session, receipt: ReceiptRequest) =>
    call(`${s.serverUrl}/v1/device/receipts`, json(s.token, receipt), null),
  logoutEverywhere: (s: Session) =>
    call(
      `${s.serverUrl}/v1/device/logout-everywhere`,
      { method: 'POST', headers: { authorization: `Bearer ${s.token}` } },
      null,
    ),
};
