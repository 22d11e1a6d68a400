import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Role } from '@universal-logout/shared';
import { createTestContext, type TestContext } from '../test-support.js';

let t: TestContext;
type Actor = Role | 'globex';
let tokens: Record<Actor, string>;
beforeEach(async () => {
  t = await createTestContext();
  tokens = {
    owner: (await t.enroll('OWNER-0001')).token,
    super_admin: (await t.enroll('SUPER-0001')).token,
    admin: (await t.enroll('ADMIN-0001')).token,
    member: (await t.enroll('BEN-0001')).token,
    globex: (await t.enroll('GLOBEX-0001')).token,
  };
});
afterEach(async () => {
  await t.dispose();
});

const json = async (response: Response) => (await response.json()) as Record<string, unknown>;
const errorCode = async (response: Response) => ((await json(response)).error as { code: string }).code;

const targets: Record<Role, { id: string; email: string }> = {
  owner: { id: 'u-owner', email: 'owner@acme.test' },
  super_admin: { id: 'u-super', email: 'super@acme.test' },
  admin: { id: 'u-admin2', email: 'admin2@acme.test' },
  member: { id: 'u-ana', email: 'ana@acme.test' },
};

function logout(actor: Actor, targetId: string, body: unknown, headers: Record<string, string> = {}) {
  return t.request(`/v1/admin/users/${targetId}/logout`, { token: tokens[actor], body, headers });
}

describe('who may log out whom', () => {
  const matrix: [actor: Role, target: Role, allowed: boolean][] = [
    ['owner', 'owner', true],
    ['owner', 'super_admin', true],
    ['owner', 'admin', true],
    ['owner', 'member', true],
    ['super_admin', 'owner', true],
    ['super_admin', 'super_admin', true],
    ['super_admin', 'admin', true],
    ['super_admin', 'member', true],
    ['admin', 'owner', false],
    ['admin', 'super_admin', false],
    ['admin', 'admin', true],
    ['admin', 'member', true],
    ['member', 'owner', false],
    ['member', 'super_admin', false],
    ['member', 'admin', false],
    ['member', 'member', false],
  ];

  it.each(matrix)('%s -> %s: allowed=%s', async (actor, targetRole, allowed) => {
    const target = targets[targetRole];
    const response = await logout(actor, target.id, { reason: 'incident', confirm: target.email });
    if (allowed) {
      expect(response.status).toBe(202);
      const { revocationId } = (await response.json()) as { revocationId: string };
      expect(await t.store.getRevocation('acme', revocationId)).toMatchObject({ userId: target.id, trigger: 'admin' });
    } else {
      expect(response.status).toBe(403);
      expect(await errorCode(response)).toBe('ERR_FORBIDDEN');
      expect((await t.store.listRevocations('acme', { limit: 10 })).items).toEqual([]);
    }
  });

  it('reads roles per request: a demoted admin loses the admin API at once', async () => {
    expect((await t.request('/v1/admin/users', { token: tokens.admin })).status).toBe(200);
    const admin = (await t.store.getUser('acme', 'u-admin'))!;
    await t.store.upsertUser({ ...admin, role: 'member' });
    const response = await t.request('/v1/admin/users', { token: tokens.admin });
    expect(response.status).toBe(403);
    expect(await errorCode(response)).toBe('ERR_FORBIDDEN');
  });

  it.each([
    ['GET', '/v1/admin/users'],
    ['GET', '/v1/admin/users/u-ana'],
    ['GET', '/v1/admin/revocations'],
    ['GET', '/v1/admin/revocations/rev_x'],
    ['GET', '/v1/admin/audit'],
    ['GET', '/v1/admin/notifications'],
    ['POST', '/v1/admin/users/u-ana/enrollment-codes'],
  ])('a member calling %s %s gets 403', async (method, path) => {
    const response = await t.request(path, { token: tokens.member, method });
    expect(response.status).toBe(403);
    expect(await errorCode(response)).toBe('ERR_FORBIDDEN');
  });

  it('needs a token at all', async () => {
    expect((await t.request('/v1/admin/users')).status).toBe(401);
  });
});

describe('tenant isolation', () => {
  it.each([
    ['GET', '/v1/admin/users/u-ana', undefined],
    ['POST', '/v1/admin/users/u-ana/logout', { reason: 'x', confirm: 'ana@acme.test' }],
    ['POST', '/v1/admin/users/u-ana/enrollment-codes', undefined],
  ])('another workspace’s owner gets 404 for %s %s', async (method, path, body) => {
    const response = await t.request(path, { token: tokens.globex, method, body });
    expect(response.status).toBe(404);
    expect(await errorCode(response)).toBe('ERR_NOT_FOUND');
    expect((await t.store.listRevocations('acme', { limit: 10 })).items).toEqual([]);
  });

  it('does not find another workspace’s users in search or revocations', async () => {
    const { revocation } = await t.revokeUser({
      workspaceId: 'acme',
      userId: 'u-ana',
      trigger: 'admin',
      actor: 'x',
      reason: 'r',
    });
    const users = await json(await t.request('/v1/admin/users?q=acme', { token: tokens.globex }));
    expect(users.users).toEqual([]);
    expect((await t.request(`/v1/admin/revocations/${revocation.id}`, { token: tokens.globex })).status).toBe(404);
    expect((await json(await t.request('/v1/admin/revocations', { token: tokens.globex }))).revocations).toEqual([]);
  });
});

describe('POST /v1/admin/users/{id}/logout', () => {
  it('needs the user’s email as confirmation (case and spaces aside)', async () => {
    const wrong = await logout('admin', 'u-ana', { reason: 'incident', confirm: 'ben@acme.test' });
    expect(wrong.status).toBe(400);
    expect(await errorCode(wrong)).toBe('ERR_CONFIRMATION_MISMATCH');
    expect((await t.store.listRevocations('acme', { limit: 10 })).items).toEqual([]);
    const right = await logout('admin', 'u-ana', { reason: 'incident', confirm: ' ANA@acme.test ' });
    expect(right.status).toBe(202);
  });

  it.each([
    [{ confirm: 'ana@acme.test' }, 'body.reason'],
    [{ reason: '', confirm: 'ana@acme.test' }, 'body.reason'],
    [{ reason: 'x' }, 'body.confirm'],
    [{ reason: 'x', confirm: 'ana@acme.test', force: true }, 'unknown field "force"'],
  ])('rejects %j naming %s', async (body, field) => {
    const response = await logout('admin', 'u-ana', body);
    expect(response.status).toBe(400);
    expect((await json(response)).error).toMatchObject({
      code: 'ERR_INVALID_REQUEST',
      message: expect.stringContaining(field) as unknown,
    });
  });

  it('answers 404 for an unknown user', async () => {
    const response = await logout('admin', 'u-nobody', { reason: 'x', confirm: 'x@y.z' });
    expect(response.status).toBe(404);
  });

  it('returns the same revocation for a repeated Idempotency-Key, and 409 when reused for another user', async () => {
    const body = { reason: 'incident', confirm: 'ana@acme.test' };
    const first = await json(await logout('admin', 'u-ana', body, { 'idempotency-key': 'k1' }));
    const second = await json(await logout('admin', 'u-ana', body, { 'idempotency-key': 'k1' }));
    expect(second.revocationId).toBe(first.revocationId);
    expect((await t.store.listRevocations('acme', { limit: 10 })).items).toHaveLength(1);
    const reused = await logout(
      'admin',
      'u-ben',
      { reason: 'x', confirm: 'ben@acme.test' },
      { 'idempotency-key': 'k1' },
    );
    expect(reused.status).toBe(409);
    // Keys are per admin: another admin's k1 is another request.
    const other = await json(await logout('owner', 'u-ana', body, { 'idempotency-key': 'k1' }));
    expect(other.revocationId).not.toBe(first.revocationId);
  });
});

describe('watching enforcement', () => {
  it('shows each device pending, then delivered, then enforced with what was removed', async () => {
    const laptop = await t.enroll('ANA-0001', 'Laptop');
    const { revocationId } = (await (
      await logout('admin', 'u-ana', { reason: 'incident', confirm: 'ana@acme.test' })
    ).json()) as { revocationId: string };
    const status = async () => json(await t.request(`/v1/admin/revocations/${revocationId}`, { token: tokens.admin }));
    expect(await status()).toMatchObject({
      id: revocationId,
      userId: 'u-ana',
      trigger: 'admin',
      actor: 'u-admin',
      reason: 'incident',
      devices: [{ deviceId: laptop.deviceId, name: 'Laptop', state: 'pending', enforcedAt: null, removed: null }],
    });
    await t.request('/v1/device/revocations', { token: laptop.token });
    expect(((await status()).devices as { state: string }[])[0]!.state).toBe('delivered');
    const removed = { cookies: 3, origins: 2, tabs: 1 };
    await t.request('/v1/device/receipts', { token: laptop.token, body: { revocationId, removed } });
    expect(((await status()).devices as unknown[])[0]).toMatchObject({
      state: 'enforced',
      removed,
      enforcedAt: expect.any(String) as unknown,
    });
  });

  it('lists revocations newest first with a cursor, filtered by user', async () => {
    for (const target of ['u-ana', 'u-ben', 'u-ana']) {
      await t.revokeUser({ workspaceId: 'acme', userId: target, trigger: 'okta', actor: 'okta', reason: 'r' });
    }
    const page = await json(await t.request('/v1/admin/revocations?limit=2', { token: tokens.admin }));
    expect((page.revocations as { userId: string }[]).map((r) => r.userId)).toEqual(['u-ana', 'u-ben']);
    const rest = await json(
      await t.request(`/v1/admin/revocations?limit=2&after=${String(page.cursor)}`, { token: tokens.admin }),
    );
    expect((rest.revocations as { userId: string }[]).map((r) => r.userId)).toEqual(['u-ana']);
    expect(rest.cursor).toBeNull();
    const ana = await json(await t.request('/v1/admin/revocations?userId=u-ana', { token: tokens.admin }));
    expect(ana.revocations).toHaveLength(2);
    expect((await t.request('/v1/admin/revocations?limit=0', { token: tokens.admin })).status).toBe(400);
  });

  it('searches users and shows one with devices, apps and last revocation', async () => {
    const found = await json(await t.request('/v1/admin/users?q=ANA', { token: tokens.admin }));
    expect(found.users).toEqual([
      {
        id: 'u-ana',
        email: 'ana@acme.test',
        name: 'Ana Member',
        role: 'member',
        status: 'active',
        userName: 'ana@acme.test',
      },
    ]);
    const device = await t.enroll('ANA-0001', 'Laptop');
    await t.revokeUser({
      workspaceId: 'acme',
      userId: 'u-ana',
      trigger: 'scim',
      actor: 'scim',
      reason: 'deprovisioned',
    });
    const detail = await json(await t.request('/v1/admin/users/u-ana', { token: tokens.admin }));
    expect(detail).toMatchObject({
      id: 'u-ana',
      devices: [{ id: device.deviceId, name: 'Laptop', state: 'revoked' }],
      apps: [{ id: 'crm' }, { id: 'wiki' }],
      lastRevocation: { trigger: 'scim', reason: 'deprovisioned' },
    });
    expect(JSON.stringify(detail)).not.toContain('crm-secret-cookie');
  });

  it('audits and notifies every admin, with read markers per admin', async () => {
    await logout('admin', 'u-ana', { reason: 'incident', confirm: 'ana@acme.test' });
    await t.revokeUser({
      workspaceId: 'acme',
      userId: 'u-ben',
      trigger: 'okta',
      actor: 'https://acme.okta.com',
      reason: 'Okta',
    });
    const audit = await json(await t.request('/v1/admin/audit', { token: tokens.owner }));
    const logouts = (audit.entries as { action: string; trigger: string; actor: string }[]).filter(
      (e) => e.action === 'user.logout',
    );
    expect(logouts.map((e) => [e.trigger, e.actor])).toEqual([
      ['okta', 'https://acme.okta.com'],
      ['admin', 'u-admin'],
    ]);
    for (const role of ['owner', 'super_admin', 'admin'] as const) {
      const body = await json(await t.request('/v1/admin/notifications', { token: tokens[role] }));
      expect(body.unread).toBe(2);
    }
    const mine = await json(await t.request('/v1/admin/notifications', { token: tokens.owner }));
    const newest = (mine.notifications as { id: string }[])[0]!.id;
    expect(
      (await t.request('/v1/admin/notifications/read', { token: tokens.owner, body: { upTo: newest } })).status,
    ).toBe(204);
    expect((await json(await t.request('/v1/admin/notifications', { token: tokens.owner }))).unread).toBe(0);
    expect((await json(await t.request('/v1/admin/notifications', { token: tokens.admin }))).unread).toBe(2);
  });
});

describe('GET /v1/admin/audit filters', () => {
  type Entry = { id: string; action: string; userId: string | null; trigger: string | null };
  const entriesOf = async (query: string, token = tokens.owner) => {
    const body = await json(await t.request(`/v1/admin/audit${query}`, { token }));
    return body as { entries: Entry[]; cursor: string | null };
  };
  const revoke = (userId: string, trigger: 'admin' | 'okta' | 'scim', reason: string) =>
    t.revokeUser({ workspaceId: 'acme', userId, trigger, actor: 'test', reason });

  it('keeps only one user, one trigger, or both', async () => {
    await revoke('u-ana', 'admin', 'one');
    await revoke('u-ben', 'okta', 'two');
    await revoke('u-ana', 'okta', 'three');
    await revoke('u-ben', 'scim', 'four');
    const ana = await entriesOf('?userId=u-ana');
    expect(ana.entries.length).toBeGreaterThanOrEqual(2);
    expect(ana.entries.every((e) => e.userId === 'u-ana')).toBe(true);
    const okta = await entriesOf('?trigger=okta');
    expect(okta.entries.map((e) => e.userId)).toEqual(['u-ana', 'u-ben']);
    const both = await entriesOf('?userId=u-ben&trigger=scim');
    expect(both.entries).toMatchObject([{ userId: 'u-ben', trigger: 'scim', action: 'user.logout' }]);
    expect(both.cursor).toBeNull();
  });

  it('pages through a filter without skipping or repeating an entry', async () => {
    for (let i = 0; i < 7; i++) await revoke(i % 2 ? 'u-ben' : 'u-ana', 'okta', `n${i}`);
    const seen: Entry[] = [];
    let query = '?trigger=okta&limit=2';
    for (let pages = 0; pages < 10; pages++) {
      const page = await entriesOf(query);
      seen.push(...page.entries);
      if (!page.cursor) break;
      query = `?trigger=okta&limit=2&after=${page.cursor}`;
    }
    expect(seen).toHaveLength(7);
    expect(new Set(seen.map((e) => e.id)).size).toBe(7);
    const unfiltered = (await entriesOf('?limit=200')).entries.filter((e) => e.trigger === 'okta');
    expect(seen.map((e) => e.id)).toEqual(unfiltered.map((e) => e.id));
  });

  it.each([
    ['an unknown trigger', '?trigger=email'],
    ['a malformed user id', '?userId=a%20b'],
    ['an unknown parameter', '?actor=x'],
  ])('refuses %s with 400 ERR_INVALID_REQUEST', async (_name, query) => {
    const response = await t.request(`/v1/admin/audit${query}`, { token: tokens.owner });
    expect(response.status).toBe(400);
    expect(await errorCode(response)).toBe('ERR_INVALID_REQUEST');
  });

  it('is for admins only', async () => {
    expect((await t.request('/v1/admin/audit?trigger=okta', { token: tokens.member })).status).toBe(403);
  });
});

describe('POST /v1/admin/users/{id}/enrollment-codes', () => {
  it('issues a single-use code that enrolls the user', async () => {
    const response = await t.request('/v1/admin/users/u-ana/enrollment-codes', {
      token: tokens.admin,
      method: 'POST',
    });
    expect(response.status).toBe(201);
    const { code, expiresAt } = (await response.json()) as { code: string; expiresAt: string };
    expect(code).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    expect(Date.parse(expiresAt)).toBe(t.clock.now() + 24 * 60 * 60 * 1000);
    const device = await t.enroll(code.toLowerCase());
    expect((await json(await t.request('/v1/device/me', { token: device.token }))).user).toMatchObject({ id: 'u-ana' });
    const audit = await json(await t.request('/v1/admin/audit', { token: tokens.admin }));
    expect(JSON.stringify(audit)).not.toContain(code);
  });

  it('follows the logout rules: an admin cannot mint a code to act as an owner', async () => {
    const response = await t.request('/v1/admin/users/u-owner/enrollment-codes', {
      token: tokens.admin,
      method: 'POST',
    });
    expect(response.status).toBe(403);
  });

  it('refuses a deactivated user', async () => {
    const response = await t.request('/v1/admin/users/u-gone/enrollment-codes', {
      token: tokens.owner,
      method: 'POST',
    });
    expect(response.status).toBe(403);
    expect(await errorCode(response)).toBe('ERR_USER_DEACTIVATED');
  });
});

describe('PUT /v1/admin/idp/okta', () => {
  const settings = { issuer: 'https://acme.okta.com', appInstanceId: '0oa1abc' };

  it('lets an owner or super admin set the Okta org, audited', async () => {
    for (const role of ['owner', 'super_admin'] as const) {
      const response = await t.request('/v1/admin/idp/okta', { token: tokens[role], method: 'PUT', body: settings });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({
        okta: settings,
        endpoint: 'http://localhost:8787/okta/acme/global-token-revocation',
      });
    }
    expect((await t.store.getWorkspace('acme'))?.settings.okta).toEqual(settings);
    const read = await json(await t.request('/v1/admin/idp/okta', { token: tokens.owner }));
    expect(read.okta).toEqual(settings);
    const audit = await json(await t.request('/v1/admin/audit', { token: tokens.owner }));
    expect((audit.entries as { action: string }[]).filter((e) => e.action === 'idp.okta.updated')).toHaveLength(2);
  });

  it.each(['admin', 'member'] as const)('refuses an %s', async (role) => {
    const response = await t.request('/v1/admin/idp/okta', { token: tokens[role], method: 'PUT', body: settings });
    expect(response.status).toBe(403);
    expect((await t.store.getWorkspace('acme'))?.settings.okta).toBeUndefined();
  });

  it.each([
    [{ issuer: 'not a url', appInstanceId: 'x' }, 'body.issuer'],
    [{ issuer: 'https://acme.okta.com/', appInstanceId: 'x' }, 'body.issuer'],
    [{ issuer: 'https://acme.okta.com' }, 'body.appInstanceId'],
    [{ ...settings, secret: 'x' }, 'unknown field "secret"'],
  ])('validates %j', async (body, field) => {
    const response = await t.request('/v1/admin/idp/okta', { token: tokens.owner, method: 'PUT', body });
    expect(response.status).toBe(400);
    expect((await json(response)).error).toMatchObject({ message: expect.stringContaining(field) as unknown });
  });
});

describe('PUT /v1/admin/idp/ssf and /oidc', () => {
  const ssf = {
    issuer: 'https://acme.okta.com',
    audience: 'https://ul.example.test/ssf/acme/events',
    authorizationHeader: 'Bearer s3cret-stream-token-1',
  };
  const oidc = { issuer: 'https://idp.example.test/realms/acme', clientId: 'ul-client' };

  it('stores the SSF stream with its Authorization header hashed, and never shows the header', async () => {
    const response = await t.request('/v1/admin/idp/ssf', { token: tokens.owner, method: 'PUT', body: ssf });
    expect(response.status).toBe(200);
    const saved = await json(response);
    expect(saved).toEqual({
      ssf: {
        issuer: ssf.issuer,
        audience: ssf.audience,
        revokeOnCredentialChange: false,
        authorizationHeaderSet: true,
      },
      endpoint: 'http://localhost:8787/ssf/acme/events',
    });
    expect(JSON.stringify((await t.store.getWorkspace('acme'))?.settings)).not.toContain('s3cret');
    const read = await t.request('/v1/admin/idp/ssf', { token: tokens.super_admin });
    expect(JSON.stringify(await read.json())).not.toContain('s3cret');
    const audit = await json(await t.request('/v1/admin/audit', { token: tokens.owner }));
    expect(JSON.stringify(audit)).not.toContain('s3cret');
  });

  it('stores the OIDC provider with its default user claim', async () => {
    const response = await t.request('/v1/admin/idp/oidc', { token: tokens.super_admin, method: 'PUT', body: oidc });
    expect(await json(response)).toEqual({
      oidc: { ...oidc, userClaim: 'sub' },
      endpoint: 'http://localhost:8787/oidc/acme/backchannel-logout',
    });
  });

  it.each([
    ['/v1/admin/idp/ssf', ssf],
    ['/v1/admin/idp/oidc', oidc],
  ])('refuses an admin on %s', async (path, body) => {
    expect((await t.request(path, { token: tokens.admin, method: 'PUT', body })).status).toBe(403);
    expect((await t.request(path, { token: tokens.admin })).status).toBe(403);
  });

  it.each([
    ['/v1/admin/idp/ssf', { ...ssf, audience: '' }, 'body.audience'],
    ['/v1/admin/idp/ssf', { ...ssf, authorizationHeader: 'short' }, 'body.authorizationHeader'],
    ['/v1/admin/idp/oidc', { ...oidc, userClaim: 'a b' }, 'body.userClaim'],
    ['/v1/admin/idp/oidc', { issuer: oidc.issuer }, 'body.clientId'],
  ])('validates %s %j', async (path, body, field) => {
    const response = await t.request(path, { token: tokens.owner, method: 'PUT', body });
    expect(response.status).toBe(400);
    expect((await json(response)).error).toMatchObject({ message: expect.stringContaining(field) as unknown });
  });
});
