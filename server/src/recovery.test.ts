import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '@universal-logout/shared';
import { createMemoryBus, type Bus } from './bus.js';
import { createEmbeddedStore } from './store/embedded.js';
import type { Store } from './store/types.js';
import { startServer, type RunningServer } from './server.js';
import { createTestContext, type TestContext } from './test-support.js';
import { openTestSocket } from './ws-client.js';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A memory bus whose publishes fail while `down`, and whose resync a test fires by hand. */
function flakyBus() {
  const inner = createMemoryBus();
  const resyncs = new Set<() => void>();
  const state = { down: false, publishes: 0 };
  const bus: Bus = {
    publish(message) {
      state.publishes++;
      return state.down ? Promise.reject(new Error('bus down')) : inner.publish(message);
    },
    subscribe: (handler) => inner.subscribe(handler),
    onResync(handler) {
      resyncs.add(handler);
      return () => void resyncs.delete(handler);
    },
    close: () => inner.close(),
  };
  return { bus, state, resync: () => resyncs.forEach((handler) => handler()) };
}

/** The store with listUserEvents failing `failures` times, as while Redis comes back. */
function storeFailingReads(store: Store, failing: { reads: number }): Store {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (property !== 'listUserEvents' || typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (failing.reads > 0) {
          failing.reads--;
          return Promise.reject(new AppError('ERR_STORE_UNAVAILABLE', 'the store is unavailable'));
        }
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

let t: TestContext;
let server: RunningServer;
afterEach(async () => {
  await server.close();
  await t.dispose();
});

async function connected(token: string) {
  const socket = await openTestSocket(`${server.url.replace('http', 'ws')}/v1/device/ws`);
  socket.send({ type: 'hello', token });
  await socket.next((m) => m.type === 'ready');
  return socket;
}

describe('when the bus or the store hiccups after a revocation is persisted', () => {
  it('retries a failed publish until the connected device has it', async () => {
    const flaky = flakyBus();
    t = await createTestContext({ bus: flaky.bus });
    server = await startServer(t.deps, { port: 0, host: '127.0.0.1' });
    const socket = await connected((await t.enroll('ANA-0001')).token);
    flaky.state.down = true;
    const { revocation } = await t.revokeUser({
      workspaceId: 'acme',
      userId: 'u-ana',
      trigger: 'okta',
      actor: 'test',
      reason: 'bus down',
    });
    await expect.poll(() => flaky.state.publishes).toBeGreaterThanOrEqual(3);
    flaky.state.down = false;
    expect(await socket.next((m) => m.type === 'revocation', 5_000)).toMatchObject({ event: { id: revocation.id } });
    socket.close();
  });

  it('retries a resync whose reads fail until every connection has caught up', async () => {
    const flaky = flakyBus();
    const failing = { reads: 0 };
    const dir = await mkdtemp(join(tmpdir(), 'ul-recovery-'));
    t = await createTestContext({
      bus: flaky.bus,
      store: storeFailingReads(await createEmbeddedStore({ dataDir: dir }), failing),
    });
    server = await startServer(t.deps, { port: 0, host: '127.0.0.1' });
    const ana = await connected((await t.enroll('ANA-0001')).token);
    const ben = await connected((await t.enroll('BEN-0001')).token);
    // Persisted while the bus was down: nobody was told.
    flaky.state.down = true;
    const lost = await t.store.revoke({
      workspaceId: 'acme',
      userId: 'u-ana',
      trigger: 'okta',
      actor: 'test',
      reason: 'lost',
      origins: [],
      idempotencyKey: null,
      id: 'rev_lost',
      at: t.clock.now(),
    });
    // The bus is back before the store is: the first catch-ups fail.
    failing.reads = 3;
    flaky.resync();
    expect(await ana.next((m) => m.type === 'revocation', 5_000)).toMatchObject({ event: { id: 'rev_lost' } });
    expect(failing.reads).toBe(0);
    expect(ana.messages.filter((m) => m.type === 'revocation')).toHaveLength(1);
    expect(ben.messages.filter((m) => m.type === 'revocation')).toHaveLength(0);
    expect(lost.created).toBe(true);
    ana.close();
    ben.close();
  });
});
