/**
 * Stable, public error codes. Clients (the extension, scripts, monitoring) match on these:
 * add new ones freely, never rename or remove one.
 */
export type ErrorCode =
  | 'ERR_INVALID_REQUEST'
  | 'ERR_UNAUTHENTICATED'
  | 'ERR_SESSION_REVOKED'
  | 'ERR_FORBIDDEN'
  | 'ERR_NOT_FOUND'
  | 'ERR_CONFLICT'
  | 'ERR_CONFIRMATION_MISMATCH'
  | 'ERR_ENROLLMENT_CODE_INVALID'
  | 'ERR_USER_DEACTIVATED'
  | 'ERR_PAYLOAD_TOO_LARGE'
  | 'ERR_UNSUPPORTED_MEDIA_TYPE'
  | 'ERR_RATE_LIMITED'
  | 'ERR_STORE_UNAVAILABLE'
  | 'ERR_INTERNAL';

export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 429 | 500 | 503;

/** Every code has exactly one HTTP status; a code without one does not compile. */
export const errorStatus = {
  ERR_INVALID_REQUEST: 400,
  ERR_UNAUTHENTICATED: 401,
  ERR_SESSION_REVOKED: 401,
  ERR_FORBIDDEN: 403,
  ERR_NOT_FOUND: 404,
  ERR_CONFLICT: 409,
  ERR_CONFIRMATION_MISMATCH: 400,
  ERR_ENROLLMENT_CODE_INVALID: 400,
  ERR_USER_DEACTIVATED: 403,
  ERR_PAYLOAD_TOO_LARGE: 413,
  ERR_UNSUPPORTED_MEDIA_TYPE: 415,
  ERR_RATE_LIMITED: 429,
  ERR_STORE_UNAVAILABLE: 503,
  ERR_INTERNAL: 500,
} as const satisfies Record<ErrorCode, ErrorStatus>;

export class AppError extends Error {
  override readonly name = 'AppError';
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  get status(): ErrorStatus {
    return errorStatus[this.code];
  }
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}
