import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseWorkspaceFile } from './config.js';
import { hashEnrollmentCode, mintEnrollmentCode } from './crypto.js';
import { applyWorkspaceFile } from './seed.js';
import { createEmbeddedStore } from './store/embedded.js';
import type { Store } from './store/types.js';
import { createTestContext, FIXTURE, type TestContext } from './test-support.js';

/**
 * Hostile input against every route: property-based, 12,000 requests per run. Whatever arrives,
 * the answer is never a 5xx, always a JSON (or SCIM JSON) body, and a refused request changes no
 * state. FUZZ_SEED reproduces a failing run; FUZZ_RUNS scales it.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 4_000);
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;

type Route = readonly [method: string, path: string];
const ROUTES: readonly Route[] = [
  ['GET', '/healthz'],
  ['GET', '/readyz'],
  ['GET', '/openapi.json'],
  ['POST', '/v1/device/enroll'],
  ['GET', '/v1/device/me'],
  ['GET', '/v1/device/apps'],
  ['POST', '/v1/device/apps/{app}/session'],
  ['GET', '/v1/device/revocations'],
  ['POST', '/v1/device/receipts'],
  ['POST', '/v1/device/logout-everywhere'],
  ['GET', '/v1/admin/users'],
  ['GET', '/v1/admin/users/{user}'],
  ['POST', '/v1/admin/users/{user}/logout'],
  ['POST', '/v1/admin/users/{user}/enrollment-codes'],
  ['GET', '/v1/admin/revocations'],
  ['GET', '/v1/admin/revocations/{id}'],
  ['GET', '/v1/admin/audit'],
  ['GET', '/v1/admin/notifications'],
  ['POST', '/v1/admin/notifications/read'],
  ['GET', '/v1/admin/idp/okta'],
  ['PUT', '/v1/admin/idp/okta'],
  ['PUT', '/v1/admin/idp/ssf'],
  ['PUT', '/v1/admin/idp/oidc'],
  ['POST', '/okta/{ws}/global-token-revocation'],
  ['GET', '/scim/{ws}/v2/Users'],
  ['POST', '/scim/{ws}/v2/Users'],
  ['GET', '/scim/{ws}/v2/Users/{user}'],
  ['PUT', '/scim/{ws}/v2/Users/{user}'],
  ['PATCH', '/scim/{ws}/v2/Users/{user}'],
  ['DELETE', '/scim/{ws}/v2/Users/{user}'],
  ['GET', '/scim/{ws}/v2/ServiceProviderConfig'],
  ['POST', '/ssf/{ws}/events'],
  ['POST', '/oidc/{ws}/backchannel-logout'],
];

/** Field names the routes read, so that generated bodies often get past the first check. */
const FIELDS = [
  'code',
  'deviceName',
  'revocationId',
  'removed',
  'cookies',
  'origins',
  'tabs',
  'errors',
  'reason',
  'confirm',
  'upTo',
  'issuer',
  'appInstanceId',
  'jwksUri',
  'audience',
  'clientId',
  'sub_id',
  'format',
  'email',
  'schemas',
  'userName',
  'active',
  'name',
  'emails',
  'externalId',
  'Operations',
  'op',
  'path',
  'value',
  'logout_token',
  'events',
  '__proto__',
  'constructor',
];

let t: TestContext;
let tokens: { admin: string; owner: string; member: string; revoked: string };
const HOLDERS = { admin: 'u-admin', owner: 'u-owner', member: 'u-ana' } as const;

/**
 * Accepted requests may end a token's life (logout everywhere, a SCIM deactivation): put the
 * fixture users back and enroll fresh devices, so the next cases still reach past authentication.
 */
async function reviveTokens(): Promise<void> {
  for (const [role, userId] of Object.entries(HOLDERS) as [keyof typeof HOLDERS, string][]) {
    if ((await t.request('/v1/device/me', { token: tokens[role] })).status === 200) continue;
    await applyWorkspaceFile(t.store, parseWorkspaceFile(JSON.stringify(FIXTURE), 'fixture'), t.clock);
    const code = mintEnrollmentCode();
    await t.store.putEnrollmentCode({
      codeHash: hashEnrollmentCode(code),
      workspaceId: 'acme',
      userId,
      expiresAt: t.clock.now() + 60_000,
    });
    tokens[role] = (await t.enroll(code)).token;
  }
}

beforeAll(async () => {
  // Limits out of the way: the point is to reach the code behind them.
  const open = { max: Number.MAX_SAFE_INTEGER, windowMs: 60_000 };
  const dir = await mkdtemp(join(tmpdir(), 'ul-fuzz-'));
  t = await createTestContext({
    store: countingWrites(await createEmbeddedStore({ dataDir: dir })),
    failureLimits: { enroll: { perAddress: open }, auth: { perAddress: open, perWorkspace: open } },
  });
  tokens = {
    admin: (await t.enroll('ADMIN-0001')).token,
    owner: (await t.enroll('OWNER-0001')).token,
    member: (await t.enroll('ANA-0001')).token,
    revoked: (await t.enroll('BEN-0001')).token,
  };
  await t.revokeUser({ workspaceId: 'acme', userId: 'u-ben', trigger: 'admin', actor: 'test', reason: 'fuzz' });
});
afterAll(async () => {
  await t.dispose();
});

/**
 * Every write the store is asked for, except last-seen times (every authenticated call touches
 * them). A refused request must not add to it.
 */
let writes = 0;
const WRITES = new Set([
  'upsertWorkspace',
  'upsertUser',
  'upsertApp',
  'putEnrollmentCode',
  'enroll',
  'revoke',
  'markDelivered',
  'putReceipt',
  'claimOnce',
  'appendAudit',
  'markNotificationsRead',
]);
/** Calls that answer "nothing done" in their result rather than by throwing. */
function wrote(method: string, result: unknown): boolean {
  if (method === 'enroll') return (result as { ok: boolean }).ok;
  if (method === 'claimOnce') return result === null;
  if (method === 'putEnrollmentCode') return result === true;
  return true;
}

function countingWrites(store: Store): Store {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || !WRITES.has(String(property))) return value;
      // Counted when it succeeds: a write the store refused (a wrong code at enroll) changed nothing.
      return async (...args: unknown[]) => {
        const result: unknown = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        if (wrote(String(property), result)) writes++;
        return result;
      };
    },
  });
}

const nasty = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '..',
    '../../etc/passwd',
    '%2e%2e%2f',
    '%00',
    '\u0000',
    '💥',
    'null',
    '-1',
    '1e309',
    'a'.repeat(5000),
  ),
);
const id = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('u-ana', 'u-owner', 'u-admin', 'u-glen', 'crm', 'wiki', 'acme', 'globex') },
  { weight: 1, arbitrary: nasty },
);

// Mostly the route's own kind of credential, so that most requests get past authentication.
const deviceToken = fc.constantFrom('admin', 'owner', 'member', 'revoked').map((who) => `Bearer ${tokens[who]}`);
const scimToken = fc.constantFrom('Bearer scim-token-acme-0123456789', 'scim-token-acme-0123456789');
const badCredential = fc.oneof(
  fc.constant(undefined),
  nasty.map((value) => `Bearer ${value}`),
  fc.constantFrom('Bearer ', 'Basic YWRtaW46YWRtaW4=', 'Bearer ul1.acme.dev_x.', 'Bearer ul1..x.y', 'bearer  a b'),
  nasty,
);
const authFor = (template: string) =>
  fc.oneof(
    { weight: 8, arbitrary: template.startsWith('/scim') ? scimToken : deviceToken },
    { weight: 1, arbitrary: template.startsWith('/scim') ? deviceToken : scimToken },
    { weight: 2, arbitrary: badCredential },
  );

const contentType = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('application/json', 'application/scim+json') },
  fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'application/scim+json',
    'application/secevent+jwt',
    'application/x-www-form-urlencoded',
    'text/plain',
    'multipart/form-data; boundary=x',
  ),
  fc.constant(undefined),
  nasty,
);

const jsonish: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.jsonValue(),
    fc.dictionary(fc.constantFrom(...FIELDS), tie('value'), { maxKeys: 6 }),
    fc.array(tie('value'), { maxLength: 4 }),
  ),
})).value;

const body = fc.oneof(
  fc.constant(undefined),
  jsonish.map((value) => JSON.stringify(value)),
  fc.dictionary(fc.constantFrom(...FIELDS), jsonish, { maxKeys: 8 }).map((value) => JSON.stringify(value)),
  nasty,
  fc.constantFrom('{', '{"a":', '[]', 'null', '""', '{"__proto__":{"admin":true}}', 'logout_token=a.b.c', '\uFEFF{}'),
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
);

/** Bodies shaped like each route's, with hostile values: they get past the shape check and further. */
const maybe = <T>(arbitrary: fc.Arbitrary<T>) => fc.oneof({ weight: 3, arbitrary }, { weight: 1, arbitrary: nasty });
const count = fc.oneof(fc.nat({ max: 50 }), fc.integer(), fc.double(), fc.constant(1e12));
const email = maybe(fc.constantFrom('ana@acme.test', 'ANA@acme.test', 'owner@acme.test', 'glen@globex.test', 'x@y'));
const url = maybe(
  fc.constantFrom('https://acme.okta.test', 'http://localhost/x', 'https://a.b/c?d#e', 'javascript:alert(1)'),
);
const cursor = maybe(fc.constantFrom('0-0', '1-0', '9999999999999-0', '1-1', '-1-0'));
const loose = (fields: Record<string, fc.Arbitrary<unknown>>) =>
  fc.record(fields, { requiredKeys: [] }).map((value) => JSON.stringify(value));
const SHAPES: Record<string, fc.Arbitrary<string>> = {
  '/v1/device/enroll': loose({
    code: maybe(fc.constantFrom('ANA-0001', 'GLEN-0001', 'XXXX-XXXX-XXXX')),
    deviceName: nasty,
  }),
  '/v1/device/receipts': loose({
    revocationId: maybe(fc.constantFrom('rev_x', 'rev_')),
    removed: fc.oneof(
      loose({ cookies: count, origins: count, tabs: count }).map((v) => JSON.parse(v) as unknown),
      nasty,
    ),
    errors: fc.oneof(fc.array(nasty, { maxLength: 3 }), nasty),
  }),
  '/v1/admin/users/{user}/logout': loose({ reason: maybe(fc.constant('incident')), confirm: email }),
  '/v1/admin/notifications/read': loose({ upTo: cursor }),
  '/v1/admin/idp/okta': loose({ issuer: url, appInstanceId: maybe(fc.constant('0oa1')), jwksUri: url }),
  '/v1/admin/idp/ssf': loose({
    issuer: url,
    audience: url,
    jwksUri: url,
    authorizationHeader: nasty,
    revokeOnCredentialChange: maybe(fc.boolean()),
  }),
  '/v1/admin/idp/oidc': loose({ issuer: url, clientId: nasty, jwksUri: url, userClaim: maybe(fc.constant('email')) }),
  '/okta/{ws}/global-token-revocation': loose({
    sub_id: fc.oneof(
      loose({
        format: maybe(fc.constantFrom('email', 'iss_sub', 'opaque', 'phone_number')),
        email,
        iss: url,
        sub: nasty,
      }).map((v) => JSON.parse(v) as unknown),
      nasty,
    ),
  }),
  '/scim/{ws}/v2/Users': loose({
    schemas: fc.oneof(fc.constant(['urn:ietf:params:scim:schemas:core:2.0:User']), jsonish),
    userName: email,
    active: maybe(fc.boolean()),
    externalId: nasty,
    emails: fc.oneof(
      fc.array(loose({ value: email, primary: maybe(fc.boolean()) }).map((v) => JSON.parse(v) as unknown)),
      nasty,
    ),
    name: fc.oneof(
      loose({ givenName: nasty, familyName: nasty }).map((v) => JSON.parse(v) as unknown),
      nasty,
    ),
  }),
  '/scim/{ws}/v2/Users/{user}': loose({
    schemas: fc.oneof(
      fc.constantFrom(
        ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        ['urn:ietf:params:scim:schemas:core:2.0:User'],
      ),
      jsonish,
    ),
    userName: email,
    active: maybe(fc.boolean()),
    Operations: fc.oneof(
      fc.array(
        loose({
          op: maybe(fc.constantFrom('replace', 'add', 'remove', 'Replace')),
          path: maybe(fc.constantFrom('active', 'userName', 'emails[type eq "work"].value', 'name.givenName')),
          value: fc.oneof(fc.boolean(), jsonish, nasty),
        }).map((v) => JSON.parse(v) as unknown),
        { maxLength: 3 },
      ),
      nasty,
    ),
  }),
  '/ssf/{ws}/events': fc.oneof(nasty, fc.constantFrom('a.b.c', 'eyJhbGciOiJub25lIn0.e30.', '..')),
  '/oidc/{ws}/backchannel-logout': fc.oneof(
    nasty.map((value) => `logout_token=${encodeURIComponent(value)}`),
    fc.constant('logout_token=eyJhbGciOiJub25lIn0.e30.'),
  ),
};
const bodyFor = (template: string) => {
  const shape = SHAPES[template];
  return shape ? fc.oneof({ weight: 3, arbitrary: shape }, { weight: 1, arbitrary: body }) : body;
};

const query = fc
  .dictionary(
    fc.oneof(
      fc.constantFrom('q', 'after', 'limit', 'userId', 'trigger', 'filter', 'startIndex', 'count'),
      fc.string({ maxLength: 8 }),
    ),
    nasty,
    { maxKeys: 3 },
  )
  .map((params) => {
    const search = new URLSearchParams(params).toString();
    return search ? `?${search}` : '';
  });

const request = fc.constantFrom(...ROUTES).chain((route) =>
  fc.record({
    route: fc.constant(route),
    // Now and then the wrong method for the route.
    method: fc.oneof(
      { weight: 9, arbitrary: fc.constant(null) },
      { weight: 1, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD') },
    ),
    params: fc.record({ app: id, user: id, id, ws: id }),
    query,
    authorization: authFor(route[1]),
    contentType,
    idempotencyKey: fc.option(nasty, { freq: 3 }),
    body: bodyFor(route[1]),
  }),
);

type Input = typeof request extends fc.Arbitrary<infer T> ? T : never;

function build(input: Input) {
  const [routeMethod, template] = input.route;
  const path = template.replace(/\{(\w+)\}/g, (_match: string, name: 'app' | 'user' | 'id' | 'ws') =>
    encodeURIComponent(input.params[name]),
  );
  const method = input.method ?? routeMethod;
  const headers: Record<string, string> = {};
  if (input.authorization !== undefined) headers.authorization = input.authorization;
  if (input.contentType !== undefined) headers['content-type'] = input.contentType;
  if (input.idempotencyKey !== null) headers['idempotency-key'] = input.idempotencyKey;
  const hasBody = input.body !== undefined && method !== 'GET' && method !== 'HEAD';
  return { method, path: `${path}${input.query}`, headers, body: hasBody ? input.body : undefined };
}

/** Header values a fetch Headers refuses are the client's problem, not the server's: skip them. */
function sendable(headers: Record<string, string>): boolean {
  try {
    new Headers(headers);
    return true;
  } catch {
    return false;
  }
}

describe('hostile input on every route', () => {
  it(`never answers 5xx, always says why in JSON, and a refused request changes nothing (${RUNS * 3} requests)`, async () => {
    let refused = 0;
    let accepted = 0;
    const statuses = new Map<number, number>();
    for (const round of [0, 1, 2]) {
      await fc.assert(
        fc.asyncProperty(request, async (input) => {
          const { method, path, headers, body: payload } = build(input);
          fc.pre(sendable(headers));
          const before = writes;
          const response = await t.app.request(path, {
            method,
            headers,
            ...(payload === undefined ? {} : { body: payload }),
          });
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          expect(response.status, `${method} ${path}`).toBeLessThan(500);
          const text = await response.text();
          if (method !== 'HEAD' && response.status !== 204 && response.status !== 304) {
            expect(response.headers.get('content-type') ?? '', `${method} ${path}`).toMatch(/json/);
            expect(() => JSON.parse(text) as unknown, `${method} ${path}: ${text.slice(0, 200)}`).not.toThrow();
          }
          if (response.status >= 400) {
            refused++;
            expect(writes - before, `${method} ${path} -> ${response.status} wrote to the store`).toBe(0);
          } else {
            accepted++;
            // Only an accepted request can have ended a token (logout everywhere, a SCIM deactivation).
            await reviveTokens();
          }
        }),
        { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED + round }), endOnFailure: true },
      );
    }
    expect(refused + accepted).toBeGreaterThanOrEqual(RUNS * 3 * 0.9);
    // The generator must reach past authentication and validation, not only bounce off them.
    expect(accepted).toBeGreaterThan(RUNS * 0.05);
    expect([...statuses.keys()].filter((status) => status >= 400).length).toBeGreaterThan(4);
  }, 240_000);
});
