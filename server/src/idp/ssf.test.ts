import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeOkta, type FakeOkta } from '../okta/fake-okta.js';
import { EVENT, storeSsfSettings } from '../routes/ssf.js';
import { connectedDevice, createTestContext, type TestContext } from '../test-support.js';

const AUDIENCE = 'https://ul.example.test/ssf/acme/events';
const AUTH = 'Bearer stream-secret-0123456789';
let okta: FakeOkta;
let other: FakeOkta;
let t: TestContext;

beforeAll(async () => {
  okta = await startFakeOkta('https://acme.okta.test', 'ES256');
  other = await startFakeOkta('https://evil.test');
});
afterAll(async () => {
  await okta.close();
  await other.close();
});

async function configure(context: TestContext, overrides: Record<string, unknown> = {}) {
  const workspace = (await context.store.getWorkspace('acme'))!;
  const ssf = storeSsfSettings({
    issuer: okta.issuer,
    jwksUri: okta.jwksUri,
    audience: AUDIENCE,
    revokeOnCredentialChange: false,
    ...overrides,
  });
  await context.store.upsertWorkspace({ ...workspace, settings: { ...workspace.settings, ssf } });
  const ana = (await context.store.getUser('acme', 'u-ana'))!;
  await context.store.upsertUser({ ...ana, externalId: '00u-okta-ana' });
}

beforeEach(async () => {
  t = await createTestContext({ jwksCooldownMs: 0 });
  await configure(t);
});
afterEach(async () => {
  await t.dispose();
});

let counter = 0;
function set(
  options: {
    event?: string;
    eventBody?: Record<string, unknown>;
    claims?: Record<string, unknown>;
    header?: Record<string, unknown>;
    signer?: FakeOkta;
  } = {},
) {
  const now = Math.floor(t.clock.now() / 1000);
  const payload = {
    iss: okta.issuer,
    aud: AUDIENCE,
    iat: now,
    jti: `set-${counter++}`,
    sub_id: { format: 'email', email: 'ana@acme.test' },
    events: {
      [options.event ?? EVENT.sessionRevoked]: {
        event_timestamp: now,
        initiating_entity: 'admin',
        ...options.eventBody,
      },
    },
    ...options.claims,
  };
  return (options.signer ?? okta).signRaw(payload, { typ: 'secevent+jwt', ...options.header });
}

function push(token: string, headers: Record<string, string> = {}) {
  return t.request('/ssf/acme/events', {
    method: 'POST',
    headers: { 'content-type': 'application/secevent+jwt', ...headers },
    body: token,
  });
}
const revocations = async () => (await t.store.listRevocations('acme', { limit: 20 })).items;

describe('SSF push receiver: accepted', () => {
  it('logs the user out on CAEP session-revoked and answers 202 with no body', async () => {
    const device = await t.enroll('ANA-0001');
    const response = await push(
      await set({ claims: { jti: 'set-ok' }, eventBody: { reason_admin: { en: 'Risky sign-in' } } }),
    );
    expect(response.status).toBe(202);
    expect(await response.text()).toBe('');
    expect(await revocations()).toMatchObject([
      {
        userId: 'u-ana',
        trigger: 'ssf',
        actor: 'https://acme.okta.test (jti set-ok)',
        reason: 'Risky sign-in',
        devices: [{ id: device.deviceId }],
      },
    ]);
  });

  it.each([
    ['top-level email', { sub_id: { format: 'email', email: 'ANA@acme.test' } }, {}],
    [
      'top-level iss_sub with the Okta user id',
      { sub_id: { format: 'iss_sub', iss: 'https://acme.okta.test', sub: '00u-okta-ana' } },
      {},
    ],
    ['top-level opaque', { sub_id: { format: 'opaque', id: 'u-ana' } }, {}],
    [
      'complex with a user',
      {
        sub_id: {
          format: 'complex',
          user: { format: 'email', email: 'ana@acme.test' },
          session: { format: 'opaque', id: 's1' },
        },
      },
      {},
    ],
    [
      'inside the event, Okta’s form, with a millisecond timestamp',
      { sub_id: undefined },
      {
        subject: { format: 'iss_sub', iss: 'https://acme.okta.test', sub: '00u-okta-ana' },
        event_timestamp: 1_795_000_000_000,
      },
    ],
  ])('finds the user by %s', async (_name, claims, eventBody) => {
    expect((await push(await set({ claims, eventBody }))).status).toBe(202);
    expect((await revocations()).map((r) => r.userId)).toEqual(['u-ana']);
  });

  it('acknowledges a duplicate jti once', async () => {
    const token = await set();
    expect((await push(token)).status).toBe(202);
    expect((await push(token)).status).toBe(202);
    expect(await revocations()).toHaveLength(1);
  });

  it('acknowledges the verification event and other event types without action', async () => {
    expect(
      (await push(await set({ event: EVENT.verification, eventBody: { state: 'abc' }, claims: { sub_id: undefined } })))
        .status,
    ).toBe(202);
    expect(
      (await push(await set({ event: 'https://schemas.openid.net/secevent/caep/event-type/assurance-level-change' })))
        .status,
    ).toBe(202);
    expect(
      (
        await push(
          await set({
            event: EVENT.credentialChange,
            eventBody: { credential_type: 'password', change_type: 'update' },
          }),
        )
      ).status,
    ).toBe(202);
    expect(await revocations()).toEqual([]);
  });

  it('acts on credential-change when the workspace opts in', async () => {
    await configure(t, { revokeOnCredentialChange: true });
    expect(
      (
        await push(
          await set({
            event: EVENT.credentialChange,
            eventBody: { credential_type: 'password', change_type: 'update' },
          }),
        )
      ).status,
    ).toBe(202);
    expect(await revocations()).toMatchObject([{ trigger: 'ssf', reason: 'CAEP credential change' }]);
  });

  it('acknowledges a subject that matches nobody here, without action', async () => {
    expect(
      (await push(await set({ claims: { sub_id: { format: 'email', email: 'member@globex.test' } } }))).status,
    ).toBe(202);
    expect(await revocations()).toEqual([]);
    expect((await t.store.listRevocations('globex', { limit: 5 })).items).toEqual([]);
  });

  it('requires the configured Authorization header, compared exactly', async () => {
    await configure(t, { authorizationHeader: AUTH });
    expect((await push(await set(), { authorization: AUTH })).status).toBe(202);
    for (const headers of [{}, { authorization: `${AUTH}x` }, { authorization: 'Bearer other' }]) {
      const response = await push(await set(), headers);
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({
        err: 'authentication_failed',
        description: 'missing or wrong Authorization header',
      });
    }
    expect(await revocations()).toHaveLength(1);
  });
});

describe('SSF push receiver: rejected with 400 and the RFC 8935 code', () => {
  it.each([
    ['a wrong issuer', () => set({ claims: { iss: 'https://evil.test' } }), 'invalid_issuer'],
    [
      'a wrong audience',
      () => set({ claims: { aud: 'https://ul.example.test/ssf/globex/events' } }),
      'invalid_audience',
    ],
    ['a signature by an unknown key', () => set({ signer: other }), 'invalid_key'],
    ['a wrong typ', () => set({ header: { typ: 'JWT' } }), 'invalid_request'],
    ['no jti', () => set({ claims: { jti: undefined } }), 'invalid_request'],
    ['no iat', () => set({ claims: { iat: undefined } }), 'invalid_request'],
    [
      'two events',
      () => set({ claims: { events: { [EVENT.sessionRevoked]: {}, [EVENT.credentialChange]: {} } } }),
      'invalid_request',
    ],
    ['no subject', () => set({ claims: { sub_id: undefined } }), 'invalid_request'],
    [
      'an unsupported subject format',
      () => set({ claims: { sub_id: { format: 'phone_number', phone_number: '+15551234567' } } }),
      'invalid_request',
    ],
    ['not a JWT', () => Promise.resolve('garbage'), 'invalid_request'],
  ])('%s', async (_name, make, err) => {
    const response = await push(await make());
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ err, description: expect.any(String) });
    expect(await revocations()).toEqual([]);
  });

  it('refuses alg none and HMAC', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'secevent+jwt' })).toString('base64url');
    const body = Buffer.from(
      JSON.stringify({ iss: okta.issuer, aud: AUDIENCE, iat: 1, jti: 'n', events: {} }),
    ).toString('base64url');
    expect((await push(`${header}.${body}.`)).status).toBe(400);
  });

  it('refuses another content type', async () => {
    const response = await t.request('/ssf/acme/events', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ set: await set() }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ err: 'invalid_request' });
  });

  it('refuses a workspace without a stream', async () => {
    const response = await t.request('/ssf/globex/events', {
      method: 'POST',
      headers: { 'content-type': 'application/secevent+jwt' },
      body: await set(),
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ err: 'access_denied' });
  });
});

describe('SSF reaching a browser', () => {
  it('pushes the revocation to the user’s connected device', async () => {
    const { server, socket, close } = await connectedDevice(t, 'ANA-0001');
    const response = await fetch(`${server.url}/ssf/acme/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/secevent+jwt' },
      body: await set(),
    });
    expect(response.status).toBe(202);
    expect(await socket.next((m) => m.type === 'revocation')).toMatchObject({
      event: { userId: 'u-ana', trigger: 'ssf' },
    });
    await close();
  });
});
