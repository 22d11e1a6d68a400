import type { IncomingMessage, ServerResponse } from 'node:http';
import { compareCursor, isCursor } from '@universal-logout/shared';
import type { DeviceAuth } from './auth.js';
import type { Deps } from './env.js';
import type { Device } from './store/types.js';
import { REQUEST_ID_HEADER, SECURITY_HEADERS } from './transport.js';

export const POLL_PATH = '/v1/device/revocations';
const PAGE_SIZE = 100;

/**
 * The device poll: the user's revocations after a cursor (never before the device enrolled: a new
 * device has nothing to purge for older logouts), each one recorded as delivered to this device.
 */
export function createPoll({ store, clock }: Pick<Deps, 'store' | 'clock'>) {
  return async (device: Pick<Device, 'workspaceId' | 'id' | 'userId' | 'baseline'>, after: string | undefined) => {
    const from = after === undefined || compareCursor(after, device.baseline) < 0 ? device.baseline : after;
    const page = await store.listUserEvents(device.workspaceId, device.userId, from, PAGE_SIZE);
    const now = clock.now();
    await Promise.all(page.events.map((event) => store.markDelivered(device.workspaceId, event.id, device.id, now)));
    return page;
  };
}

export type Poll = ReturnType<typeof createPoll>;

/**
 * The cursor of a plain poll (`GET /v1/device/revocations` with at most a well-formed `after`, no
 * `Origin`), or null for any other request. Anything unusual is the router's to answer.
 */
export function plainPoll(request: IncomingMessage): { after: string | undefined } | null {
  if (request.method !== 'GET' || request.headers.origin !== undefined) return null;
  const url = request.url ?? '';
  const mark = url.indexOf('?');
  if ((mark === -1 ? url : url.slice(0, mark)) !== POLL_PATH) return null;
  if (mark === -1) return { after: undefined };
  const query = url.slice(mark + 1);
  if (!query.startsWith('after=')) return null;
  const after = query.slice('after='.length);
  return isCursor(after) ? { after } : null;
}

const STATIC_HEADERS = SECURITY_HEADERS.flat();

/**
 * Every browser polls every 30 s, so the poll is most of the traffic. Its plain, successful case is
 * answered here, from Node's request, with the same authentication and poll as the route and the
 * same response bytes and headers (tested against the router), without the router's per-request
 * work (fetch Request and Headers, middleware chain, schema validation), which took most of its
 * time (docs/performance.md). Returns false, having written nothing, for anything else, including
 * every failure: the router then answers it in full.
 */
export function createFastPoll({ logger }: Pick<Deps, 'logger'>, deviceAuth: DeviceAuth, poll: Poll) {
  return async (
    plain: { after: string | undefined },
    request: IncomingMessage,
    response: ServerResponse,
    requestId: string,
  ): Promise<boolean> => {
    const started = performance.now();
    let body: string;
    try {
      const device = await deviceAuth.identify(request.headers.authorization);
      body = JSON.stringify(await poll(device, plain.after));
    } catch {
      return false;
    }
    response.writeHead(200, [
      ...STATIC_HEADERS,
      REQUEST_ID_HEADER,
      requestId,
      'content-type',
      'application/json',
      'content-length',
      String(Buffer.byteLength(body)),
    ]);
    response.end(body);
    logger.debug(
      {
        requestId,
        method: 'GET',
        path: POLL_PATH,
        status: 200,
        ms: Math.round((performance.now() - started) * 10) / 10,
      },
      'request',
    );
    return true;
  };
}
