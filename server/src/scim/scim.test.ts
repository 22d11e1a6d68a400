import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashEnrollmentCode } from '../crypto.js';
import { connectedDevice, createTestContext, type TestContext } from '../test-support.js';

const TOKEN = 'scim-token-acme-0123456789';
const BASE = '/scim/acme/v2';

let t: TestContext;
beforeEach(async () => {
  t = await createTestContext();
});
afterEach(async () => {
  await t.dispose();
});

function scim(
  path: string,
  init: { method?: string; body?: unknown; token?: string | null; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { 'content-type': 'application/scim+json', ...init.headers };
  const token = init.token === undefined ? TOKEN : init.token;
  if (token !== null && !('authorization' in headers)) headers.authorization = `Bearer ${token}`;
  return t.request(`${BASE}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers,
    ...(init.body === undefined ? {} : { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) }),
  });
}
const body = async (response: Response) => (await response.json()) as Record<string, any>;

const newUser = (userName = 'john.smith@acme.test') => ({
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
  userName,
  name: { givenName: 'John Paul', familyName: 'Smith' },
  emails: [{ primary: true, value: userName, type: 'work' }],
  displayName: 'John Paul Smith',
  externalId: '00u1john',
  locale: 'en-US',
  password: 'never-stored-1!',
  active: true,
});

describe('Okta SCIM 2.0 spec test, in order', () => {
  it('passes every step', async () => {
    // 1. list with count=1
    const list = await scim('/Users?count=1&startIndex=1');
    expect(list.status).toBe(200);
    expect(list.headers.get('content-type')).toContain('application/scim+json');
    const page = await body(list);
    expect(page.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:ListResponse']);
    for (const field of ['totalResults', 'startIndex', 'itemsPerPage']) expect(typeof page[field]).toBe('number');
    expect(page.Resources).toHaveLength(1);
    const first = page.Resources[0];
    for (const value of [
      first.id,
      first.name.givenName,
      first.name.familyName,
      first.userName,
      first.emails[0].value,
    ]) {
      expect(typeof value).toBe('string');
    }
    expect(typeof first.active).toBe('boolean');
    // 2. that user by id
    const one = await scim(`/Users/${first.id as string}`);
    expect(one.status).toBe(200);
    expect((await body(one)).id).toBe(first.id);
    // 3. filter on a random userName
    const none = await body(await scim(`/Users?filter=${encodeURIComponent('userName eq "random-8c1f@acme.test"')}`));
    expect(none).toMatchObject({ totalResults: 0, Resources: [] });
    // 4. a random id
    const missing = await scim('/Users/6e0f2a8f-random');
    expect(missing.status).toBe(404);
    const error = await body(missing);
    expect(error.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error']);
    expect(error.status).toBe('404');
    expect(error.detail).toMatch(/\S/);
    // 5. create
    const created = await scim('/Users', { body: newUser() });
    expect(created.status).toBe(201);
    const user = await body(created);
    expect(user).toMatchObject({
      active: true,
      userName: 'john.smith@acme.test',
      externalId: '00u1john',
      name: { givenName: 'John Paul', familyName: 'Smith' },
      emails: [{ value: 'john.smith@acme.test', primary: true }],
    });
    expect(JSON.stringify(user)).not.toContain('never-stored');
    // 6. get it back
    expect(await body(await scim(`/Users/${user.id as string}`))).toEqual(user);
    // 7. create again
    const again = await scim('/Users', { body: newUser() });
    expect(again.status).toBe(409);
    expect(await body(again)).toMatchObject({ status: '409', scimType: 'uniqueness' });
    // 8. filter on the ALL-CAPS userName
    const caps = await scim(`/Users?filter=${encodeURIComponent('userName eq "JOHN.SMITH@ACME.TEST"')}`);
    expect(caps.status).toBe(200);
    expect(await body(caps)).toMatchObject({ totalResults: 1, Resources: [{ id: user.id }] });
    // 9. groups, fast
    const started = performance.now();
    const groups = await scim('/Groups');
    expect(groups.status).toBe(200);
    expect(performance.now() - started).toBeLessThan(600);
  });
});

describe('SCIM authentication', () => {
  it.each([
    ['no header', null, {}],
    ['a wrong token', 'wrong-token-0123456789', {}],
    ['another workspace’s token', null, { authorization: 'Bearer scim-token-globex' }],
  ])('answers 401 with a SCIM error for %s', async (_name, token, headers) => {
    const response = await scim('/Users', { token, headers });
    expect(response.status).toBe(401);
    expect(await body(response)).toMatchObject({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '401',
    });
  });

  it('accepts the raw token without "Bearer"', async () => {
    expect((await scim('/Users', { headers: { authorization: TOKEN } })).status).toBe(200);
  });

  it('answers 401 for a workspace without SCIM', async () => {
    const response = await t.request('/scim/globex/v2/Users', { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(response.status).toBe(401);
  });
});

describe('SCIM users', () => {
  it('pages with startIndex and count in creation order', async () => {
    const all = await body(await scim('/Users?count=200'));
    expect(all.totalResults).toBe(7);
    const second = await body(await scim('/Users?startIndex=2&count=2'));
    expect(second).toMatchObject({ totalResults: 7, startIndex: 2, itemsPerPage: 2 });
    expect(second.Resources.map((u: { id: string }) => u.id)).toEqual(
      all.Resources.slice(1, 3).map((u: { id: string }) => u.id),
    );
    expect((await body(await scim('/Users?count=0'))).Resources).toEqual([]);
    expect((await scim('/Users?count=abc')).status).toBe(400);
  });

  it.each(['displayName eq "x"', 'userName sw "a"', 'userName eq x', 'userName eq "a" or userName eq "b"'])(
    'refuses the filter %s with invalidFilter',
    async (filter) => {
      const response = await scim(`/Users?filter=${encodeURIComponent(filter)}`);
      expect(response.status).toBe(400);
      expect(await body(response)).toMatchObject({ scimType: 'invalidFilter' });
    },
  );

  it.each([
    ['malformed JSON', '{"userName":', 'invalidSyntax'],
    ['no userName', { name: { givenName: 'x' } }, 'invalidValue'],
    ['a wrong type', { userName: 'x@acme.test', active: 'yes' }, 'invalidValue'],
  ])('refuses a create with %s', async (_name, payload, scimType) => {
    const response = await scim('/Users', { body: payload });
    expect(response.status).toBe(400);
    expect(await body(response)).toMatchObject({ status: '400', scimType });
  });

  it('refuses an email that belongs to another user with 409', async () => {
    const response = await scim('/Users', {
      body: { ...newUser('someone@acme.test'), emails: [{ value: 'ana@acme.test', primary: true }] },
    });
    expect(response.status).toBe(409);
  });

  it('replaces a user with PUT, keeping role and apps', async () => {
    const response = await scim('/Users/u-ana', {
      method: 'PUT',
      body: {
        userName: 'ana@acme.test',
        name: { givenName: 'Ana', familyName: 'Lopez' },
        emails: [{ value: 'ana@acme.test', primary: true }],
        active: true,
      },
    });
    expect(response.status).toBe(200);
    expect((await body(response)).name).toMatchObject({ givenName: 'Ana', familyName: 'Lopez' });
    expect(await t.store.getUser('acme', 'u-ana')).toMatchObject({
      role: 'member',
      apps: ['crm', 'wiki'],
      familyName: 'Lopez',
    });
  });

  it.each([
    ['path-less', [{ op: 'replace', value: { active: false } }]],
    ['path form', [{ op: 'Replace', path: 'active', value: false }]],
    ['string boolean', [{ op: 'replace', path: 'active', value: 'false' }]],
  ])('deprovisions on PATCH active:false (%s): logout everywhere, no new enrollment', async (_name, operations) => {
    const device = await t.enroll('ANA-0001');
    const response = await scim('/Users/u-ana', {
      method: 'PATCH',
      body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: operations },
    });
    expect(response.status).toBe(200);
    expect((await body(response)).active).toBe(false);
    const [revocation] = (await t.store.listRevocations('acme', { limit: 10 })).items;
    expect(revocation).toMatchObject({ userId: 'u-ana', trigger: 'scim', devices: [{ id: device.deviceId }] });
    expect((await t.request('/v1/device/me', { token: device.token })).status).toBe(401);
    await t.store.putEnrollmentCode({
      codeHash: hashEnrollmentCode('ANA-NEW'),
      workspaceId: 'acme',
      userId: 'u-ana',
      expiresAt: t.clock.now() + 60_000,
    });
    const refused = await t.request('/v1/device/enroll', { body: { code: 'ANA-NEW' } });
    expect(refused.status).toBe(403);

    const back = await scim('/Users/u-ana', {
      method: 'PATCH',
      body: {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'replace', value: { active: true } }],
      },
    });
    expect((await body(back)).active).toBe(true);
    expect((await t.enroll('ANA-NEW')).token).toBeTruthy();
    expect((await t.store.listRevocations('acme', { limit: 10 })).items).toHaveLength(1);
  });

  it('updates attributes by PATCH path', async () => {
    const response = await scim('/Users/u-ben', {
      method: 'PATCH',
      body: {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [
          { op: 'replace', path: 'name.familyName', value: 'Okafor' },
          { op: 'add', path: 'externalId', value: '00u-ben' },
          { op: 'replace', path: 'emails[type eq "work"].value', value: 'ben.okafor@acme.test' },
        ],
      },
    });
    expect(response.status).toBe(200);
    expect(await body(response)).toMatchObject({
      name: { familyName: 'Okafor' },
      externalId: '00u-ben',
      emails: [{ value: 'ben.okafor@acme.test' }],
    });
    expect((await t.store.listRevocations('acme', { limit: 10 })).items).toEqual([]);
  });

  it.each([
    [
      'an unsupported path',
      {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'replace', path: 'roles', value: 'x' }],
      },
      'invalidPath',
    ],
    [
      'an unknown op',
      {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'move', path: 'active', value: false }],
      },
      'invalidSyntax',
    ],
    ['no PatchOp schema', { Operations: [{ op: 'replace', value: { active: false } }] }, 'invalidSyntax'],
  ])('refuses a PATCH with %s', async (_name, payload, scimType) => {
    const response = await scim('/Users/u-ben', { method: 'PATCH', body: payload });
    expect(response.status).toBe(400);
    expect(await body(response)).toMatchObject({ scimType });
    expect((await t.store.getUser('acme', 'u-ben'))?.status).toBe('active');
  });

  it('deprovisions on PUT active:false and on DELETE', async () => {
    const put = await scim('/Users/u-ben', {
      method: 'PUT',
      body: { userName: 'ben@acme.test', emails: [{ value: 'ben@acme.test' }], active: false },
    });
    expect(put.status).toBe(200);
    const del = await scim('/Users/u-ana', { method: 'DELETE' });
    expect(del.status).toBe(204);
    const revocations = (await t.store.listRevocations('acme', { limit: 10 })).items;
    expect(revocations.map((r) => [r.userId, r.trigger])).toEqual([
      ['u-ana', 'scim'],
      ['u-ben', 'scim'],
    ]);
    expect((await scim('/Users/u-nobody', { method: 'DELETE' })).status).toBe(404);
    // Deleted is gone for SCIM (RFC 7644 §3.6), kept here, deactivated, for the audit trail.
    expect((await scim('/Users/u-ana')).status).toBe(404);
    expect((await scim('/Users/u-ana', { method: 'DELETE' })).status).toBe(404);
    expect(
      (await body(await scim(`/Users?filter=${encodeURIComponent('userName eq "ana@acme.test"')}`))).totalResults,
    ).toBe(0);
    expect((await body(await scim('/Users?count=200'))).Resources.map((u: { id: string }) => u.id)).not.toContain(
      'u-ana',
    );
    expect(await t.store.getUser('acme', 'u-ana')).toMatchObject({
      status: 'deactivated',
      deletedAt: expect.any(String),
    });
  });

  it('serves the discovery documents', async () => {
    const config = await body(await scim('/ServiceProviderConfig'));
    expect(config).toMatchObject({
      patch: { supported: true },
      filter: { supported: true },
      bulk: { supported: false },
    });
    expect((await body(await scim('/ResourceTypes'))).Resources.map((r: { id: string }) => r.id)).toEqual([
      'User',
      'Group',
    ]);
    expect((await body(await scim('/Schemas'))).totalResults).toBe(2);
    expect((await scim('/Nothing')).status).toBe(404);
  });
});

describe('SCIM deactivation reaching a browser', () => {
  it('pushes the revocation to the user’s connected device', async () => {
    const { server, socket, close } = await connectedDevice(t, 'ANA-0001');
    const response = await fetch(`${server.url}${BASE}/Users/u-ana`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify({
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'replace', value: { active: false } }],
      }),
    });
    expect(response.status).toBe(200);
    expect(await socket.next((m) => m.type === 'revocation')).toMatchObject({
      event: { userId: 'u-ana', trigger: 'scim' },
    });
    await close();
  });
});
