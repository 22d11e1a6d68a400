import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningServer } from './server.js';
import {
  answerOf,
  captureLogs,
  createTestContext,
  frontAndRouter,
  type Answer,
  type TestContext,
} from './test-support.js';

let t: TestContext;
/** The same deps behind two servers: one answers plain polls before the router, one only through it. */
let fast: RunningServer;
let router: RunningServer;
let close: () => Promise<void>;
let lines: Record<string, unknown>[];
let failReads: boolean;

beforeEach(async () => {
  failReads = false;
  const captured = captureLogs();
  lines = captured.lines;
  t = await createTestContext({ logger: captured.logger });
  ({ front: fast, router, close } = await frontAndRouter(t, { failing: 'listUserEvents', when: () => failReads }));
});
afterEach(async () => {
  await close();
  await t.dispose();
});

const ask = async (server: RunningServer, path: string, headers: Record<string, string>): Promise<Answer> =>
  answerOf(await fetch(`${server.url}${path}`, { headers }));

/** Asks both servers; they must answer alike. Returns the answer. */
async function same(path: string, headers: Record<string, string>): Promise<Answer> {
  const viaRouter = await ask(router, path, headers);
  const viaFastPath = await ask(fast, path, headers);
  expect(viaFastPath).toEqual(viaRouter);
  return viaFastPath;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const fastPathLines = () => lines.filter((line) => line.path === '/v1/device/revocations');

describe('the device poll before the router', () => {
  it('answers a plain poll exactly as the router does, and logs it the same way', async () => {
    const { token } = await t.enroll('ANA-0001');
    const first = await same('/v1/device/revocations', bearer(token));
    expect(first.status).toBe(200);
    const { cursor } = JSON.parse(first.body) as { cursor: string };
    const again = await same(`/v1/device/revocations?after=${cursor}`, bearer(token));
    expect(JSON.parse(again.body)).toEqual({ events: [], cursor });
    await expect.poll(() => fastPathLines().length).toBe(4);
    const shape = (line: Record<string, unknown>) => ({
      ...line,
      time: typeof line.time,
      pid: typeof line.pid,
      requestId: typeof line.requestId,
      ms: typeof line.ms,
    });
    const [one, ...others] = fastPathLines().map(shape);
    expect(one).toMatchObject({ level: 20, msg: 'request', method: 'GET', status: 200, requestId: 'string' });
    for (const other of others) expect(other).toEqual(one);
  });

  it('delivers pending revocations, to a revoked session too, and records each as delivered', async () => {
    const { token, deviceId } = await t.enroll('ANA-0001');
    const { revocation } = await t.revokeUser({
      workspaceId: 'acme',
      userId: 'u-ana',
      trigger: 'admin',
      actor: 'u-admin',
      reason: 'test',
    });
    const answer = await ask(fast, '/v1/device/revocations', bearer(token));
    expect(answer.status).toBe(200);
    expect((JSON.parse(answer.body) as { events: { id: string }[] }).events.map((e) => e.id)).toEqual([revocation.id]);
    const deliveries = await t.store.listDeliveries('acme', revocation.id);
    expect(deliveries.find((d) => d.deviceId === deviceId)?.deliveredAt).toBeTruthy();
    // The same page through the router.
    await same('/v1/device/revocations', bearer(token));
    // Everything else is closed to the revoked session.
    expect((await fetch(`${fast.url}/v1/device/me`, { headers: bearer(token) })).status).toBe(401);
  });

  it('leaves every other request to the router: the answers are the router’s', async () => {
    const { token } = await t.enroll('ANA-0001');
    const secret = token.split('.')[3]!;
    const wrongSecret = token.replace(secret, `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`);
    // Known to the fast path after one good poll: a wrong secret for the same device is still refused.
    await same('/v1/device/revocations', bearer(token));
    const cases: [string, Record<string, string>, number][] = [
      ['/v1/device/revocations', {}, 401],
      ['/v1/device/revocations', bearer('nonsense'), 401],
      ['/v1/device/revocations', bearer(wrongSecret), 401],
      ['/v1/device/revocations', { authorization: `Basic ${token}` }, 401],
      ['/v1/device/revocations?after=yesterday', bearer(token), 400],
      ['/v1/device/revocations?after=', bearer(token), 400],
      ['/v1/device/revocations?after=0-0&limit=5', bearer(token), 400],
      [
        '/v1/device/revocations?after=0-0',
        { ...bearer(token), origin: 'chrome-extension://abcdefghijklmnopabcdefghijklmnop' },
        200,
      ],
      ['/v1/device/revocations?after=0-0', { ...bearer(token), origin: 'https://evil.example' }, 200],
      ['/v1/device/revocations/', bearer(token), 404],
    ];
    for (const [path, headers, status] of cases) {
      expect({ path, headers, status: (await same(path, headers)).status }).toEqual({ path, headers, status });
    }
  });

  it('lets the router answer when the store fails: 503, never a half-written response', async () => {
    const { token } = await t.enroll('ANA-0001');
    await same('/v1/device/revocations', bearer(token));
    failReads = true;
    const answer = await same('/v1/device/revocations', bearer(token));
    expect(answer.status).toBe(503);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'ERR_STORE_UNAVAILABLE' } });
  });

  it('still records when a device was last seen', async () => {
    const { token, deviceId } = await t.enroll('ANA-0001');
    const lastSeen = async () =>
      (await t.store.listDevices('acme', 'u-ana')).find((d) => d.id === deviceId)?.lastSeenAt;
    await ask(fast, '/v1/device/revocations', bearer(token));
    await expect.poll(lastSeen).toBe(new Date(t.clock.now()).toISOString());
    t.clock.advance(61_000);
    await ask(fast, '/v1/device/revocations', bearer(token));
    await expect.poll(lastSeen).toBe(new Date(t.clock.now()).toISOString());
  });
});
