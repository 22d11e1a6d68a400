import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { getRequestListener } from '@hono/node-server';
import { createApp } from './app.js';
import type { Deps } from './env.js';
import { plainGtr } from './okta/front-door.js';
import { plainPoll } from './poll.js';
import { stampResponse, type TaggedRequest } from './transport.js';
import { createDeviceHub, WS_PATH, type DeviceHub } from './ws-hub.js';

export interface RunningServer {
  url: string;
  port: number;
  hub: DeviceHub;
  revokeUser: ReturnType<typeof createApp>['revokeUser'];
  /** Stops accepting, closes device sockets, waits for open requests. */
  close(): Promise<void>;
}

/** Listens with the HTTP app and the device WebSocket on one port. */
export async function startServer(
  deps: Deps,
  options: {
    port: number;
    host: string;
    hub?: Parameters<typeof createDeviceHub>[1];
    /**
     * Answer plain device polls and accepted Okta GTR calls before the router (default true; off
     * to compare the two in tests).
     */
    frontDoors?: boolean;
  },
): Promise<RunningServer> {
  const { app, revokeUser, fastPoll, gtrFrontDoor } = createApp(deps);
  const frontDoors = options.frontDoors !== false;
  const hub = createDeviceHub(deps, options.hub);
  const router = getRequestListener(app.fetch, { hostname: options.host });
  const server = createServer((request: TaggedRequest, response) => {
    const requestId = randomUUID();
    request.requestId = requestId;
    const toRouter = () => {
      stampResponse(response, requestId);
      void router(request, response);
    };
    // A front door that fails has written nothing (it answers last), so the router can still.
    const orRouter = (answered: Promise<boolean>) =>
      answered.then(
        (done) => done || toRouter(),
        () => response.headersSent || toRouter(),
      );
    // The plain device poll (most of the traffic; poll.ts) and accepted Okta GTR calls
    // (okta/front-door.ts) first; everything else, and whatever those decline, to the router.
    const poll = frontDoors ? plainPoll(request) : null;
    const gtr = frontDoors && !poll ? plainGtr(request) : null;
    if (poll) void orRouter(fastPoll(poll, request, response, requestId));
    else if (gtr) void orRouter(gtrFrontDoor(gtr, request, response, requestId));
    else toRouter();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (path === WS_PATH) hub.handleUpgrade(request, socket, head);
    else socket.destroy();
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}`,
    port,
    hub,
    revokeUser,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await hub.close();
      if ('closeIdleConnections' in server) server.closeIdleConnections();
      await closed;
    },
  };
}
