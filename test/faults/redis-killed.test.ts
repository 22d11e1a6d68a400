import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../support/http.js';
import {
  burstWithFault,
  expectPersistedAndDeliveredOnce,
  expectRetriesComplete,
  signAll,
  startFaultRig,
  until,
  type FaultRig,
  type Outcome,
} from './rig.js';

const USERS = 1_000;

describe('Redis killed (SIGKILL) and restarted during a burst of 1,000 Okta GTR calls', () => {
  let rig: FaultRig;
  let outcomes: Map<number, Outcome>;
  let tokens: string[];

  beforeAll(async () => {
    rig = await startFaultRig({ store: 'redis', users: USERS });
    tokens = await signAll(rig.okta, USERS);
    outcomes = await burstWithFault(rig, tokens, async () => {
      await rig.redis?.stop('SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, 300));
      await rig.startRedisAgain();
    });
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
    await expectPersistedAndDeliveredOnce(rig, answered(204), 20_000);
  });

  it('completes the calls Okta retries after a 503, each once', async () => {
    await expectRetriesComplete(rig, tokens, answered(503));
  });
});
