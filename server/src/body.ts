import { IncomingMessage } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppEnv } from './env.js';
import { incoming } from './transport.js';

/** Every request body is limited to this (413 past it). */
export const MAX_BODY_BYTES = 64 * 1024;

const utf8 = new TextDecoder();

/** Decodes like `Request.text()`: UTF-8, a leading BOM dropped, bad bytes replaced. */
export const decodeBody = (body: Uint8Array): string => utf8.decode(body);

/** A Node request whose body was read already (before the router: okta/front-door.ts). */
export type ReadRequest = IncomingMessage & { rawBody?: Buffer };

class BodyTooLarge extends Error {}

/**
 * The request body, read from Node's stream: at most `maxBytes` (a larger Content-Length is
 * refused before anything is read; a longer stream is cut off at the limit).
 */
export function readNodeBody(request: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = request.headers['content-length'];
  if (declared !== undefined && request.headers['transfer-encoding'] === undefined && Number(declared) > maxBytes) {
    return Promise.reject(new BodyTooLarge());
  }
  // Read already, or the client went away: nothing more will come.
  if (request.readableEnded || request.destroyed) return Promise.reject(new Error('the request body is gone'));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        cleanUp();
        // Stop reading; the answer (413) goes out and the connection is closed after it.
        request.pause();
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanUp();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      cleanUp();
      reject(error);
    };
    const cleanUp = () => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onError);
    };
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onError);
  });
}

/**
 * Reads every body (methods that carry one) straight from Node's request, with the size limit,
 * and hands it to Hono's body cache, so `c.req.text()`, `c.req.json()` and the JSON validator are
 * served from it. Hono's own reading builds the fetch `Request` and a web stream over Node's
 * stream for every such request, which was a sixth of a GTR call's CPU (docs/performance.md).
 * Under `app.request()` (no Node request) Hono's body limit does the same job.
 */
export function readBodies(options: {
  maxBytes: number;
  tooLarge: (c: Context<AppEnv>) => Response;
}): MiddlewareHandler<AppEnv> {
  const fallback = bodyLimit({ maxSize: options.maxBytes, onError: options.tooLarge });
  return async (c, next) => {
    const node = incoming(c);
    // Tests may pass a stand-in for Node's request (an address, headers): Hono reads those.
    if (!(node instanceof IncomingMessage)) return fallback(c, next);
    const read = node as ReadRequest;
    let body: Buffer;
    try {
      body = read.rawBody ?? (await readNodeBody(node, options.maxBytes));
    } catch (error) {
      if (!(error instanceof BodyTooLarge)) throw error;
      c.header('Connection', 'close');
      return options.tooLarge(c);
    }
    // A late reader of the fetch Request (none today) gets the same bytes (@hono/node-server
    // builds the body from `rawBody` when it is there).
    read.rawBody = body;
    // Hono keeps each body reading's promise under its name (its type says the method's).
    (c.req.bodyCache as Record<string, unknown>).text = Promise.resolve(decodeBody(body));
    await next();
    return undefined;
  };
}
