import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../support/http.js';
import { gtrBurst, revocationsOf, signAll, startFaultRig, until, userId, type FaultRig, type Outcome } from './rig.js';

const USERS = 1_000;

describe('Redis killed (SIGKILL) and restarted during a burst of 1,000 Okta GTR calls', () => {
  let rig: FaultRig;
  let outcomes: Map<number, Outcome>;
  let tokens: string[];

  beforeAll(async () => {
    rig = await startFaultRig({ store: 'redis', users: USERS });
    tokens = await signAll(rig.okta, USERS);
    const restarts: Promise<void>[] = [];
    outcomes = await gtrBurst(() => rig.server.url, tokens, {
      onAnswer: (answered) => {
        if (answered !== 250 || restarts.length > 0) return;
        restarts.push(
          (async () => {
            await rig.redis?.stop('SIGKILL');
            await new Promise((resolve) => setTimeout(resolve, 300));
            await rig.startRedisAgain();
          })(),
        );
      },
    });
    await Promise.all(restarts);
  }, 180_000);
  afterAll(async () => {
    await rig.stop();
  });

  const answered = (status: Outcome) => [...outcomes].filter(([, outcome]) => outcome === status).map(([i]) => i);

  it('answers every call 204 or 503 with Retry-After, and the fault really hit the burst', () => {
    const statuses = new Set(outcomes.values());
    expect([...statuses].filter((status) => status !== 204 && status !== 503)).toEqual([]);
    expect(answered(204).length).toBeGreaterThan(200);
    expect(answered(503).length).toBeGreaterThan(0);
  });

  it('recovers without a restart', async () => {
    await until(async () => (await call(rig.server.url, '/readyz')).status === 200, 'ready again', 20_000);
    expect(rig.server.child.exitCode).toBeNull();
  });

  it('persisted every revocation it answered 204 for, and delivered it to the user’s device once', async () => {
    const acknowledged = answered(204);
    for (const i of acknowledged) {
      expect((await revocationsOf(rig.server.url, rig.adminToken, userId(i))).length, userId(i)).toBe(1);
    }
    await until(
      () => acknowledged.every((i) => rig.devices[i]!.enforced.length === 1),
      'every acknowledged logout enforced',
    ).catch((error: unknown) => {
      const missing = acknowledged.filter((i) => rig.devices[i]!.enforced.length !== 1).map(userId);
      throw new Error(
        `${String(error)}: ${missing.length} of ${acknowledged.length} missing, e.g. ${missing.slice(0, 5).join(', ')}`,
      );
    });
    for (const i of acknowledged) expect([...rig.devices[i]!.deliveries.values()]).toEqual([1]);
  });

  it('completes the calls Okta retries after a 503, each once', async () => {
    const again = await gtrBurst(() => rig.server.url, tokens, { only: answered(503) });
    expect(new Set(again.values())).toEqual(new Set([204]));
    await until(() => rig.devices.every((device) => device.enforced.length === 1), 'every device enforced', 30_000);
    expect(rig.devices.every((device) => [...device.deliveries.values()].every((count) => count === 1))).toBe(true);
  });
});
