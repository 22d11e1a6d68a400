import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WS_CLOSE } from '@universal-logout/shared';
import { startServer, type RunningServer } from './server.js';
import { createTestContext, type TestContext } from './test-support.js';
import { openTestSocket } from './ws-client.js';

let t: TestContext;
let server: RunningServer;
let wsUrl: string;

beforeEach(async () => {
  t = await createTestContext();
  server = await startServer(t.deps, { port: 0, host: '127.0.0.1', hub: { helloTimeoutMs: 300, pingEveryMs: 200 } });
  wsUrl = `${server.url.replace('http', 'ws')}/v1/device/ws`;
});
afterEach(async () => {
  await server.close();
  await t.dispose();
});

const revoke = (userId: string, reason = 'incident') =>
  t.revokeUser({ workspaceId: 'acme', userId, trigger: 'admin', actor: 'u-admin', reason });

describe('device WebSocket', () => {
  it('closes with 4401 when no hello arrives in time', async () => {
    const socket = await openTestSocket(wsUrl);
    expect((await socket.closed).code).toBe(WS_CLOSE.unauthenticated);
  });

  it.each([
    ['an unknown token', { type: 'hello', token: 'ul1.acme.dev_x.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' }],
    ['a message that is not a hello', { type: 'pong' }],
    ['a hello with unknown fields', { type: 'hello', token: 'x', admin: true }],
    ['not JSON', 'hello'],
  ])('closes with 4401 for %s', async (_name, message) => {
    const socket = await openTestSocket(wsUrl);
    socket.send(message);
    expect((await socket.closed).code).toBe(WS_CLOSE.unauthenticated);
  });

  it('refuses other paths and tokens in the URL are never needed', async () => {
    await expect(openTestSocket(`${server.url.replace('http', 'ws')}/v1/device/other`)).rejects.toThrow();
  });

  it('replays what the device missed, then pushes live revocations in order', async () => {
    const { token } = await t.enroll('ANA-0001');
    const missed = await revoke('u-ana', 'while offline');
    const socket = await openTestSocket(wsUrl);
    socket.send({ type: 'hello', token });
    const first = await socket.next((m) => m.type === 'revocation');
    expect(first).toMatchObject({ type: 'revocation', event: { id: missed.revocation.id, reason: 'while offline' } });
    const ready = await socket.next((m) => m.type === 'ready');
    expect(ready).toEqual({ type: 'ready', cursor: missed.revocation.cursor });

    const live = await revoke('u-ana', 'live');
    await revoke('u-ben', 'someone else');
    const pushed = await socket.next((m) => m.type === 'revocation');
    expect(pushed).toEqual({
      type: 'revocation',
      cursor: live.revocation.cursor,
      event: {
        id: live.revocation.id,
        userId: 'u-ana',
        trigger: 'admin',
        reason: 'live',
        origins: ['http://crm.localhost:5173', 'http://wiki.localhost:5173'],
        createdAt: live.revocation.createdAt,
      },
    });
    socket.close();
    expect(socket.messages.filter((m) => m.type === 'revocation')).toHaveLength(2);
  });

  it('starts after the cursor the client sends', async () => {
    const { token } = await t.enroll('ANA-0001');
    const seen = await revoke('u-ana', 'already applied');
    const unseen = await revoke('u-ana', 'not yet applied');
    const socket = await openTestSocket(wsUrl);
    socket.send({ type: 'hello', token, after: seen.revocation.cursor });
    await socket.next((m) => m.type === 'ready');
    const events = socket.messages.filter((m) => m.type === 'revocation');
    expect(events).toMatchObject([{ event: { id: unseen.revocation.id } }]);
    socket.close();
  });

  it('marks the revocation delivered to the device', async () => {
    const { token, deviceId } = await t.enroll('ANA-0001');
    const socket = await openTestSocket(wsUrl);
    socket.send({ type: 'hello', token });
    await socket.next((m) => m.type === 'ready');
    const { revocation } = await revoke('u-ana');
    await socket.next((m) => m.type === 'revocation');
    await expect
      .poll(async () => (await t.store.listDeliveries('acme', revocation.id))[0]?.deliveredAt)
      .toEqual(expect.any(String));
    expect((await t.store.listDeliveries('acme', revocation.id))[0]?.deviceId).toBe(deviceId);
    socket.close();
  });

  it("tells the workspace's admins of every revocation there, and nobody else", async () => {
    const admin = await t.enroll('ADMIN-0001');
    const member = await t.enroll('BEN-0001');
    const otherTenant = await t.enroll('GLOBEX-0001');
    const sockets = await Promise.all(
      [admin, member, otherTenant].map(async ({ token }) => {
        const socket = await openTestSocket(wsUrl);
        socket.send({ type: 'hello', token });
        await socket.next((m) => m.type === 'ready');
        return socket;
      }),
    );
    const [adminSocket, memberSocket, globexSocket] = sockets as [
      (typeof sockets)[number],
      (typeof sockets)[number],
      (typeof sockets)[number],
    ];
    const { revocation } = await revoke('u-ana');
    expect(await adminSocket.next((m) => m.type === 'notice')).toEqual({
      type: 'notice',
      revocationId: revocation.id,
    });
    // The member's own revocation still reaches them; a notice about someone else never does.
    await revoke('u-ben');
    await memberSocket.next((m) => m.type === 'revocation');
    expect(memberSocket.messages.filter((m) => m.type === 'notice')).toEqual([]);
    expect(globexSocket.messages.filter((m) => m.type === 'notice')).toEqual([]);
    for (const socket of sockets) socket.close();
  });

  it('sends pings to keep an MV3 worker alive', async () => {
    const { token } = await t.enroll('ANA-0001');
    const socket = await openTestSocket(wsUrl);
    socket.send({ type: 'hello', token });
    expect(await socket.next((m) => m.type === 'ping', 2000)).toEqual({ type: 'ping' });
    socket.close();
  });

  it('closes with 4400 on an invalid message after hello', async () => {
    const { token } = await t.enroll('ANA-0001');
    const socket = await openTestSocket(wsUrl);
    socket.send({ type: 'hello', token });
    await socket.next((m) => m.type === 'ready');
    socket.send({ type: 'subscribe', user: 'u-ben' });
    expect((await socket.closed).code).toBe(WS_CLOSE.invalidMessage);
  });

  it('closes sockets with 1001 on shutdown', async () => {
    const { token } = await t.enroll('ANA-0001');
    const socket = await openTestSocket(wsUrl);
    socket.send({ type: 'hello', token });
    await socket.next((m) => m.type === 'ready');
    const closing = server.close();
    expect((await socket.closed).code).toBe(WS_CLOSE.shuttingDown);
    await closing;
    server = await startServer(t.deps, { port: 0, host: '127.0.0.1' });
  });
});
