import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { z } from 'zod';
import { AppError, type ErrorBody, type ErrorCode } from '@universal-logout/shared';
import type { Logger } from './logger.js';

export function errorBody(code: ErrorCode, message: string): ErrorBody {
  return { error: { code, message } };
}

/** Names the first offending field, e.g. `body.removed.cookies: expected number`. */
export function describeIssues(target: string, error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return `${target} is invalid`;
  const path = [target, ...issue.path.map(String)].join('.');
  if (issue.code === 'unrecognized_keys') {
    return `${path}: unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((key) => `"${key}"`).join(', ')}`;
  }
  return `${path}: ${issue.message}`;
}

/** The validation hook of every route: 400 ERR_INVALID_REQUEST naming the field. */
export function validationHook(
  result: { success: true } | { success: false; error: z.ZodError; target: string },
  c: Context,
) {
  if (!result.success) {
    const target = result.target === 'json' ? 'body' : result.target;
    return c.json(errorBody('ERR_INVALID_REQUEST', describeIssues(target, result.error)), 400);
  }
  return undefined;
}

export function createErrorHandler(logger: Logger) {
  return (error: Error, c: Context) => {
    if (error instanceof AppError) {
      if (error.status >= 500)
        logger.warn({ err: error.cause ?? error, code: error.code, requestId: c.get('requestId') }, error.message);
      if (error.code === 'ERR_STORE_UNAVAILABLE') c.header('Retry-After', '5');
      return c.json(errorBody(error.code, error.message), error.status);
    }
    if (error instanceof HTTPException) {
      const code = httpExceptionCode(error.status);
      return c.json(
        errorBody(code, error.status === 400 ? 'malformed JSON in request body' : error.message),
        error.status,
      );
    }
    logger.error({ err: error, requestId: c.get('requestId') }, 'unhandled error');
    return c.json(errorBody('ERR_INTERNAL', 'internal error'), 500);
  };
}

function httpExceptionCode(status: number): ErrorCode {
  switch (status) {
    case 401:
      return 'ERR_UNAUTHENTICATED';
    case 404:
      return 'ERR_NOT_FOUND';
    case 413:
      return 'ERR_PAYLOAD_TOO_LARGE';
    case 415:
      return 'ERR_UNSUPPORTED_MEDIA_TYPE';
    default:
      return 'ERR_INVALID_REQUEST';
  }
}
