import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { serve, type ServerType } from '@hono/node-server';
import { createApp } from './app.js';
import type { Deps } from './env.js';
import { installTransportHeaders } from './transport.js';
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
  options: { port: number; host: string; hub?: Parameters<typeof createDeviceHub>[1] },
): Promise<RunningServer> {
  const { app, revokeUser } = createApp(deps);
  const hub = createDeviceHub(deps, options.hub);
  const server = await new Promise<ServerType>((resolve) => {
    const listening: ServerType = serve({ fetch: app.fetch, port: options.port, hostname: options.host }, () =>
      resolve(listening),
    );
  });
  installTransportHeaders(server as Server);
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
