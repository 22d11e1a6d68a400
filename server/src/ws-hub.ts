import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  ADMIN_ROLES,
  AppError,
  compareCursor,
  WS_CLOSE,
  WsClientMessage,
  type WsServerMessage,
} from '@universal-logout/shared';
import { authenticateToken } from './auth.js';
import type { BusMessage } from './bus.js';
import type { Deps } from './env.js';
import type { DeviceSession } from './store/types.js';
import { wsText } from './ws-text.js';

export const WS_PATH = '/v1/device/ws';
export const HELLO_TIMEOUT_MS = 5_000;
export const PING_EVERY_MS = 20_000;
/**
 * Pings go out in slots spread over the interval: pinging 10,000 sockets in one loop stalls the
 * event loop (and every revocation behind it) for tens of milliseconds.
 */
const PING_SLOTS = 20;
const RESYNC_FIRST_DELAY_MS = 100;
const RESYNC_MAX_DELAY_MS = 5_000;

interface Connection {
  socket: WebSocket;
  session: DeviceSession;
  cursor: string;
  /** While the backlog is replayed, live messages wait here so that order holds. */
  buffer: BusMessage[] | null;
  alive: boolean;
  slot: number;
}

export interface DeviceHub {
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  readonly connections: number;
  close(): Promise<void>;
}

/**
 * The live channel: authenticates each socket by its first message, replays the backlog after
 * the client's cursor, then pushes every revocation of the device's user as the bus announces it.
 */
export function createDeviceHub(
  { store, bus, clock, logger }: Pick<Deps, 'store' | 'bus' | 'clock' | 'logger'>,
  options: { pingEveryMs?: number; helloTimeoutMs?: number } = {},
): DeviceHub {
  const server = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  const byUser = new Map<string, Set<Connection>>();
  /** Admins' connections per workspace: told of every revocation there, to refresh their notifications. */
  const admins = new Map<string, Set<Connection>>();
  const slots = Array.from({ length: PING_SLOTS }, () => new Set<Connection>());
  let nextSlot = 0;
  let tickSlot = 0;
  const userKey = (workspaceId: string, userId: string) => `${workspaceId}\u0000${userId}`;

  const send = (socket: WebSocket, message: WsServerMessage) => {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
  };

  function deliver(connection: Connection, message: BusMessage): void {
    if (compareCursor(message.cursor, connection.cursor) <= 0) return;
    connection.cursor = message.cursor;
    send(connection.socket, { type: 'revocation', event: message.event, cursor: message.cursor });
    const { device } = connection.session;
    store.markDelivered(device.workspaceId, message.event.id, device.id, clock.now()).catch((error: unknown) => {
      logger.warn({ err: error, deviceId: device.id }, 'could not record delivery');
    });
  }

  /** Sends everything after the connection's cursor from the store, then what arrived meanwhile. */
  async function catchUp(connection: Connection): Promise<void> {
    const { device } = connection.session;
    connection.buffer ??= [];
    try {
      for (;;) {
        const page = await store.listUserEvents(device.workspaceId, device.userId, connection.cursor, 100);
        for (const { cursor, ...event } of page.events)
          deliver(connection, { workspaceId: device.workspaceId, userId: device.userId, cursor, event });
        if (page.events.length < 100) break;
      }
    } finally {
      const buffered = connection.buffer;
      connection.buffer = null;
      for (const message of buffered) deliver(connection, message);
    }
  }

  const unsubscribe = bus.subscribe((message) => {
    for (const connection of byUser.get(userKey(message.workspaceId, message.userId)) ?? []) {
      if (connection.buffer) connection.buffer.push(message);
      else deliver(connection, message);
    }
    // Only a hint: the notifications themselves come from the admin API, which reads the role anew.
    for (const connection of admins.get(message.workspaceId) ?? []) {
      send(connection.socket, { type: 'notice', revocationId: message.event.id });
    }
  });
  /**
   * After the bus lost messages (a Redis reconnect), every connection re-reads its user's log
   * from its cursor. The store may still be coming back: whoever failed is retried, with backoff,
   * until each has caught up or gone.
   */
  function resync(connections: Connection[], attempt = 0): void {
    const failed: Connection[] = [];
    let firstError: unknown;
    void Promise.all(
      connections.map((connection) =>
        catchUp(connection).catch((error: unknown) => {
          firstError ??= error;
          failed.push(connection);
        }),
      ),
    ).then(() => {
      const open = failed.filter((connection) => connection.socket.readyState === connection.socket.OPEN);
      if (open.length === 0) return;
      const delay = Math.min(RESYNC_MAX_DELAY_MS, RESYNC_FIRST_DELAY_MS * 2 ** attempt);
      logger.warn({ err: firstError, connections: open.length, attempt, retryInMs: delay }, 'resync failed; retrying');
      setTimeout(() => resync(open, attempt + 1), delay).unref();
    });
  }
  const stopResync = bus.onResync(() => {
    resync([...byUser.values()].flatMap((connections) => [...connections]));
  });

  const pinger = setInterval(
    () => {
      for (const connection of slots[tickSlot] ?? []) {
        if (!connection.alive) {
          connection.socket.terminate();
          continue;
        }
        connection.alive = false;
        connection.socket.ping();
        send(connection.socket, { type: 'ping' });
      }
      tickSlot = (tickSlot + 1) % PING_SLOTS;
    },
    (options.pingEveryMs ?? PING_EVERY_MS) / PING_SLOTS,
  );
  pinger.unref();

  async function authenticate(socket: WebSocket, raw: string): Promise<void> {
    const parsed = WsClientMessage.safeParse(safeJson(raw));
    if (!parsed.success || parsed.data.type !== 'hello') {
      socket.close(WS_CLOSE.unauthenticated, 'the first message must be a valid hello');
      return;
    }
    let session: DeviceSession;
    try {
      session = await authenticateToken(store, parsed.data.token);
    } catch (error) {
      const unavailable = error instanceof AppError && error.code === 'ERR_STORE_UNAVAILABLE';
      socket.close(
        unavailable ? 1013 : WS_CLOSE.unauthenticated,
        unavailable ? 'try again later' : 'unknown device token',
      );
      return;
    }
    const { device } = session;
    const after = parsed.data.after;
    const connection: Connection = {
      socket,
      session,
      cursor: after === undefined || compareCursor(after, device.baseline) < 0 ? device.baseline : after,
      buffer: [],
      alive: true,
      slot: nextSlot++ % PING_SLOTS,
    };
    const key = userKey(device.workspaceId, device.userId);
    let connections = byUser.get(key);
    if (!connections) byUser.set(key, (connections = new Set()));
    connections.add(connection);
    slots[connection.slot]?.add(connection);
    let workspaceAdmins: Set<Connection> | undefined;
    if (ADMIN_ROLES.includes(session.user.role)) {
      workspaceAdmins = admins.get(device.workspaceId);
      if (!workspaceAdmins) admins.set(device.workspaceId, (workspaceAdmins = new Set()));
      workspaceAdmins.add(connection);
    }
    socket.on('close', () => {
      slots[connection.slot]?.delete(connection);
      connections.delete(connection);
      if (connections.size === 0) byUser.delete(key);
      if (workspaceAdmins?.delete(connection) && workspaceAdmins.size === 0) admins.delete(device.workspaceId);
    });
    socket.on('pong', () => (connection.alive = true));
    socket.on('message', (data) => {
      connection.alive = true;
      const message = WsClientMessage.safeParse(safeJson(wsText(data)));
      if (!message.success) socket.close(WS_CLOSE.invalidMessage, 'invalid message');
    });
    await catchUp(connection);
    send(socket, { type: 'ready', cursor: connection.cursor });
  }

  server.on('connection', (socket: WebSocket) => {
    const timer = setTimeout(
      () => socket.close(WS_CLOSE.unauthenticated, 'no hello within 5 s'),
      options.helloTimeoutMs ?? HELLO_TIMEOUT_MS,
    );
    socket.on('error', (error) => logger.debug({ err: error }, 'device socket error'));
    socket.once('message', (data) => {
      clearTimeout(timer);
      authenticate(socket, wsText(data)).catch((error: unknown) => {
        logger.warn({ err: error }, 'device socket setup failed');
        socket.close(1011, 'server error');
      });
    });
    socket.once('close', () => clearTimeout(timer));
  });

  return {
    handleUpgrade(request, socket, head) {
      server.handleUpgrade(request, socket, head, (ws) => server.emit('connection', ws, request));
    },
    get connections() {
      let count = 0;
      for (const connections of byUser.values()) count += connections.size;
      return count;
    },
    async close() {
      clearInterval(pinger);
      unsubscribe();
      stopResync();
      for (const socket of server.clients) socket.close(WS_CLOSE.shuttingDown, 'server shutting down');
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
