import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeOkta, type FakeOkta } from './okta/fake-okta.js';
import type { FailureLimits } from './rate-limit.js';
import { createTestContext, type TestContext } from './test-support.js';

const LIMITS: FailureLimits = {
  enroll: { perAddress: { max: 3, windowMs: 60_000 } },
  auth: { perAddress: { max: 3, windowMs: 60_000 }, perWorkspace: { max: 5, windowMs: 60_000 } },
};
const SCIM_TOKEN = 'scim-token-acme-0123456789';

let t: TestContext;
let okta: FakeOkta;
beforeAll(async () => {
  okta = await startFakeOkta('https://acme.okta.test');
});
afterAll(async () => {
  await okta.close();
});
beforeEach(async () => {
  t = await createTestContext({ failureLimits: LIMITS, jwksCooldownMs: 0 });
  const workspace = (await t.store.getWorkspace('acme'))!;
  await t.store.upsertWorkspace({
    ...workspace,
    settings: {
      ...workspace.settings,
      okta: { issuer: okta.issuer, appInstanceId: '0oa-acme', jwksUri: okta.jwksUri },
    },
  });
});
afterEach(async () => {
  await t.dispose();
});

const enroll = (code: string, address: string) =>
  t.request('/v1/device/enroll', { body: { code, deviceName: 'Laptop' }, address });

function expect429(response: Response) {
  expect(response.status).toBe(429);
  const retryAfter = Number(response.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(60);
  return Promise.resolve(response);
}

describe('enrollment code guessing', () => {
  it('refuses an address after 3 wrong codes, even with the right one, until the window ends', async () => {
    for (let i = 0; i < 3; i++) expect((await enroll(`WRONG-000${i}`, '203.0.113.7')).status).toBe(400);
    const refused = await expect429(await enroll('ANA-0001', '203.0.113.7'));
    expect(await refused.json()).toMatchObject({ error: { code: 'ERR_RATE_LIMITED' } });
    // Nothing was consumed: another address enrolls with the same code.
    expect((await enroll('ANA-0001', '198.51.100.9')).status).toBe(201);
    t.clock.advance(60_001);
    expect((await enroll('BEN-0001', '203.0.113.7')).status).toBe(201);
  });

  it('does not count successes; a malformed body counts like a wrong code', async () => {
    for (const code of ['ANA-0001', 'BEN-0001', 'ADMIN-0001', 'OWNER-0001']) {
      expect((await enroll(code, '203.0.113.7')).status).toBe(201);
    }
    for (let i = 0; i < 3; i++) {
      expect((await t.request('/v1/device/enroll', { body: { nope: 1 }, address: '203.0.113.7' })).status).toBe(400);
    }
    await expect429(await enroll('SUPER-0001', '203.0.113.7'));
  });
});

describe('failed authentication', () => {
  const gtr = (token: string, address: string, workspace = 'acme') =>
    t.request(`/okta/${workspace}/global-token-revocation`, {
      token,
      body: { sub_id: { format: 'email', email: 'ana@acme.test' } },
      address,
    });
  const scim = (token: string, address: string) =>
    t.request('/scim/acme/v2/Users', { headers: { authorization: `Bearer ${token}` }, address });
  const admin = (token: string, address: string) => t.request('/v1/admin/users', { token, address });

  it('Okta GTR: per address, then per workspace; other workspaces unaffected', async () => {
    for (let i = 0; i < 3; i++) expect((await gtr('not-a-jwt', '203.0.113.1')).status).toBe(401);
    await expect429(await gtr('not-a-jwt', '203.0.113.1'));
    // A valid call from another address still works.
    const token = await okta.sign({
      audience: 'http://localhost:8787/okta/acme/global-token-revocation',
      subject: '0oa-acme',
      now: t.clock.now(),
    });
    expect((await gtr(token, '198.51.100.1')).status).toBe(204);
    // Failures spread over addresses add up for the workspace: 3 + 2 = 5, then refused.
    for (const address of ['198.51.100.2', '198.51.100.3']) expect((await gtr('x', address)).status).toBe(401);
    await expect429(await gtr('x', '198.51.100.4'));
    expect((await gtr('x', '198.51.100.5', 'globex')).status).toBe(401);
  });

  it('SCIM: a 429 in the SCIM error format', async () => {
    for (let i = 0; i < 3; i++) expect((await scim('wrong', '203.0.113.2')).status).toBe(401);
    const refused = await expect429(await scim(SCIM_TOKEN, '203.0.113.2'));
    expect(refused.headers.get('content-type')).toBe('application/scim+json');
    expect(await refused.json()).toMatchObject({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '429',
    });
    expect((await scim(SCIM_TOKEN, '203.0.113.3')).status).toBe(200);
  });

  it('admin API: unknown tokens count per address and per the workspace they name; successes never', async () => {
    const { token } = await t.enroll('ADMIN-0001');
    for (let i = 0; i < 10; i++) expect((await admin(token, '203.0.113.4')).status).toBe(200);
    const forged = 'ul1.acme.dev_forged.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
    for (let i = 0; i < 3; i++) expect((await admin(forged, '203.0.113.4')).status).toBe(401);
    await expect429(await admin(token, '203.0.113.4'));
    expect((await admin(token, '203.0.113.5')).status).toBe(200);
    for (const address of ['198.51.100.6', '198.51.100.7']) expect((await admin(forged, address)).status).toBe(401);
    await expect429(await admin(token, '198.51.100.8'));
    const globex = 'ul1.globex.dev_forged.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
    expect((await admin(globex, '198.51.100.8')).status).toBe(401);
  });

  it('a member reaching the admin API (403) is not an authentication failure', async () => {
    const { token } = await t.enroll('BEN-0001');
    for (let i = 0; i < 6; i++) expect((await admin(token, '203.0.113.6')).status).toBe(403);
  });
});
