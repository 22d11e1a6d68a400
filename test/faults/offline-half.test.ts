import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../support/http.js';
import { inParallel } from '../support/sim-devices.js';
import { startFaultRig, until, userEmail, userId, type FaultRig } from './rig.js';

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
  let rig: FaultRig;
  let offline: Set<number>;
  const revocations = new Map<number, string>();

  beforeAll(async () => {
    rig = await startFaultRig({ store: 'redis', users: USERS });
    offline = new Set(shuffled([...rig.devices.keys()], seed).slice(0, USERS / 2));
    for (const i of offline) rig.devices[i]!.goOffline();

    await inParallel([...rig.devices.keys()], 32, async (i) => {
      const { status, body } = await call(rig.server.url, `/v1/admin/users/${userId(i)}/logout`, {
        token: rig.adminToken,
        body: { reason: 'offboarding', confirm: userEmail(i) },
        headers: { 'idempotency-key': `offline-half-${i}` },
      });
      if (status !== 202) throw new Error(`logout ${userId(i)}: ${status}`);
      revocations.set(i, String(body.revocationId));
    });
  }, 180_000);
  afterAll(async () => {
    await rig.stop();
  });

  it(`the online half enforces at once; the offline half has nothing yet (seed ${seed})`, async () => {
    const online = [...rig.devices.keys()].filter((i) => !offline.has(i));
    await until(() => online.every((i) => rig.devices[i]!.enforced.length === 1), 'the online half enforced');
    expect([...offline].filter((i) => rig.devices[i]!.deliveries.size > 0)).toEqual([]);
  });

  it('the offline half enforces after reconnecting, every device exactly once', async () => {
    for (const i of offline) rig.devices[i]!.goOnline();
    await until(() => rig.devices.every((device) => device.enforced.length === 1), 'every device enforced', 30_000);
    rig.devices.forEach((device, i) => {
      expect(device.enforced, userId(i)).toEqual([revocations.get(i)]);
      expect([...device.deliveries.values()], userId(i)).toEqual([1]);
    });
  });

  it('the admin sees every device enforced', async () => {
    const states = await inParallel([...rig.devices.keys()], 32, async (i) => {
      const { body } = await call(rig.server.url, `/v1/admin/revocations/${revocations.get(i)}`, {
        token: rig.adminToken,
      });
      return (body.devices as { state: string }[]).map((device) => device.state);
    });
    expect(states.flat().filter((state) => state !== 'enforced')).toEqual([]);
    expect(states.flat()).toHaveLength(USERS);
  });
});
