import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOkta, type FakeOkta } from '@universal-logout/server/testing';
import { call, enroll } from '../support/http.js';
import {
  fixtureFile,
  startRedisProcess,
  startServerProcess,
  type RedisProcess,
  type ServerProcess,
} from '../support/processes.js';
import { inParallel, type SimDevice } from '../support/sim-devices.js';
import { bigWorkspace, connectDevices, PUBLIC_URL, until, userEmail, userId } from './rig.js';

const USERS = 1_000;

/** A deterministic shuffle (mulberry32), so a failing run can be replayed. */
function shuffled<T>(items: T[], seed: number): T[] {
  let state = seed;
  const random = () => {
    state = (state + 0x6d2b79f5) | 0;
    let x = Math.imul(state ^ (state >>> 15), 1 | state);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

describe('1,000 devices, a random half offline when their users are logged out', () => {
  const seed = Number(process.env.FAULTS_SEED ?? Date.now() % 100_000);
  let okta: FakeOkta;
  let redis: RedisProcess;
  let server: ServerProcess;
  let devices: SimDevice[];
  let adminToken: string;
  let offline: Set<number>;
  const revocations = new Map<number, string>();

  beforeAll(async () => {
    okta = await startFakeOkta('https://acme.okta.test');
    redis = await startRedisProcess({ appendonly: true, dir: await mkdtemp(join(tmpdir(), 'ul-faults-redis-')) });
    server = await startServerProcess({
      REDIS_URL: redis.url,
      PUBLIC_URL,
      UL_CONFIG: await fixtureFile(bigWorkspace(USERS, okta)),
      LOG_LEVEL: 'warn',
    });
    adminToken = (await enroll(server.url, 'ADMIN-0001')).token;
    devices = await connectDevices(() => server.url, USERS);
    offline = new Set(shuffled([...devices.keys()], seed).slice(0, USERS / 2));
    for (const i of offline) devices[i]!.goOffline();

    await inParallel([...devices.keys()], 32, async (i) => {
      const { status, body } = await call(server.url, `/v1/admin/users/${userId(i)}/logout`, {
        token: adminToken,
        body: { reason: 'offboarding', confirm: userEmail(i) },
        headers: { 'idempotency-key': `offline-half-${i}` },
      });
      if (status !== 202) throw new Error(`logout ${userId(i)}: ${status}`);
      revocations.set(i, String(body.revocationId));
    });
  }, 180_000);
  afterAll(async () => {
    for (const device of devices) device.goOffline();
    await server.stop();
    await redis.stop();
    await okta.close();
  });

  it(`the online half enforces at once; the offline half has nothing yet (seed ${seed})`, async () => {
    const online = [...devices.keys()].filter((i) => !offline.has(i));
    await until(() => online.every((i) => devices[i]!.enforced.length === 1), 'the online half enforced');
    expect([...offline].filter((i) => devices[i]!.deliveries.size > 0)).toEqual([]);
  });

  it('the offline half enforces after reconnecting, every device exactly once', async () => {
    for (const i of offline) devices[i]!.goOnline();
    await until(() => devices.every((device) => device.enforced.length === 1), 'every device enforced', 30_000);
    devices.forEach((device, i) => {
      expect(device.enforced, userId(i)).toEqual([revocations.get(i)]);
      expect([...device.deliveries.values()], userId(i)).toEqual([1]);
    });
  });

  it('the admin sees every device enforced', async () => {
    const states = await inParallel([...devices.keys()], 32, async (i) => {
      const { body } = await call(server.url, `/v1/admin/revocations/${revocations.get(i)}`, { token: adminToken });
      return (body.devices as { state: string }[]).map((device) => device.state);
    });
    expect(states.flat().filter((state) => state !== 'enforced')).toEqual([]);
    expect(states.flat()).toHaveLength(USERS);
  });
});
