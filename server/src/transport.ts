import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Headers every response carries, the set `hono/secure-headers` sends by default. They are set on
 * the Node response before Hono runs (`writeHead` merges them): through Hono each one costs a
 * validated `Headers` entry, and together with the request id that halved a bare route's
 * throughput (measured: docs/performance.md).
 */
export const SECURITY_HEADERS: readonly (readonly [string, string])[] = [
  ['cross-origin-opener-policy', 'same-origin'],
  ['cross-origin-resource-policy', 'same-origin'],
  ['origin-agent-cluster', '?1'],
  ['referrer-policy', 'no-referrer'],
  ['strict-transport-security', 'max-age=15552000; includeSubDomains'],
  ['x-content-type-options', 'nosniff'],
  ['x-dns-prefetch-control', 'off'],
  ['x-download-options', 'noopen'],
  ['x-frame-options', 'SAMEORIGIN'],
  ['x-permitted-cross-domain-policies', 'none'],
  ['x-xss-protection', '0'],
];

export const REQUEST_ID_HEADER = 'x-request-id';

/** A Node request with the id the server gave it on arrival. */
export type TaggedRequest = IncomingMessage & { requestId?: string };

/** Stamps a response with its request id and the security headers (every answer of the router). */
export function stampResponse(response: ServerResponse, requestId: string): void {
  response.setHeader(REQUEST_ID_HEADER, requestId);
  for (const [name, value] of SECURITY_HEADERS) response.setHeader(name, value);
}

/** The part of a Hono context these helpers read, whatever its route and input types. */
interface ContextLike {
  env: unknown;
}

/** The Node request behind a Hono context, when there is one (not under `app.request()`). */
export function incoming(c: ContextLike): TaggedRequest | undefined {
  const env: unknown = c.env;
  if (typeof env !== 'object' || env === null || !('incoming' in env)) return undefined;
  return env.incoming as TaggedRequest;
}

/** The id the server gave the request (`server.ts`), or a fresh one where no Node server ran. */
export const requestIdOf = (c: ContextLike): string => incoming(c)?.requestId ?? randomUUID();

/**
 * Makes `c.req.header(name)` read Node's parsed headers, for every route and middleware after the
 * app's first one. Hono's own reads the fetch `Headers` of the request, which @hono/node-server
 * builds (with undici's validation of every header) on first use, and Hono's validator asks for
 * `Content-Type` on every validated request, GETs included. Only for a named header: the whole
 * record still comes from Hono. Under `app.request()` (no Node request) Hono's own stays.
 */
export function readHeadersFromNode(c: ContextLike & { req: { header: (name?: string) => unknown } }): void {
  const node = incoming(c);
  if (!node) return;
  const original = c.req.header.bind(c.req);
  Object.defineProperty(c.req, 'header', {
    value: (name?: string) => {
      if (name === undefined) return original();
      const value = node.headers[name.toLowerCase()];
      return Array.isArray(value) ? value.join(', ') : value;
    },
  });
}
