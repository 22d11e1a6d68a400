import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOkta, type FakeOkta } from '@universal-logout/server/testing';
import { enroll } from '../support/http.js';
import {
  fixtureFile,
  freePort,
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

describe.each(['embedded', 'redis'] as const)(
  'the server killed (SIGKILL) during a burst of 1,000 Okta GTR calls, %s store',
  (kind) => {
    let okta: FakeOkta;
    let redis: RedisProcess | null = null;
    let server: ServerProcess;
    let devices: SimDevice[];
    let adminToken: string;
    let outcomes: Map<number, Outcome>;
    let tokens: string[];

    beforeAll(async () => {
      okta = await startFakeOkta('https://acme.okta.test');
      if (kind === 'redis') {
        redis = await startRedisProcess({ appendonly: true, dir: await mkdtemp(join(tmpdir(), 'ul-faults-redis-')) });
      }
      const env = {
        PORT: String(await freePort()),
        PUBLIC_URL,
        UL_CONFIG: await fixtureFile(bigWorkspace(USERS, okta)),
        LOG_LEVEL: 'warn',
        ...(redis ? { REDIS_URL: redis.url } : { DATA_DIR: await mkdtemp(join(tmpdir(), 'ul-faults-data-')) }),
      };
      server = await startServerProcess(env);
      adminToken = (await enroll(server.url, 'ADMIN-0001')).token;
      devices = await connectDevices(() => server.url, USERS);
      tokens = await signAll(okta, USERS);

      const restarts: Promise<void>[] = [];
      outcomes = await gtrBurst(() => server.url, tokens, {
        onAnswer: (answered) => {
          if (answered !== 250 || restarts.length > 0) return;
          restarts.push(
            (async () => {
              await server.stop('SIGKILL');
              // Same port, same data: what it acknowledged must all be there.
              server = await startServerProcess(env);
            })(),
          );
        },
      });
      await Promise.all(restarts);
    }, 180_000);
    afterAll(async () => {
      for (const device of devices) device.goOffline();
      await server.stop();
      await redis?.stop();
      await okta.close();
    });

    const answered = (status: Outcome) => [...outcomes].filter(([, outcome]) => outcome === status).map(([i]) => i);

    it('answered 204 or nothing at all (the connection died), never an error status', () => {
      expect([...new Set(outcomes.values())].filter((status) => status !== 204 && status !== 'network-error')).toEqual(
        [],
      );
      expect(answered(204).length).toBeGreaterThanOrEqual(250);
      expect(answered('network-error').length).toBeGreaterThan(0);
    });

    it('kept every revocation it answered 204 for, and every device got its own once', async () => {
      const acknowledged = answered(204);
      for (const i of acknowledged) {
        expect((await revocationsOf(server.url, adminToken, userId(i))).length, userId(i)).toBe(1);
      }
      await until(
        () => acknowledged.every((i) => devices[i]!.enforced.length === 1),
        'every acknowledged logout enforced',
        30_000,
      );
      for (const i of acknowledged) expect([...devices[i]!.deliveries.values()]).toEqual([1]);
    });

    it('completes the calls Okta retries, each user logged out once', async () => {
      const again = await gtrBurst(() => server.url, tokens, { only: answered('network-error') });
      expect(new Set(again.values())).toEqual(new Set([204]));
      await until(() => devices.every((device) => device.enforced.length === 1), 'every device enforced', 30_000);
      expect(devices.every((device) => [...device.deliveries.values()].every((count) => count === 1))).toBe(true);
      for (const i of answered('network-error').slice(0, 100)) {
        expect((await revocationsOf(server.url, adminToken, userId(i))).length, userId(i)).toBe(1);
      }
    });
  },
);
