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
import type { SimDevice } from '../support/sim-devices.js';
import {
  bigWorkspace,
  connectDevices,
  gtrBurst,
  PUBLIC_URL,
  revocationsOf,
  signAll,
  until,
  userId,
  type Outcome,
} from './rig.js';

const USERS = 1_000;

describe('Redis killed (SIGKILL) and restarted during a burst of 1,000 Okta GTR calls', () => {
  let okta: FakeOkta;
  let redis: RedisProcess;
  let server: ServerProcess;
  let devices: SimDevice[];
  let adminToken: string;
  let outcomes: Map<number, Outcome>;
  let tokens: string[];
  const redisDir = mkdtemp(join(tmpdir(), 'ul-faults-redis-'));

  beforeAll(async () => {
    okta = await startFakeOkta('https://acme.okta.test');
    redis = await startRedisProcess({ appendonly: true, dir: await redisDir });
    server = await startServerProcess({
      REDIS_URL: redis.url,
      PUBLIC_URL,
      UL_CONFIG: await fixtureFile(bigWorkspace(USERS, okta)),
      LOG_LEVEL: 'warn',
    });
    adminToken = (await enroll(server.url, 'ADMIN-0001')).token;
    devices = await connectDevices(() => server.url, USERS);
    tokens = await signAll(okta, USERS);

    const restarts: Promise<void>[] = [];
    outcomes = await gtrBurst(() => server.url, tokens, {
      onAnswer: (answered) => {
        if (answered !== 250 || restarts.length > 0) return;
        restarts.push(
          (async () => {
            await redis.stop('SIGKILL');
            await new Promise((resolve) => setTimeout(resolve, 300));
            // Same port, same directory: Redis reloads its append-only file.
            redis = await startRedisProcess({ port: redis.port, appendonly: true, dir: await redisDir });
          })(),
        );
      },
    });
    await Promise.all(restarts);
  }, 180_000);
  afterAll(async () => {
    for (const device of devices) device.goOffline();
    await server.stop();
    await redis.stop();
    await okta.close();
  });

  const answered = (status: Outcome) => [...outcomes].filter(([, outcome]) => outcome === status).map(([i]) => i);

  it('answers every call 204 or 503 with Retry-After, and the fault really hit the burst', () => {
    const statuses = new Set(outcomes.values());
    expect([...statuses].filter((status) => status !== 204 && status !== 503)).toEqual([]);
    expect(answered(204).length).toBeGreaterThan(200);
    expect(answered(503).length).toBeGreaterThan(0);
  });

  it('recovers without a restart', async () => {
    await until(async () => (await call(server.url, '/readyz')).status === 200, 'ready again', 20_000);
    expect(server.child.exitCode).toBeNull();
  });

  it('persisted every revocation it answered 204 for, and delivered it to the user’s device once', async () => {
    const acknowledged = answered(204);
    for (const i of acknowledged) {
      expect((await revocationsOf(server.url, adminToken, userId(i))).length, `revocations of ${userId(i)}`).toBe(1);
    }
    await until(
      () => acknowledged.every((i) => devices[i]!.enforced.length === 1),
      'every acknowledged logout enforced',
    ).catch((error: unknown) => {
      const missing = acknowledged.filter((i) => devices[i]!.enforced.length !== 1).map(userId);
      throw new Error(
        `${String(error)}: ${missing.length} of ${acknowledged.length} missing, e.g. ${missing.slice(0, 5).join(', ')}`,
      );
    });
    for (const i of acknowledged) expect([...devices[i]!.deliveries.values()]).toEqual([1]);
  });

  it('completes the calls Okta retries after a 503, each once', async () => {
    const retried = answered(503);
    const again = await gtrBurst(() => server.url, tokens, { only: retried });
    expect(new Set(again.values())).toEqual(new Set([204]));
    await until(() => devices.every((device) => device.enforced.length === 1), 'every device enforced', 30_000);
    expect(devices.every((device) => [...device.deliveries.values()].every((count) => count === 1))).toBe(true);
  });
});
