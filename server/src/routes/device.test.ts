import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../test-support.js';

let t: TestContext;
beforeEach(async () => {
  t = await createTestContext();
});
afterEach(async () => {
  await t.dispose();
});

const json = async (response: Response) => (await response.json()) as Record<string, unknown>;

describe('POST /v1/device/enroll', () => {
  it('exchanges a code for a device token, once', async () => {
    const response = await t.request('/v1/device/enroll', { body: { code: 'ana-0001', deviceName: 'Work laptop' } });
    expect(response.status).toBe(201);
    const body = await json(response);
    expect(body).toMatchObject({
      deviceId: expect.stringMatching(/^dev_/) as unknown,
      token: expect.stringMatching(/^ul1\.acme\.dev_/) as unknown,
      user: { id: 'u-ana', email: 'ana@acme.test', name: 'Ana Member', role: 'member' },
      workspace: { id: 'acme', name: 'Acme' },
    });
    const again = await t.request('/v1/device/enroll', { body: { code: 'ANA-0001' } });
    expect(again.status).toBe(400);
    expect(await json(again)).toEqual({
      error: { code: 'ERR_ENROLLMENT_CODE_INVALID', message: 'the enrollment code is wrong, expired or already used' },
    });
  });

  it('stores neither the token nor the code in clear', async () => {
    const { token, deviceId } = await t.enroll('ANA-0001');
    const session = await t.store.getDeviceSession('acme', deviceId);
    expect(session?.device.tokenHash).not.toContain(token.split('.')[3]);
    expect(JSON.stringify(session)).not.toContain(token);
  });

  it('refuses an expired code', async () => {
    t.clock.advance(8 * 24 * 60 * 60 * 1000);
    const response = await t.request('/v1/device/enroll', { body: { code: 'ANA-0001' } });
    expect((await json(response)).error).toMatchObject({ code: 'ERR_ENROLLMENT_CODE_INVALID' });
  });

  it('refuses a deactivated user', async () => {
    const response = await t.request('/v1/device/enroll', { body: { code: 'GONE-0001' } });
    expect(response.status).toBe(403);
    expect((await json(response)).error).toMatchObject({ code: 'ERR_USER_DEACTIVATED' });
  });

  it.each<[string, unknown, string, string]>([
    ['malformed JSON', '{"code":', 'body', 'malformed JSON in request body'],
    ['an unknown field', { code: 'ANA-0001', admin: true }, 'body', 'body: unknown field "admin"'],
    ['a wrong type', { code: 42 }, 'body', 'body.code:'],
    ['a missing field', {}, 'body', 'body.code:'],
    ['an empty code', { code: '  ' }, 'body', 'body.code:'],
    ['a JSON array', [], 'body', 'body:'],
  ])('answers 400 ERR_INVALID_REQUEST for %s, without side effects', async (_name, body, _target, message) => {
    const response = await t.request('/v1/device/enroll', { body });
    expect(response.status).toBe(400);
    const error = (await json(response)).error as { code: string; message: string };
    expect(error.code).toBe('ERR_INVALID_REQUEST');
    expect(error.message).toContain(message);
    // The code was not consumed by the rejected request.
    expect((await t.enroll('ANA-0001')).token).toBeTruthy();
  });

  it('answers 415 for a body that is not JSON', async () => {
    const response = await t.request('/v1/device/enroll', {
      body: 'code=ANA-0001',
      headers: { 'content-type': 'text/plain' },
    });
    expect(response.status).toBe(415);
    expect((await json(response)).error).toMatchObject({ code: 'ERR_UNSUPPORTED_MEDIA_TYPE' });
  });

  it('answers 413 for a body over 64 KB', async () => {
    const response = await t.request('/v1/device/enroll', { body: { code: 'x'.repeat(70_000) } });
    expect(response.status).toBe(413);
    expect((await json(response)).error).toMatchObject({ code: 'ERR_PAYLOAD_TOO_LARGE' });
  });
});

describe('device authentication', () => {
  it.each([
    ['no header', undefined],
    ['not bearer', 'Basic abc'],
    ['garbage', 'Bearer garbage'],
    ['unknown device', 'Bearer ul1.acme.dev_nope.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'],
    ['another workspace', 'Bearer ul1.globex.dev_nope.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'],
  ])('answers 401 for %s', async (_name, authorization) => {
    const response = await t.request('/v1/device/me', authorization ? { headers: { authorization } } : {});
    expect(response.status).toBe(401);
    expect((await json(response)).error).toMatchObject({ code: 'ERR_UNAUTHENTICATED' });
  });

  it('answers 401 for the right device with a wrong secret', async () => {
    const { token } = await t.enroll('ANA-0001');
    const forged = token.replace(/\.[^.]+$/, '.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb');
    const response = await t.request('/v1/device/me', { token: forged });
    expect(response.status).toBe(401);
  });
});

describe('a live device session', () => {
  let token: string;
  beforeEach(async () => {
    ({ token } = await t.enroll('ANA-0001', 'Work laptop'));
  });

  it('reads itself', async () => {
    const body = await json(await t.request('/v1/device/me', { token }));
    expect(body).toMatchObject({
      deviceName: 'Work laptop',
      session: { state: 'active' },
      user: { id: 'u-ana', role: 'member' },
      role: 'member',
      workspace: { id: 'acme', name: 'Acme' },
    });
  });

  it('lists only assigned apps, without their secrets', async () => {
    const response = await t.request('/v1/device/apps', { token });
    expect(await response.json()).toEqual([
      { id: 'crm', name: 'CRM', origins: ['http://crm.localhost:5173'] },
      { id: 'wiki', name: 'Wiki', origins: ['http://wiki.localhost:5173'] },
    ]);
  });

  it('hands out the session bundle of an assigned app only', async () => {
    const ok = await t.request('/v1/device/apps/crm/session', { token, method: 'POST' });
    expect(await json(ok)).toEqual({
      appId: 'crm',
      origins: ['http://crm.localhost:5173'],
      session: {
        cookies: [{ name: 'sid', value: 'crm-secret-cookie', httpOnly: true }],
        localStorage: { token: 'crm-token' },
      },
    });
    const ben = await t.enroll('BEN-0001');
    const denied = await t.request('/v1/device/apps/wiki/session', { token: ben.token, method: 'POST' });
    expect(denied.status).toBe(404);
    const bad = await t.request('/v1/device/apps/..%2Fx/session', { token, method: 'POST' });
    expect(bad.status).toBe(400);
  });

  it('sees no revocations from before it enrolled', async () => {
    await t.revokeUser({ workspaceId: 'acme', userId: 'u-ben', trigger: 'admin', actor: 'x', reason: 'r' });
    const early = await t.enroll('BEN-0001');
    const body = await json(await t.request('/v1/device/revocations', { token: early.token }));
    expect(body.events).toEqual([]);
    const forced = await json(await t.request('/v1/device/revocations?after=0-0', { token: early.token }));
    expect(forced.events).toEqual([]);
  });

  it('rejects a malformed cursor and unknown query parameters', async () => {
    const bad = await t.request('/v1/device/revocations?after=yesterday', { token });
    expect(bad.status).toBe(400);
    expect((await json(bad)).error).toMatchObject({
      code: 'ERR_INVALID_REQUEST',
      message: expect.stringContaining('query.after') as unknown,
    });
  });
});

describe('after a revocation', () => {
  let token: string;
  let deviceId: string;
  let revocationId: string;
  beforeEach(async () => {
    ({ token, deviceId } = await t.enroll('ANA-0001'));
    const { revocation } = await t.revokeUser({
      workspaceId: 'acme',
      userId: 'u-ana',
      trigger: 'admin',
      actor: 'u-admin',
      reason: 'incident',
    });
    revocationId = revocation.id;
  });

  it.each([
    ['GET', '/v1/device/me'],
    ['GET', '/v1/device/apps'],
    ['POST', '/v1/device/apps/crm/session'],
    ['POST', '/v1/device/logout-everywhere'],
  ])('%s %s answers ERR_SESSION_REVOKED', async (method, path) => {
    const response = await t.request(path, { token, method });
    expect(response.status).toBe(401);
    expect((await json(response)).error).toMatchObject({ code: 'ERR_SESSION_REVOKED' });
  });

  it('still reads its pending revocations, with the origins to purge', async () => {
    const body = await json(await t.request('/v1/device/revocations', { token }));
    expect(body.events).toEqual([
      {
        id: revocationId,
        userId: 'u-ana',
        trigger: 'admin',
        reason: 'incident',
        origins: ['http://crm.localhost:5173', 'http://wiki.localhost:5173'],
        createdAt: '2026-11-21T12:00:00.000Z',
        cursor: expect.any(String) as unknown,
      },
    ]);
    const next = await json(await t.request(`/v1/device/revocations?after=${String(body.cursor)}`, { token }));
    expect(next).toEqual({ events: [], cursor: body.cursor });
    expect(await t.store.listDeliveries('acme', revocationId)).toMatchObject([
      { deviceId, deliveredAt: expect.any(String) as unknown, enforcedAt: null },
    ]);
  });

  it('still posts its receipt, which enforces the revocation for that device', async () => {
    const receipt = { revocationId, removed: { cookies: 4, origins: 2, tabs: 1 }, errors: [] };
    const response = await t.request('/v1/device/receipts', { token, body: receipt });
    expect(response.status).toBe(202);
    expect(await t.store.listDeliveries('acme', revocationId)).toMatchObject([
      { deviceId, enforcedAt: expect.any(String) as unknown, removed: receipt.removed },
    ]);
  });

  it('refuses a receipt for another user’s revocation or a malformed one', async () => {
    const ben = await t.enroll('BEN-0001');
    const other = await t.request('/v1/device/receipts', {
      token: ben.token,
      body: { revocationId, removed: { cookies: 0, origins: 0, tabs: 0 } },
    });
    expect(other.status).toBe(404);
    const negative = await t.request('/v1/device/receipts', {
      token,
      body: { revocationId, removed: { cookies: -1, origins: 0, tabs: 0 } },
    });
    expect(negative.status).toBe(400);
    expect((await json(negative)).error).toMatchObject({
      message: expect.stringContaining('body.removed.cookies') as unknown,
    });
    expect((await t.store.listDeliveries('acme', revocationId)).every((d) => d.enforcedAt === null)).toBe(true);
  });

  it('lets the user enroll again with a new code', async () => {
    await t.store.putEnrollmentCode({
      codeHash: (await import('../crypto.js')).hashEnrollmentCode('NEW-1'),
      workspaceId: 'acme',
      userId: 'u-ana',
      expiresAt: t.clock.now() + 1000,
    });
    const fresh = await t.enroll('NEW-1');
    expect((await t.request('/v1/device/me', { token: fresh.token })).status).toBe(200);
  });
});

describe('POST /v1/device/logout-everywhere', () => {
  it('revokes every device of the user with trigger self', async () => {
    const a = await t.enroll('ANA-0001');
    const response = await t.request('/v1/device/logout-everywhere', { token: a.token, method: 'POST' });
    expect(response.status).toBe(202);
    const { revocationId } = (await response.json()) as { revocationId: string };
    expect(await t.store.getRevocation('acme', revocationId)).toMatchObject({
      trigger: 'self',
      actor: 'u-ana',
      devices: [{ id: a.deviceId }],
    });
    expect((await t.request('/v1/device/me', { token: a.token })).status).toBe(401);
  });
});

describe('service routes', () => {
  it('answers health, readiness and the OpenAPI document', async () => {
    expect(await json(await t.request('/healthz'))).toEqual({ status: 'ok' });
    expect(await json(await t.request('/readyz'))).toEqual({ status: 'ok', store: 'embedded' });
    const doc = await json(await t.request('/openapi.json'));
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths as object)).toEqual(
      expect.arrayContaining(['/v1/device/enroll', '/v1/device/revocations', '/v1/admin/users/{id}/logout']),
    );
  });

  it('answers 503 on readyz when the store cannot serve', async () => {
    const failing = await createTestContext();
    failing.store.ping = () => Promise.reject(new Error('down'));
    expect((await failing.request('/readyz')).status).toBe(503);
    await failing.dispose();
  });

  it('answers unknown routes with a JSON 404', async () => {
    const response = await t.request('/v2/nothing');
    expect(response.status).toBe(404);
    expect((await json(response)).error).toMatchObject({ code: 'ERR_NOT_FOUND' });
  });
});
