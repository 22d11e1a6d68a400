import { SignJWT, base64url } from 'jose';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '@universal-logout/shared';
import { createTestContext, type TestContext } from '../test-support.js';
import { startFakeOkta, type FakeOkta } from './fake-okta.js';

let acmeOkta: FakeOkta;
let globexOkta: FakeOkta;
let t: TestContext;

const AUDIENCE = 'http://localhost:8787/okta/acme/global-token-revocation';
const APP = '0oa-acme-app';

beforeAll(async () => {
  acmeOkta = await startFakeOkta('https://acme.okta.test');
  globexOkta = await startFakeOkta('https://globex.okta.test', 'ES256');
});
afterAll(async () => {
  await acmeOkta.close();
  await globexOkta.close();
});

async function configure(context: TestContext) {
  for (const [id, okta, app] of [
    ['acme', acmeOkta, APP],
    ['globex', globexOkta, '0oa-globex-app'],
  ] as const) {
    const workspace = (await context.store.getWorkspace(id))!;
    await context.store.upsertWorkspace({
      ...workspace,
      settings: { ...workspace.settings, okta: { issuer: okta.issuer, appInstanceId: app, jwksUri: okta.jwksUri } },
    });
  }
  const ana = (await context.store.getUser('acme', 'u-ana'))!;
  await context.store.upsertUser({ ...ana, externalId: '00u-okta-ana', userName: 'ana.member@acme.test' });
}

beforeEach(async () => {
  t = await createTestContext({ jwksCooldownMs: 0 });
  await configure(t);
});
afterEach(async () => {
  await t.dispose();
});

const emailSubject = (email = 'ana@acme.test') => ({ sub_id: { format: 'email', email } });

function sign(options: Partial<Parameters<FakeOkta['sign']>[0]> & { okta?: FakeOkta } = {}) {
  const { okta = acmeOkta, ...rest } = options;
  return okta.sign({ audience: AUDIENCE, subject: APP, now: t.clock.now(), ...rest });
}

function gtr(
  token: string | null,
  body: unknown = emailSubject(),
  init: { headers?: Record<string, string>; path?: string } = {},
) {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...init.headers };
  if (token !== null && !('authorization' in headers)) headers.authorization = `Bearer ${token}`;
  return t.request(init.path ?? '/okta/acme/global-token-revocation', {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

const revocations = async () => (await t.store.listRevocations('acme', { limit: 100 })).items;

describe('Okta Global Token Revocation: success', () => {
  it('logs the user out everywhere and answers 204 with no body', async () => {
    const device = await t.enroll('ANA-0001');
    const token = await sign({ claims: { jti: 'jti-success' } });
    const response = await gtr(token);
    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
    const [revocation] = await revocations();
    expect(revocation).toMatchObject({
      userId: 'u-ana',
      trigger: 'okta',
      actor: 'https://acme.okta.test (jti jti-success)',
      devices: [{ id: device.deviceId }],
    });
    expect((await t.request('/v1/device/me', { token: device.token })).status).toBe(401);
    const audit = await t.store.listAudit('acme', { limit: 10 });
    expect(audit.items.find((e) => e.action === 'user.logout')).toMatchObject({
      trigger: 'okta',
      actor: 'https://acme.okta.test (jti jti-success)',
    });
  });

  it.each([
    ['email, any case', { sub_id: { format: 'email', email: 'ANA@Acme.test' } }],
    ['email matching the userName', { sub_id: { format: 'email', email: 'ana.member@acme.test' } }],
    ['iss_sub with our user id', { sub_id: { format: 'iss_sub', iss: 'https://acme.okta.test', sub: 'u-ana' } }],
    [
      'iss_sub with the Okta user id (externalId)',
      { sub_id: { format: 'iss_sub', iss: 'https://acme.okta.test', sub: '00u-okta-ana' } },
    ],
    [
      'iss_sub with the userName',
      { sub_id: { format: 'iss_sub', iss: 'https://acme.okta.test', sub: 'ana.member@acme.test' } },
    ],
    ['the legacy subject member', { subject: { format: 'email', email: 'ana@acme.test' } }],
    [
      'sub_id and subject naming the same subject',
      { sub_id: { format: 'email', email: 'ana@acme.test' }, subject: { email: 'ana@acme.test', format: 'email' } },
    ],
  ])('finds the user by %s', async (_name, body) => {
    expect((await gtr(await sign(), body)).status).toBe(204);
    expect((await revocations()).map((r) => r.userId)).toEqual(['u-ana']);
  });

  it('accepts a charset on the content type', async () => {
    const response = await gtr(await sign(), emailSubject(), {
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    expect(response.status).toBe(204);
  });

  it('answers a retried identical request 204 without a second revocation', async () => {
    const token = await sign();
    expect((await gtr(token)).status).toBe(204);
    expect((await gtr(token)).status).toBe(204);
    expect(await revocations()).toHaveLength(1);
  });

  it('answers 204 for a user already logged out (a new request is a new logout)', async () => {
    expect((await gtr(await sign())).status).toBe(204);
    expect((await gtr(await sign())).status).toBe(204);
    expect(await revocations()).toHaveLength(2);
  });

  it.each(['ES256', 'PS256'] as const)('verifies %s tokens', async (alg) => {
    const okta = await startFakeOkta('https://acme.okta.test', alg);
    const workspace = (await t.store.getWorkspace('acme'))!;
    await t.store.upsertWorkspace({
      ...workspace,
      settings: { okta: { issuer: okta.issuer, appInstanceId: APP, jwksUri: okta.jwksUri } },
    });
    expect((await gtr(await sign({ okta }))).status).toBe(204);
    await okta.close();
  });

  it('verifies a new kid after the JWKS rotates mid-run', async () => {
    expect((await gtr(await sign())).status).toBe(204);
    await acmeOkta.rotate();
    expect((await gtr(await sign())).status).toBe(204);
  });
});

describe('Okta Global Token Revocation: authentication (401 first)', () => {
  const cases: [string, () => Promise<{ token: string | null; headers?: Record<string, string> }>][] = [
    ['no Authorization header', () => Promise.resolve({ token: null })],
    ['a scheme other than Bearer', async () => ({ token: null, headers: { authorization: `Basic ${await sign()}` } })],
    ['not a JWT', () => Promise.resolve({ token: 'not-a-jwt' })],
    [
      'alg none',
      () => {
        const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'global-token-revocation+jwt' }));
        const now = Math.floor(t.clock.now() / 1000);
        const payload = base64url.encode(
          JSON.stringify({
            iss: acmeOkta.issuer,
            sub: APP,
            aud: AUDIENCE,
            iat: now,
            nbf: now - 300,
            exp: now + 300,
            jti: 'x',
          }),
        );
        return Promise.resolve({ token: `${header}.${payload}.` });
      },
    ],
    [
      'HS256 signed with the public key',
      async () => {
        const now = Math.floor(t.clock.now() / 1000);
        const token = await new SignJWT({ jti: 'hs' })
          .setProtectedHeader({ alg: 'HS256', typ: 'global-token-revocation+jwt', kid: 'rs256-1' })
          .setIssuer(acmeOkta.issuer)
          .setSubject(APP)
          .setAudience(AUDIENCE)
          .setIssuedAt(now)
          .setExpirationTime(now + 300)
          .sign(new TextEncoder().encode(await acmeOkta.publicKeyPem()));
        return { token };
      },
    ],
    ['an unknown kid', async () => ({ token: await sign({ key: await acmeOkta.unpublishedKey() }) })],
    ['a wrong typ', async () => ({ token: await sign({ header: { typ: 'JWT' } }) })],
    ['a missing typ', async () => ({ token: await sign({ header: { typ: undefined } }) })],
    ['a wrong iss', async () => ({ token: await sign({ claims: { iss: 'https://evil.okta.test' } }) })],
    [
      'a wrong aud',
      async () => ({ token: await sign({ audience: 'http://localhost:8787/okta/globex/global-token-revocation' }) }),
    ],
    ['an aud with a query string', async () => ({ token: await sign({ audience: `${AUDIENCE}?x=1` }) })],
    [
      'an expired token',
      async () => {
        const token = await sign();
        t.clock.advance(6 * 60_000 + 61_000);
        return { token };
      },
    ],
    [
      'nbf in the future',
      async () => {
        const token = await sign({ now: t.clock.now() + 10 * 60_000 });
        return { token };
      },
    ],
    ['no jti', async () => ({ token: await sign({ claims: { jti: undefined } }) })],
    ['another workspace’s Okta signing for this one', async () => ({ token: await sign({ okta: globexOkta }) })],
    [
      'another workspace’s key claiming this workspace’s issuer',
      async () => ({ token: await sign({ okta: globexOkta, claims: { iss: 'https://acme.okta.test' } }) }),
    ],
  ];

  it.each(cases)('rejects %s with 401 and no revocation', async (_name, make) => {
    const { token, headers } = await make();
    const response = await gtr(token, emailSubject(), headers ? { headers } : {});
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: 'ERR_UNAUTHENTICATED' } });
    expect(await revocations()).toEqual([]);
  });

  it('rejects a bad token before looking at the body', async () => {
    expect((await gtr('not-a-jwt', '{broken')).status).toBe(401);
  });

  it('answers 401 for a workspace without Okta and for an unknown workspace alike', async () => {
    const token = await sign();
    const workspace = (await t.store.getWorkspace('acme'))!;
    await t.store.upsertWorkspace({ ...workspace, settings: {} });
    expect((await gtr(token)).status).toBe(401);
    expect((await gtr(token, emailSubject(), { path: '/okta/nope/global-token-revocation' })).status).toBe(401);
    expect((await gtr(token, emailSubject(), { path: '/okta/NOT_VALID!/global-token-revocation' })).status).toBe(401);
  });

  it('treats the same jti naming another subject as a replay', async () => {
    const token = await sign();
    expect((await gtr(token, emailSubject('ana@acme.test'))).status).toBe(204);
    const replay = await gtr(token, emailSubject('ben@acme.test'));
    expect(replay.status).toBe(401);
    expect((await revocations()).map((r) => r.userId)).toEqual(['u-ana']);
  });

  it('fetches the JWKS again for an unknown kid at most once per cooldown', async () => {
    const limited = await createTestContext();
    await configure(limited);
    const previous = t;
    t = limited;
    expect((await gtr(await sign())).status).toBe(204);
    const before = acmeOkta.fetches;
    const stranger = await acmeOkta.unpublishedKey();
    for (let i = 0; i < 5; i++) expect((await gtr(await sign({ key: stranger }))).status).toBe(401);
    expect(acmeOkta.fetches - before).toBeLessThanOrEqual(1);
    t = previous;
    await limited.dispose();
  });
});

describe('Okta Global Token Revocation: authorization, body and lookup', () => {
  it('answers 403 for a token made for another app instance', async () => {
    const response = await gtr(await sign({ subject: '0oa-other-app' }));
    expect(response.status).toBe(403);
    expect(await revocations()).toEqual([]);
  });

  it.each([
    ['missing sub_id', {}],
    [
      'conflicting subject',
      { sub_id: { format: 'email', email: 'ana@acme.test' }, subject: { format: 'email', email: 'ben@acme.test' } },
    ],
    ['an unsupported RFC 9493 format', { sub_id: { format: 'opaque', id: 'abc' } }],
    ['an unknown format', { sub_id: { format: 'badge', id: 'abc' } }],
    ['extra members in the subject', { sub_id: { format: 'email', email: 'ana@acme.test', iss: 'x' } }],
    ['missing members in the subject', { sub_id: { format: 'iss_sub', iss: 'https://acme.okta.test' } }],
    ['an unknown top-level property', { sub_id: { format: 'email', email: 'ana@acme.test' }, reason: 'x' }],
    ['a subject that is not an object', { sub_id: 'ana@acme.test' }],
    ['a JSON array', []],
    ['malformed JSON', '{"sub_id":'],
  ])('answers 400 for %s', async (_name, body) => {
    const response = await gtr(await sign(), body);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 'ERR_INVALID_REQUEST' } });
    expect(await revocations()).toEqual([]);
  });

  it('answers 400 for a body that is not JSON', async () => {
    const response = await gtr(await sign(), 'sub_id=x', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(response.status).toBe(400);
  });

  it('answers 413 for an oversized body', async () => {
    const response = await gtr(await sign(), { sub_id: { format: 'email', email: 'a'.repeat(70_000) } });
    expect(response.status).toBe(413);
  });

  it('answers 404 for an unknown user and for a user of another workspace', async () => {
    expect((await gtr(await sign(), emailSubject('nobody@acme.test'))).status).toBe(404);
    expect((await gtr(await sign(), emailSubject('member@globex.test'))).status).toBe(404);
    expect((await gtr(await sign(), { sub_id: { format: 'iss_sub', iss: 'x', sub: 'u-gmember' } })).status).toBe(404);
    expect((await t.store.listRevocations('globex', { limit: 10 })).items).toEqual([]);
  });

  it('answers 503 with Retry-After, never 204, when the revocation cannot be persisted', async () => {
    t.store.revoke = () => Promise.reject(new AppError('ERR_STORE_UNAVAILABLE', 'down'));
    const response = await gtr(await sign());
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
  });
});

describe('Okta Global Token Revocation: settings changes', () => {
  it('follows a change of the workspace Okta settings from the next call on', async () => {
    expect((await gtr(await sign({ claims: { jti: 'jti-before' } }))).status).toBe(204);
    const workspace = (await t.store.getWorkspace('acme'))!;
    const okta = workspace.settings.okta as Record<string, unknown>;
    await t.store.upsertWorkspace({
      ...workspace,
      settings: { ...workspace.settings, okta: { ...okta, appInstanceId: '0oa-another-app' } },
    });
    // Signed for the app instance this workspace no longer is.
    expect((await gtr(await sign({ claims: { jti: 'jti-after' } }))).status).toBe(403);
    expect((await gtr(await sign({ subject: '0oa-another-app', claims: { jti: 'jti-new-app' } }))).status).toBe(204);
    const { okta: _removed, ...rest } = workspace.settings;
    await t.store.upsertWorkspace({ ...workspace, settings: rest });
    const response = await gtr(await sign({ subject: '0oa-another-app', claims: { jti: 'jti-no-okta' } }));
    expect(response.status).toBe(401);
  });
});
