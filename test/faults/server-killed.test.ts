import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerProcess } from '../support/processes.js';
import {
  burstWithFault,
  expectPersistedAndDeliveredOnce,
  expectRetriesComplete,
  signAll,
  startFaultRig,
  type FaultRig,
  type Outcome,
} from './rig.js';

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
      outcomes = await burstWithFault(rig, tokens, async () => {
        await rig.server.stop('SIGKILL');
        // Same port, same data: what it acknowledged must all be there.
        rig.server = await startServerProcess(rig.env);
      });
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
      await expectPersistedAndDeliveredOnce(rig, answered(204));
    });

    it('completes the calls Okta retries, each user logged out once', async () => {
      await expectRetriesComplete(rig, tokens, answered('network-error'));
    });
  },
);
