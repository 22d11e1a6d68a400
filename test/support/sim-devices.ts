import WebSocket from 'ws';

/**
 * A browser as the server sees it, without the browser: it holds a device token, keeps the live
 * channel open (reconnecting from its cursor, as the extension does), applies each revocation once
 * and posts the receipt. It counts every delivery, so a test can tell "once" from "twice".
 */
export class SimDevice {
  /** Deliveries per revocation id (more than 1 means the server sent it again). */
  readonly deliveries = new Map<string, number>();
  /** When each revocation first arrived (performance.now()), for latency figures. */
  readonly firstSeenAt = new Map<string, number>();
  /** Revocation ids the device enforced (receipt accepted), in order. */
  readonly enforced: string[] = [];
  cursor: string | undefined;
  private socket: WebSocket | null = null;
  private online = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly baseUrl: () => string,
    readonly token: string,
  ) {}

  get connected(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  goOnline(): void {
    this.online = true;
    this.connect();
  }

  /** Drops the connection and stays away (a closed laptop) until goOnline(). */
  goOffline(): void {
    this.online = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.socket?.terminate();
    this.socket = null;
  }

  private connect(): void {
    if (!this.online || this.socket) return;
    const socket = new WebSocket(`${this.baseUrl().replace(/^http/, 'ws')}/v1/device/ws`);
    this.socket = socket;
    socket.on('open', () => {
      socket.send(JSON.stringify({ type: 'hello', token: this.token, ...(this.cursor ? { after: this.cursor } : {}) }));
    });
    socket.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString()) as { type: string; event?: { id: string }; cursor?: string };
      if (message.type !== 'revocation' || !message.event || !message.cursor) return;
      const id = message.event.id;
      if (!this.firstSeenAt.has(id)) this.firstSeenAt.set(id, performance.now());
      this.deliveries.set(id, (this.deliveries.get(id) ?? 0) + 1);
      this.cursor = message.cursor;
      if (!this.enforced.includes(id)) void this.enforce(id);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (this.socket === socket) this.socket = null;
      if (this.online && !this.timer) {
        // Backoff with jitter, short: the tests wait for recovery.
        this.timer = setTimeout(
          () => {
            this.timer = null;
            this.connect();
          },
          100 + Math.random() * 200,
        );
      }
    });
  }

  private async enforce(id: string): Promise<void> {
    for (let attempt = 0; attempt < 50; attempt++) {
      try {
        const response = await fetch(`${this.baseUrl()}/v1/device/receipts`, {
          method: 'POST',
          headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ revocationId: id, removed: { cookies: 2, origins: 1, tabs: 0 }, errors: [] }),
        });
        if (response.status === 202) {
          if (!this.enforced.includes(id)) this.enforced.push(id);
          return;
        }
      } catch {
        // The server is down: try again, as the extension's next poll would.
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** 0, 1, ... count - 1. */
export const indexes = (count: number) => Array.from({ length: count }, (_, i) => i);

/** Runs `task` over `items` with at most `limit` at once. */
export async function inParallel<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
) {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await task(items[index] as T, index);
      }
    }),
  );
  return results;
}
