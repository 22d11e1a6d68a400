import {
  AppSessionResponse,
  AppSummary,
  EnrollResponse,
  RevocationsResponse,
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

export const api = {
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
