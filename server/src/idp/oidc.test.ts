import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeOkta, type FakeOkta } from '../okta/fake-okta.js';
import { BACKCHANNEL_LOGOUT_EVENT } from '../routes/oidc.js';
import { connectedDevice, createTestContext, type TestContext } from '../test-support.js';

let idp: FakeOkta;
let other: FakeOkta;
let t: TestContext;

beforeAll(async () => {
  // Issuer = its own loopback URL, so discovery of jwks_uri works for real.
  idp = await startFakeOkta(undefined, 'RS256');
  other = await startFakeOkta(undefined, 'RS256');
});
afterAll(async () => {
  await idp.close();
  await other.close();
});

async function configure(context: TestContext, overrides: Record<string, unknown> = {}) {
  const workspace = (await context.store.getWorkspace('acme'))!;
  const oidc = { issuer: idp.issuer, clientId: 'ul-client', userClaim: 'sub', ...overrides };
  await context.store.upsertWorkspace({ ...workspace, settings: { ...workspace.settings, oidc } });
  const ana = (await context.store.getUser('acme', 'u-ana'))!;
  await context.store.upsertUser({ ...ana, externalId: 'kc-7f3a-ana' });
}

beforeEach(async () => {
  t = await createTestContext({ jwksCooldownMs: 0 });
  await configure(t);
});
afterEach(async () => {
  await t.dispose();
});

let counter = 0;
function logoutToken(
  claims: Record<string, unknown> = {},
  header: Record<string, unknown> = { typ: 'logout+jwt' },
  signer = idp,
) {
  const now = Math.floor(t.clock.now() / 1000);
  const payload: Record<string, unknown> = {
    iss: idp.issuer,
    aud: 'ul-client',
    iat: now,
    exp: now + 120,
    jti: `lt-${counter++}`,
    sub: 'kc-7f3a-ana',
    sid: 'session-1',
    events: { [BACKCHANNEL_LOGOUT_EVENT]: {} },
    ...claims,
  };
  return signer.signRaw(payload, header);
}

function post(body: string, contentType = 'application/x-www-form-urlencoded') {
  return t.request('/oidc/acme/backchannel-logout', { method: 'POST', headers: { 'content-type': contentType }, body });
}
const form = (token: string) => new URLSearchParams({ logout_token: token }).toString();
const revocations = async () => (await t.store.listRevocations('acme', { limit: 20 })).items;

describe('OIDC back-channel logout: accepted', () => {
  it('logs the user out everywhere, 200 with Cache-Control: no-store', async () => {
    const device = await t.enroll('ANA-0001');
    const response = await post(form(await logoutToken({ jti: 'lt-ok' })));
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await revocations()).toMatchObject([
      { userId: 'u-ana', trigger: 'oidc', actor: `${idp.issuer} (jti lt-ok)`, devices: [{ id: device.deviceId }] },
    ]);
  });

  it.each([
    ['typ logout+jwt', { typ: 'logout+jwt' }],
    ['typ application/logout+jwt', { typ: 'application/logout+jwt' }],
    ['typ JWT', { typ: 'JWT' }],
    ['no typ', {}],
  ])('accepts %s', async (_name, header) => {
    expect((await post(form(await logoutToken({}, header)))).status).toBe(200);
  });

  it('maps the user through a configured claim', async () => {
    await configure(t, { userClaim: 'email' });
    expect((await post(form(await logoutToken({ sub: 'unknown-id', email: 'ana@acme.test' })))).status).toBe(200);
    expect((await revocations()).map((r) => r.userId)).toEqual(['u-ana']);
  });

  it('accepts an issuer that ends with "/" (Auth0) when iss matches it exactly', async () => {
    const auth0 = await startFakeOkta('https://tenant.auth0.test/');
    await configure(t, { issuer: auth0.issuer, jwksUri: auth0.jwksUri });
    const now = Math.floor(t.clock.now() / 1000);
    const token = await auth0.signRaw(
      {
        iss: 'https://tenant.auth0.test/',
        aud: 'ul-client',
        iat: now,
        exp: now + 60,
        jti: 'a0',
        sub: 'kc-7f3a-ana',
        events: { [BACKCHANNEL_LOGOUT_EVENT]: {} },
      },
      { typ: 'logout+jwt' },
    );
    expect((await post(form(token))).status).toBe(200);
    await auth0.close();
  });

  it('uses a configured jwksUri instead of discovery', async () => {
    await configure(t, { jwksUri: idp.jwksUri });
    expect((await post(form(await logoutToken()))).status).toBe(200);
  });

  it('answers a replay of the identical token 200 without a second logout', async () => {
    const token = await logoutToken();
    expect((await post(form(token))).status).toBe(200);
    expect((await post(form(token))).status).toBe(200);
    expect(await revocations()).toHaveLength(1);
  });

  it('answers 200 when the token names nobody here, without a logout', async () => {
    expect((await post(form(await logoutToken({ sub: 'someone-else' })))).status).toBe(200);
    expect(await revocations()).toEqual([]);
  });
});

describe('OIDC back-channel logout: rejected with 400 {error, error_description}', () => {
  const now = () => Math.floor(t.clock.now() / 1000);
  it.each<[string, () => Promise<string>]>([
    ['a wrong issuer', () => logoutToken({ iss: 'https://other.test' })],
    ['a wrong audience', () => logoutToken({ aud: 'another-client' })],
    ['a key the issuer does not publish', () => logoutToken({}, { typ: 'logout+jwt' }, other)],
    ['no events claim', () => logoutToken({ events: undefined })],
    [
      'events without the back-channel logout member',
      () => logoutToken({ events: { 'http://example.com/other': {} } }),
    ],
    [
      'a back-channel logout member that is not an object',
      () => logoutToken({ events: { [BACKCHANNEL_LOGOUT_EVENT]: 'yes' } }),
    ],
    ['neither sub nor sid', () => logoutToken({ sub: undefined, sid: undefined })],
    ['a sid-only token (no user claim)', () => logoutToken({ sub: undefined })],
    ['a nonce', () => logoutToken({ nonce: 'n-1' })],
    ['no jti', () => logoutToken({ jti: undefined })],
    ['no exp', () => logoutToken({ exp: undefined })],
    ['no iat', () => logoutToken({ iat: undefined })],
    ['an expired token', () => logoutToken({ iat: now() - 600, exp: now() - 300 })],
    ['an ID token (typ at+jwt)', () => logoutToken({}, { typ: 'at+jwt' })],
    ['a SET (typ secevent+jwt)', () => logoutToken({}, { typ: 'secevent+jwt' })],
    ['not a JWT', () => Promise.resolve('garbage')],
  ])('%s', async (_name, make) => {
    const response = await post(form(await make()));
    expect(response.status).toBe(400);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toMatchObject({ error: 'invalid_request', error_description: expect.any(String) });
    expect(await revocations()).toEqual([]);
  });

  it('refuses alg none', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'logout+jwt' })).toString('base64url');
    const body = Buffer.from(
      JSON.stringify({
        iss: idp.issuer,
        aud: 'ul-client',
        iat: now(),
        exp: now() + 60,
        jti: 'x',
        sub: 'kc-7f3a-ana',
        events: { [BACKCHANNEL_LOGOUT_EVENT]: {} },
      }),
    ).toString('base64url');
    expect((await post(form(`${header}.${body}.`))).status).toBe(400);
  });

  it('refuses the same jti with other claims', async () => {
    expect((await post(form(await logoutToken({ jti: 'same' })))).status).toBe(200);
    expect((await post(form(await logoutToken({ jti: 'same', sub: 'u-ben' })))).status).toBe(400);
    expect((await revocations()).map((r) => r.userId)).toEqual(['u-ana']);
  });

  it('refuses a JSON body, a missing token and two tokens', async () => {
    expect((await post(JSON.stringify({ logout_token: await logoutToken() }), 'application/json')).status).toBe(400);
    expect((await post('')).status).toBe(400);
    const token = await logoutToken();
    expect((await post(`logout_token=${token}&logout_token=${token}`)).status).toBe(400);
  });

  it('refuses a workspace without OIDC', async () => {
    const response = await t.request('/oidc/globex/backchannel-logout', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form(await logoutToken()),
    });
    expect(response.status).toBe(400);
  });
});

describe('OIDC reaching a browser', () => {
  it('pushes the revocation to the user’s connected device', async () => {
    const { server, socket, close } = await connectedDevice(t, 'ANA-0001');
    const response = await fetch(`${server.url}/oidc/acme/backchannel-logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form(await logoutToken()),
    });
    expect(response.status).toBe(200);
    expect(await socket.next((m) => m.type === 'revocation')).toMatchObject({
      event: { userId: 'u-ana', trigger: 'oidc' },
    });
    await close();
  });
});
