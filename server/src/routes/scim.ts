import type { Context } from 'hono';
import { AppError, WorkspaceId } from '@universal-logout/shared';
import { hashesEqual, randomId, sha256 } from '../crypto.js';
import type { Deps } from '../env.js';
import type { RevokeUser } from '../pipeline.js';
import { createRouter } from '../router.js';
import { resourceTypes, schemas, serviceProviderConfig } from '../scim/metadata.js';
import { applyPatch } from '../scim/patch.js';
import {
  fieldsFromInput,
  fieldsOf,
  parseFilter,
  SCHEMA,
  SCIM_MEDIA_TYPE,
  ScimError,
  ScimUserInput,
  toScimUser,
  type ScimFields,
} from '../scim/resources.js';
import type { Store, User } from '../store/types.js';

export const scimTokenHash = (token: string) => sha256(`scim:${token}`);

const MAX_COUNT = 200;

/** An RFC 7644 ListResponse: 1-based `startIndex`, integers throughout. */
const listResponse = (resources: unknown[], totalResults = resources.length, startIndex = 1) => ({
  schemas: [SCHEMA.list],
  totalResults,
  startIndex,
  itemsPerPage: resources.length,
  Resources: resources,
});

function scimJson(c: Context, body: unknown, status: 200 | 201 = 200) {
  return c.body(JSON.stringify(body), status, { 'content-type': SCIM_MEDIA_TYPE });
}

async function readJson(c: {
  req: { header(name: string): string | undefined; text(): Promise<string> };
}): Promise<unknown> {
  const type = c.req.header('content-type');
  if (type !== undefined && !/^application\/(scim\+)?json\s*(;|$)/i.test(type)) {
    throw new ScimError(400, 'Content-Type must be application/scim+json or application/json', 'invalidSyntax');
  }
  try {
    return JSON.parse(await c.req.text());
  } catch {
    throw new ScimError(400, 'body is not valid JSON', 'invalidSyntax');
  }
}

const positiveInt = (value: string | undefined, fallback: number, name: string): number => {
  if (value === undefined) return fallback;
  if (!/^-?\d{1,9}$/.test(value)) throw new ScimError(400, `${name} must be an integer`, 'invalidValue');
  return Number(value);
};

/**
 * SCIM 2.0 (RFC 7643/7644) as Okta provisions users. Deactivation (PUT or PATCH active:false,
 * or DELETE) deprovisions: the user is logged out everywhere (trigger `scim`) and cannot enroll a
 * device until reactivated.
 */
export function scimRoutes({ store, publicUrl, clock, logger }: Deps, { revokeUser }: { revokeUser: RevokeUser }) {
  const router = createRouter();

  router.onError((error, c) => {
    const scim =
      error instanceof ScimError
        ? error
        : error instanceof AppError && error.code === 'ERR_STORE_UNAVAILABLE'
          ? new ScimError(503, 'the store is unavailable; retry later')
          : null;
    if (!scim) {
      logger.error({ err: error, requestId: c.var.requestId }, 'unhandled SCIM error');
      return c.body(JSON.stringify(new ScimError(500, 'internal error').body()), 500, {
        'content-type': SCIM_MEDIA_TYPE,
      });
    }
    if (scim.status === 401)
      logger.warn({ requestId: c.var.requestId, path: c.req.path }, 'SCIM authentication failed');
    const headers: Record<string, string> = { 'content-type': SCIM_MEDIA_TYPE };
    if (scim.status === 503) headers['retry-after'] = '5';
    return c.body(JSON.stringify(scim.body()), scim.status, headers);
  });

  // Bearer or the raw token (Okta offers both header styles).
  router.use('/:workspaceId/v2/*', async (c, next) => {
    const workspaceId = c.req.param('workspaceId');
    const header = c.req.header('authorization')?.trim() ?? '';
    const token = /^Bearer\s+/i.test(header) ? header.replace(/^Bearer\s+/i, '') : header;
    const workspace = WorkspaceId.safeParse(workspaceId).success ? await store.getWorkspace(workspaceId) : null;
    const expected = (workspace?.settings.scim as { tokenHash?: unknown } | undefined)?.tokenHash;
    if (!token || typeof expected !== 'string' || !hashesEqual(scimTokenHash(token), expected)) {
      throw new ScimError(401, 'missing or invalid SCIM token');
    }
    await next();
  });

  const base = (workspaceId: string) => `${publicUrl}/scim/${workspaceId}/v2`;

  async function findUser(workspaceId: string, id: string): Promise<User> {
    const user = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(id) ? await store.getUser(workspaceId, id) : null;
    // A deleted user is gone for SCIM (RFC 7644 §3.6), though kept for the audit trail.
    if (!user || user.deletedAt) throw new ScimError(404, `User ${id} not found`);
    return user;
  }

  /** The users SCIM sees: every user of the workspace but the deleted ones, in creation order. */
  const scimUsers = async (workspaceId: string) =>
    (await store.listUsers(workspaceId)).filter((user) => !user.deletedAt);

  async function assertUniqueUserName(workspaceId: string, userName: string, self: string | null): Promise<void> {
    const needle = userName.toLowerCase();
    const clash = (await scimUsers(workspaceId)).find((u) => u.userName.toLowerCase() === needle && u.id !== self);
    if (clash) throw new ScimError(409, `userName ${userName} is already taken`, 'uniqueness');
  }

  /** Writes SCIM's fields onto the user; deactivation runs the logout pipeline. */
  async function save(
    store: Store,
    workspaceId: string,
    previous: User | null,
    id: string,
    fields: ScimFields,
    deletedAt: string | null = null,
  ): Promise<User> {
    let user: User;
    try {
      user = await store.upsertUser({
        workspaceId,
        id,
        email: fields.email,
        userName: fields.userName,
        name: fields.name,
        givenName: fields.givenName,
        familyName: fields.familyName,
        externalId: fields.externalId,
        status: fields.active ? 'active' : 'deactivated',
        role: previous?.role ?? 'member',
        deletedAt,
        apps: previous?.apps ?? [],
      });
    } catch (error) {
      if (error instanceof AppError && error.code === 'ERR_CONFLICT')
        throw new ScimError(409, error.message, 'uniqueness');
      throw error;
    }
    if (previous && previous.status === 'active' && !fields.active) {
      await revokeUser({ workspaceId, userId: id, trigger: 'scim', actor: 'scim', reason: 'Deprovisioned by SCIM' });
    }
    if (previous?.status !== user.status) {
      await store.appendAudit(workspaceId, {
        at: new Date(clock.now()).toISOString(),
        actor: 'scim',
        action: previous ? (fields.active ? 'user.reactivated' : 'user.deactivated') : 'user.provisioned',
        userId: id,
        trigger: 'scim',
        detail: { userName: fields.userName },
      });
    }
    return user;
  }

  router.get('/:workspaceId/v2/Users', async (c) => {
    const workspaceId = c.req.param('workspaceId');
    const filter = c.req.query('filter');
    const startIndex = Math.max(1, positiveInt(c.req.query('startIndex'), 1, 'startIndex'));
    const count = Math.min(MAX_COUNT, Math.max(0, positiveInt(c.req.query('count'), 100, 'count')));
    let users = await scimUsers(workspaceId);
    if (filter !== undefined) {
      const { userName } = parseFilter(filter);
      users = users.filter((user) => user.userName.toLowerCase() === userName.toLowerCase());
    }
    const page = users.slice(startIndex - 1, startIndex - 1 + count);
    const resources = page.map((user) => toScimUser(user, base(workspaceId)));
    return scimJson(c, listResponse(resources, users.length, startIndex));
  });

  router.post('/:workspaceId/v2/Users', async (c) => {
    const workspaceId = c.req.param('workspaceId');
    const parsed = ScimUserInput.safeParse(await readJson(c));
    if (!parsed.success) throw invalid(parsed.error.issues[0]);
    const fields = fieldsFromInput(parsed.data);
    await assertUniqueUserName(workspaceId, fields.userName, null);
    const user = await save(store, workspaceId, null, randomId('u'), fields);
    c.header('location', `${base(workspaceId)}/Users/${user.id}`);
    return scimJson(c, toScimUser(user, base(workspaceId)), 201);
  });

  router.get('/:workspaceId/v2/Users/:id', async (c) => {
    const workspaceId = c.req.param('workspaceId');
    return scimJson(c, toScimUser(await findUser(workspaceId, c.req.param('id')), base(workspaceId)));
  });

  router.put('/:workspaceId/v2/Users/:id', async (c) => {
    const workspaceId = c.req.param('workspaceId');
    const previous = await findUser(workspaceId, c.req.param('id'));
    const parsed = ScimUserInput.safeParse(await readJson(c));
    if (!parsed.success) throw invalid(parsed.error.issues[0]);
    const fields = fieldsFromInput(parsed.data);
    await assertUniqueUserName(workspaceId, fields.userName, previous.id);
    return scimJson(c, toScimUser(await save(store, workspaceId, previous, previous.id, fields), base(workspaceId)));
  });

  router.patch('/:workspaceId/v2/Users/:id', async (c) => {
    const workspaceId = c.req.param('workspaceId');
    const previous = await findUser(workspaceId, c.req.param('id'));
    const fields = applyPatch(fieldsOf(previous), await readJson(c));
    if (fields.userName !== previous.userName) await assertUniqueUserName(workspaceId, fields.userName, previous.id);
    return scimJson(c, toScimUser(await save(store, workspaceId, previous, previous.id, fields), base(workspaceId)));
  });

  // Okta never deletes users, but a SCIM server must answer DELETE: it deprovisions.
  router.delete('/:workspaceId/v2/Users/:id', async (c) => {
    const workspaceId = c.req.param('workspaceId');
    const previous = await findUser(workspaceId, c.req.param('id'));
    await save(
      store,
      workspaceId,
      previous,
      previous.id,
      { ...fieldsOf(previous), active: false },
      new Date(clock.now()).toISOString(),
    );
    return c.body(null, 204);
  });

  router.get('/:workspaceId/v2/Groups', (c) => scimJson(c, listResponse([])));
  router.get('/:workspaceId/v2/ServiceProviderConfig', (c) =>
    scimJson(c, serviceProviderConfig(base(c.req.param('workspaceId')))),
  );
  router.get('/:workspaceId/v2/ResourceTypes', (c) =>
    scimJson(c, listResponse(resourceTypes(base(c.req.param('workspaceId'))))),
  );
  router.get('/:workspaceId/v2/Schemas', (c) => scimJson(c, listResponse(schemas(base(c.req.param('workspaceId'))))));
  router.all('/:workspaceId/v2/*', () => {
    throw new ScimError(404, 'no such SCIM endpoint');
  });
  return router;
}

function invalid(issue: { path: PropertyKey[]; message: string } | undefined): ScimError {
  const path = issue?.path.map(String).join('.') || 'body';
  return new ScimError(400, `${path}: ${issue?.message ?? 'invalid'}`, 'invalidValue');
}
