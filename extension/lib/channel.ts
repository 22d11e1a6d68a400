import { RevocationEventWithCursor } from '@universal-logout/shared';
import { z } from 'zod';
import { api, ApiError } from './api';
import type { Applier } from './revocations';
import type { State } from './state';

const ServerMessage = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('revocation'),
    event: RevocationEventWithCursor.omit({ cursor: true }),
    cursor: z.string(),
  }),
  z.object({ type: z.literal('ready'), cursor: z.string() }),
  z.object({ type: z.literal('ping') }),
  z.object({ type: z.literal('notice'), revocationId: z.string() }),
  z.object({ type: z.literal('error'), code: z.string(), message: z.string() }),
]);

/**
 * The live channel: a WebSocket to /v1/device/ws while the worker lives (its pings keep an MV3
 * worker awake), reconnecting with exponential backoff and jitter; and `poll()`, the safety net the
 * alarm and every worker start call. An admin's socket also carries `notice`s of the workspace's
 * revocations, handed to `onNotice`.
 */
export function createChannel(state: State, applier: Applier, onNotice: () => void = () => undefined) {
  let socket: WebSocket | null = null;
  let attempt = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let connected = false;

  function scheduleReconnect() {
    if (timer) return;
    const delay = Math.min(30_000, 500 * 2 ** attempt) * (0.5 + Math.random() / 2);
    attempt++;
    timer = setTimeout(() => {
      timer = null;
      void connect();
    }, delay);
  }

  async function connect(): Promise<void> {
    const session = await state.session();
    if (!session || socket) return;
    const url = `${session.serverUrl.replace(/^http/, 'ws')}/v1/device/ws`;
    const ws = new WebSocket(url);
    socket = ws;
    ws.addEventListener('open', () => {
      void state
        .cursor()
        .then((after) => ws.send(JSON.stringify({ type: 'hello', token: session.token, ...(after ? { after } : {}) })));
    });
    ws.addEventListener('message', (message) => {
      const parsed = ServerMessage.safeParse(JSON.parse(String(message.data)));
      if (!parsed.success) return;
      const data = parsed.data;
      if (data.type === 'ready') {
        connected = true;
        attempt = 0;
      } else if (data.type === 'revocation') {
        void applier.apply([{ ...data.event, cursor: data.cursor }]);
      } else if (data.type === 'notice') {
        onNotice();
      }
    });
    ws.addEventListener('close', (event) => {
      socket = null;
      connected = false;
      // 4401: the token is not (or no longer) known: a poll tells whether the session is dead.
      if (event.code === 4401) void poll();
      void state.session().then((current) => {
        if (current) scheduleReconnect();
      });
    });
  }

  async function poll(): Promise<void> {
    const session = await state.session();
    if (!session) return;
    try {
      for (;;) {
        const page = await api.revocations(session, await state.cursor());
        if (page.events.length > 0) await applier.apply(page.events);
        if (page.events.length < 100) break;
      }
    } catch (error) {
      if (error instanceof ApiError && error.code === 'ERR_UNAUTHENTICATED')
        await applier.purgeEverything('This browser is no longer enrolled');
    }
  }

  return {
    connect,
    poll,
    get connected() {
      return connected;
    },
    disconnect() {
      if (timer) clearTimeout(timer);
      timer = null;
      socket?.close();
      socket = null;
    },
  };
}
