import { z } from 'zod';
import { RevocationEvent } from '@universal-logout/shared';
import type { RedisClient } from './store/redis.js';
import type { Revocation } from './store/types.js';

/** What one server instance tells every other one after a revocation is persisted. */
export const BusMessage = z.object({
  workspaceId: z.string(),
  userId: z.string(),
  cursor: z.string(),
  event: RevocationEvent,
});
export type BusMessage = z.infer<typeof BusMessage>;

/** The message announcing a new revocation: the pipeline's, or the Redis store's own. */
export function busMessageOf(revocation: Omit<Revocation, 'devices'>): BusMessage {
  const { workspaceId, userId, cursor } = revocation;
  return {
    workspaceId,
    userId,
    event: {
      id: revocation.id,
      userId,
      trigger: revocation.trigger,
      reason: revocation.reason,
      origins: revocation.origins,
      createdAt: revocation.createdAt,
    },
    // Last: the Redis store's script writes the cursor it mints into the text's end.
    cursor,
  };
}

export interface Bus {
  publish(message: BusMessage): Promise<void>;
  /** Returns the unsubscribe function. */
  subscribe(handler: (message: BusMessage) => void): () => void;
  /**
   * Called after the bus reconnects: messages may have been lost while it was down, so
   * subscribers re-read what they hold from the store.
   */
  onResync(handler: () => void): () => void;
  close(): Promise<void>;
}

function handlerSet<T extends unknown[]>() {
  const handlers = new Set<(...args: T) => void>();
  return {
    add: (handler: (...args: T) => void) => {
      handlers.add(handler);
      return () => void handlers.delete(handler);
    },
    emit: (...args: T) => {
      for (const handler of handlers) handler(...args);
    },
  };
}

/** One process: the embedded store's bus. */
export function createMemoryBus(): Bus {
  const messages = handlerSet<[BusMessage]>();
  const resyncs = handlerSet<[]>();
  return {
    publish(message) {
      // Asynchronous like a real bus, so no caller depends on delivery happening inline.
      queueMicrotask(() => messages.emit(message));
      return Promise.resolve();
    },
    subscribe: messages.add,
    onResync: resyncs.add,
    close: () => Promise.resolve(),
  };
}

export interface RedisBusOptions {
  client: RedisClient;
  channel: string;
  onError: (error: unknown) => void;
}

/** Redis pub/sub: publishes on the command client, listens on a duplicate of it. */
export async function createRedisBus({ client, channel, onError }: RedisBusOptions): Promise<Bus> {
  const messages = handlerSet<[BusMessage]>();
  const resyncs = handlerSet<[]>();
  const subscriber = client.duplicate();
  subscriber.on('error', onError);
  let connectedOnce = false;
  subscriber.on('ready', () => {
    // node-redis resubscribes by itself after a reconnect; what was published meanwhile is lost.
    if (connectedOnce) resyncs.emit();
    connectedOnce = true;
  });
  await subscriber.connect();
  await subscriber.subscribe(channel, (raw) => {
    const parsed = BusMessage.safeParse(safeJson(raw));
    if (parsed.success) messages.emit(parsed.data);
    else onError(new Error(`ignored a malformed bus message: ${parsed.error.message}`));
  });
  return {
    async publish(message) {
      await client.publish(channel, JSON.stringify(message));
    },
    subscribe: messages.add,
    onResync: resyncs.add,
    async close() {
      await subscriber.unsubscribe(channel).catch(() => undefined);
      subscriber.destroy();
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
