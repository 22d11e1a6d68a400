import WebSocket from 'ws';
import type { WsServerMessage } from '@universal-logout/shared';
import { wsText } from './ws-text.js';

/** A device-channel client for tests and benchmarks: collects messages, awaits the ones it wants. */
export interface TestSocket {
  socket: WebSocket;
  messages: WsServerMessage[];
  next(predicate?: (message: WsServerMessage) => boolean, timeoutMs?: number): Promise<WsServerMessage>;
  closed: Promise<{ code: number; reason: string }>;
  send(message: unknown): void;
  close(): void;
}

export async function openTestSocket(url: string): Promise<TestSocket> {
  const socket = new WebSocket(url);
  const messages: WsServerMessage[] = [];
  let consumed = 0;
  const waiters = new Set<() => void>();
  socket.on('message', (data) => {
    messages.push(JSON.parse(wsText(data)) as WsServerMessage);
    for (const wake of waiters) wake();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    socket.on('close', (code, reason) => {
      resolve({ code, reason: reason.toString() });
      for (const wake of waiters) wake();
    });
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return {
    socket,
    messages,
    closed,
    send: (message) => socket.send(typeof message === 'string' ? message : JSON.stringify(message)),
    close: () => socket.close(),
    next(predicate = () => true, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          for (const message of messages.slice(consumed)) {
            consumed++;
            if (predicate(message)) {
              cleanup();
              resolve(message);
              return;
            }
          }
          if (socket.readyState === socket.CLOSED) {
            cleanup();
            reject(new Error('socket closed while waiting for a message'));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no matching message within ${timeoutMs} ms`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
  };
}
