import { mkdtemp } from 'node:fs/promises';
import { expect } from 'vitest';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURE, startFakeOkta, type FakeOkta } from '@universal-logout/server/testing';
import { call, enroll } from '../support/http.js';
import {
  fixtureFile,
  freePort,
  startRedisProcess,
  startServerProcess,
  type RedisProcess,
  type ServerProcess,
} from '../support/processes.js';
import { indexes, inParallel, SimDevice } from '../support/sim-devices.js';
import { until } from '../support/wait.js';

export { until };

export const PUBLIC_URL = 'http://ul.faults.test';
export const GTR_AUDIENCE = `${PUBLIC_URL}/okta/acme/global-token-revocation`;
export const APP_INSTANCE = '0oa-acme';

export const userId = (i: number) => `u-${String(i).padStart(4, '0')}`;
export const userEmail = (i: number) => `user${i}@acme.test`;
export const userCode = (i: number) => `CODE-${String(i).padStart(4, '0')}`;

/** The fixture's acme with Okta set up and `count` more members, one enrollment code each. */
export function bigWorkspace(count: number, okta: FakeOkta) {
  return {
    workspaces: FIXTURE.workspaces.map((ws) =>
      ws.id === 'acme'
        ? {
            ...ws,
            okta: { issuer: okta.issuer, appInstanceId: APP_INSTANCE, jwksUri: okta.jwksUri },
            users: [
              ...ws.users,
              ...Array.from({ length: count }, (_, i) => ({
                id: userId(i),
                email: userEmail(i),
                name: `User ${i}`,
                role: 'member' as const,
                apps: ['crm'],
                enrollmentCode: userCode(i),
              })),
            ],
          }
        : ws,
    ),
  };
}

/** Enrolls one device per user and connects it; resolves once every device is live. */
export async function connectDevices(baseUrl: () => string, count: number): Promise<SimDevice[]> {
  const devices = await inParallel(indexes(count), 16, async (i) => {
    const { token } = await enroll(baseUrl(), userCode(i));
    return new SimDevice(baseUrl, token);
  });
  for (const device of devices) device.goOnline();
  await until(() => devices.every((device) => device.connected), 'every device connected', 30_000);
  return devices;
}

export type Outcome = number | 'network-error';

/**
 * Okta's side of a burst: one GTR call per user, `concurrency` at a time, each with its own
 * signed token. `onAnswer` sees each answer as it comes (to pull the plug mid-burst).
 */
export async function gtrBurst(
  baseUrl: () => string,
  tokens: readonly string[],
  options: {
    concurrency?: number;
    onAnswer?: (answered: number) => void | Promise<void>;
    only?: readonly number[];
  } = {},
): Promise<Map<number, Outcome>> {
  const outcomes = new Map<number, Outcome>();
  const indexes = options.only ?? tokens.map((_, i) => i);
  let answered = 0;
  await inParallel(indexes, options.concurrency ?? 32, async (i) => {
    let outcome: Outcome;
    try {
      const response = await fetch(`${baseUrl()}/okta/acme/global-token-revocation`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens[i]}`, 'content-type': 'application/json' },
        body: JSON.stringify({ sub_id: { format: 'email', email: userEmail(i) } }),
      });
      outcome = response.status;
      if (response.status === 503 && !response.headers.get('retry-after')) outcome = -503;
    } catch {
      outcome = 'network-error';
    }
    outcomes.set(i, outcome);
    answered++;
    await options.onAnswer?.(answered);
  });
  return outcomes;
}

export async function signAll(okta: FakeOkta, count: number): Promise<string[]> {
  const now = Date.now();
  return inParallel(indexes(count), 8, () => okta.sign({ audience: GTR_AUDIENCE, subject: APP_INSTANCE, now }));
}

/** The revocations the store holds for a user, read through the admin API. */
export async function revocationsOf(baseUrl: string, adminToken: string, id: string): Promise<{ id: string }[]> {
  const { status, body } = await call(baseUrl, `/v1/admin/revocations?userId=${id}`, { token: adminToken });
  if (status !== 200) throw new Error(`revocations of ${id}: ${status}`);
  return body.revocations as { id: string }[];
}

/** What a fault test runs: Okta, its own Redis (AOF on) when asked, one server, devices. */
export interface FaultRig {
  okta: FakeOkta;
  /** Replaced when a test restarts Redis. */
  redis: RedisProcess | null;
  redisDir: string | null;
  /** Replaced when a test restarts the server. */
  server: ServerProcess;
  /** The server's environment: the same port and data when it is started again. */
  env: Record<string, string>;
  adminToken: string;
  devices: SimDevice[];
  startRedisAgain(): Promise<RedisProcess>;
  stop(): Promise<void>;
}

export async function startFaultRig(options: { store: 'embedded' | 'redis'; users: number }): Promise<FaultRig> {
  const okta = await startFakeOkta('https://acme.okta.test');
  const redisDir = options.store === 'redis' ? await mkdtemp(join(tmpdir(), 'ul-faults-redis-')) : null;
  const redis = redisDir ? await startRedisProcess({ appendonly: true, dir: redisDir }) : null;
  const env: Record<string, string> = {
    PORT: String(await freePort()),
    PUBLIC_URL,
    UL_CONFIG: await fixtureFile(bigWorkspace(options.users, okta)),
    LOG_LEVEL: 'warn',
    ...(redis ? { REDIS_URL: redis.url } : { DATA_DIR: await mkdtemp(join(tmpdir(), 'ul-faults-data-')) }),
  };
  const server = await startServerProcess(env);
  const adminToken = (await enroll(server.url, 'ADMIN-0001')).token;
  const rig: FaultRig = {
    okta,
    redis,
    redisDir,
    server,
    env,
    adminToken,
    devices: [],
    async startRedisAgain() {
      if (!rig.redis || !redisDir) throw new Error('this rig has no Redis');
      // Same port, same directory: Redis reloads its append-only file.
      rig.redis = await startRedisProcess({ port: rig.redis.port, appendonly: true, dir: redisDir });
      return rig.redis;
    },
    async stop() {
      for (const device of rig.devices) device.goOffline();
      await rig.server.stop();
      await rig.redis?.stop();
      await okta.close();
    },
  };
  if (options.users > 0) rig.devices = await connectDevices(() => rig.server.url, options.users);
  return rig;
}

/** A burst of one GTR call per user, with `fault` run once when the `at`-th answer comes back. */
export async function burstWithFault(
  rig: FaultRig,
  tokens: readonly string[],
  fault: () => Promise<void>,
  at = 250,
): Promise<Map<number, Outcome>> {
  const faults: Promise<void>[] = [];
  const outcomes = await gtrBurst(() => rig.server.url, tokens, {
    onAnswer: (answered) => {
      if (answered === at && faults.length === 0) faults.push(fault());
    },
  });
  await Promise.all(faults);
  return outcomes;
}

/** Each user acknowledged has exactly one revocation in the store, enforced by their device, sent once. */
export async function expectPersistedAndDeliveredOnce(rig: FaultRig, acknowledged: number[], timeoutMs = 30_000) {
  for (const i of acknowledged) {
    expect((await revocationsOf(rig.server.url, rig.adminToken, userId(i))).length, userId(i)).toBe(1);
  }
  await until(
    () => acknowledged.every((i) => rig.devices[i]!.enforced.length === 1),
    'every acknowledged logout enforced',
    timeoutMs,
  ).catch((error: unknown) => {
    const missing = acknowledged.filter((i) => rig.devices[i]!.enforced.length !== 1).map(userId);
    throw new Error(
      `${String(error)}: ${missing.length} of ${acknowledged.length} missing, e.g. ${missing.slice(0, 5).join(', ')}`,
    );
  });
  for (const i of acknowledged) expect([...rig.devices[i]!.deliveries.values()], userId(i)).toEqual([1]);
}

/** Okta retrying the calls that failed: all 204, then every device has enforced exactly once. */
export async function expectRetriesComplete(rig: FaultRig, tokens: readonly string[], failed: number[]) {
  const again = await gtrBurst(() => rig.server.url, tokens, { only: failed });
  expect(new Set(again.values())).toEqual(new Set([204]));
  await until(() => rig.devices.every((device) => device.enforced.length === 1), 'every device enforced', 30_000);
  expect(rig.devices.every((device) => [...device.deliveries.values()].every((count) => count === 1))).toBe(true);
  for (const i of failed.slice(0, 100)) {
    expect((await revocationsOf(rig.server.url, rig.adminToken, userId(i))).length, userId(i)).toBe(1);
  }
}
