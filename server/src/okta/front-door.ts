import type { IncomingMessage, ServerResponse } from 'node:http';
import { decodeBody, MAX_BODY_BYTES, readNodeBody, type ReadRequest } from '../body.js';
import type { Deps } from '../env.js';
import { REQUEST_ID_HEADER, SECURITY_HEADERS } from '../transport.js';
import { logGtr, type Gtr } from './gtr.js';

/** Milliseconds until a GTR call from this address for this workspace may be tried (0: now). */
export type GtrWait = (address: string, workspaceId: string) => number;

const GTR_PATH = /^\/okta\/([A-Za-z0-9_-]{1,64})\/global-token-revocation$/;

/**
 * The workspace of a plain GTR call (`POST /okta/<id>/global-token-revocation`, no query, a
 * Content-Length within the body limit), or null for any other request.
 */
export function plainGtr(request: IncomingMessage): { workspaceId: string } | null {
  if (request.method !== 'POST') return null;
  const workspaceId = GTR_PATH.exec(request.url ?? '')?.[1];
  if (workspaceId === undefined) return null;
  const length = request.headers['content-length'];
  if (length === undefined || request.headers['transfer-encoding'] !== undefined) return null;
  return Number(length) <= MAX_BODY_BYTES ? { workspaceId } : null;
}

/**
 * The router's 204 byte for byte: the security headers and, as @hono/node-server adds to every
 * answer without one, a text/plain content type (meaningless on a 204, harmless, and kept so the
 * two paths cannot be told apart).
 */
const STATIC_HEADERS = [...SECURITY_HEADERS.flat(), 'content-type', 'text/plain; charset=UTF-8'];

/**
 * Okta's GTR calls, answered before the router when they are accepted: the same GTR core
 * (okta/gtr.ts), the same log lines, the same 204 and headers (tested against the router), without
 * the router's per-request work. A call is taken only while its address and workspace are under
 * the failure limits. Anything the core does not accept, and any error, goes to the router with
 * the body already read; the router then answers it in full (status, body, log line, the failure
 * counted). Running the core again there is safe: the calls it refused changed nothing, or only
 * claimed the jti for the same subject, which the core treats as Okta's own retry.
 */
export function createGtrFrontDoor({ logger }: Pick<Deps, 'logger'>, gtr: Gtr, wait: GtrWait) {
  return async (
    plain: { workspaceId: string },
    request: IncomingMessage,
    response: ServerResponse,
    requestId: string,
  ): Promise<boolean> => {
    const started = performance.now();
    if (wait(request.socket.remoteAddress ?? 'unknown', plain.workspaceId) > 0) return false;
    const body = await readNodeBody(request, MAX_BODY_BYTES);
    // The router reads this instead of the stream, which is spent.
    (request as ReadRequest).rawBody = body;
    const answer = await gtr({
      workspaceId: plain.workspaceId,
      authorization: request.headers.authorization,
      contentType: request.headers['content-type'],
      body: decodeBody(body),
    });
    if (!answer.ok) return false;
    logGtr(logger, requestId, plain.workspaceId, answer);
    response.writeHead(204, [...STATIC_HEADERS, REQUEST_ID_HEADER, requestId]);
    response.end();
    logger.info(
      {
        requestId,
        method: 'POST',
        path: request.url,
        status: 204,
        ms: Math.round((performance.now() - started) * 10) / 10,
      },
      'request',
    );
    return true;
  };
}
