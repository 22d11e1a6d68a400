import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerProcess } from '../support/processes.js';
import { gtrBurst, revocationsOf, signAll, startFaultRig, until, userId, type FaultRig, type Outcome } from './rig.js';

const USERS = 1_000;

describe.each(['embedded', 'redis'] as const)(
  'the server killed (SIGKILL) during a burst of 1,000 Okta GTR calls, %s store',
  (store) => {
    let rig: FaultRig;
    let outcomes: Map<number, Outcome>;
    let tokens: string[];

    beforeAll(async () => {
      rig = await startFaultRig({ store, users: USERS });
      tokens = await signAll(rig.okta, USERS);
      const restarts: Promise<void>[] = [];
      outcomes = await gtrBurst(() => rig.server.url, tokens, {
        onAnswer: (answered) => {
          if (answered !== 250 || restarts.length > 0) return;
          restarts.push(
            (async () => {
              await rig.server.stop('SIGKILL');
              // Same port, same data: what it acknowledged must all be there.
              rig.server = await startServerProcess(rig.env);
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
        expect((await revocationsOf(rig.server.url, rig.adminToken, userId(i))).length, userId(i)).toBe(1);
      }
      await until(
        () => acknowledged.every((i) => rig.devices[i]!.enforced.length === 1),
        'every acknowledged logout enforced',
        30_000,
      );
      for (const i of acknowledged) expect([...rig.devices[i]!.deliveries.values()]).toEqual([1]);
    });

    it('completes the calls Okta retries, each user logged out once', async () => {
      const again = await gtrBurst(() => rig.server.url, tokens, { only: answered('network-error') });
      expect(new Set(again.values())).toEqual(new Set([204]));
      await until(() => rig.devices.every((device) => device.enforced.length === 1), 'every device enforced', 30_000);
      expect(rig.devices.every((device) => [...device.deliveries.values()].every((count) => count === 1))).toBe(true);
      for (const i of answered('network-error').slice(0, 100)) {
        expect((await revocationsOf(rig.server.url, rig.adminToken, userId(i))).length, userId(i)).toBe(1);
      }
    });
  },
);
