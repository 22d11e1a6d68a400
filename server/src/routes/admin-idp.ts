import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { AppError, OidcSettings, OktaSettings, SsfSettings } from '@universal-logout/shared';
import type { AppEnv, Deps } from '../env.js';
import { deviceSecurity, jsonBody, jsonResponse } from '../router.js';
import type { User } from '../store/types.js';
import { StoredSsfSettings, storeSsfSettings } from './ssf.js';

/** Identity-provider settings decide who can log anyone out: owners and super admins only. */
function assertOwner(actor: User): void {
  if (actor.role !== 'owner' && actor.role !== 'super_admin') {
    throw new AppError('ERR_FORBIDDEN', 'only an owner or super_admin may change identity-provider settings');
  }
}

type Provider = 'okta' | 'ssf' | 'oidc';

const endpoints: Record<Provider, (workspaceId: string) => string> = {
  okta: (ws) => `/okta/${ws}/global-token-revocation`,
  ssf: (ws) => `/ssf/${ws}/events`,
  oidc: (ws) => `/oidc/${ws}/backchannel-logout`,
};

/** What GET shows of the SSF stream: never the Authorization header, only whether one is set. */
const PublicSsf = SsfSettings.omit({ authorizationHeader: true }).extend({ authorizationHeaderSet: z.boolean() });
function publicSsf(stored: unknown) {
  const parsed = StoredSsfSettings.safeParse(stored);
  if (!parsed.success) return null;
  const { authorizationHeaderHash, ...rest } = parsed.data;
  return { ...rest, authorizationHeaderSet: authorizationHeaderHash !== undefined };
}

/** GET and PUT /v1/admin/idp/{okta,ssf,oidc}: validated, audited, owner and super_admin only. */
export function registerIdpSettings(
  router: OpenAPIHono<AppEnv>,
  { store, clock, publicUrl }: Pick<Deps, 'store' | 'clock' | 'publicUrl'>,
) {
  async function save(
    actor: User,
    provider: Provider,
    stored: Record<string, unknown>,
    audited: Record<string, unknown>,
  ) {
    assertOwner(actor);
    const workspace = await store.getWorkspace(actor.workspaceId);
    if (!workspace) throw new AppError('ERR_NOT_FOUND', 'workspace not found');
    await store.upsertWorkspace({ ...workspace, settings: { ...workspace.settings, [provider]: stored } });
    await store.appendAudit(actor.workspaceId, {
      at: new Date(clock.now()).toISOString(),
      actor: actor.id,
      action: `idp.${provider}.updated`,
      userId: null,
      trigger: null,
      detail: audited,
    });
  }
  async function current(actor: User, provider: Provider): Promise<unknown> {
    assertOwner(actor);
    return (await store.getWorkspace(actor.workspaceId))?.settings[provider];
  }
  const endpoint = (actor: User, provider: Provider) => `${publicUrl}${endpoints[provider](actor.workspaceId)}`;
  const describe = (provider: Provider, verb: string) => ({
    security: deviceSecurity,
    summary: `${verb} the workspace's ${provider === 'okta' ? 'Okta Universal Logout' : provider === 'ssf' ? 'Shared Signals stream' : 'OIDC back-channel logout'} settings (owner and super_admin)`,
  });

  router
    .openapi(
      createRoute({
        method: 'get',
        path: '/idp/okta',
        ...describe('okta', 'Read'),
        responses: { 200: jsonResponse(z.object({ okta: OktaSettings.nullable(), endpoint: z.string() }), 'Settings') },
      }),
      async (c) => {
        const parsed = OktaSettings.safeParse(await current(c.var.session.user, 'okta'));
        return c.json(
          { okta: parsed.success ? parsed.data : null, endpoint: endpoint(c.var.session.user, 'okta') },
          200,
        );
      },
    )
    .openapi(
      createRoute({
        method: 'put',
        path: '/idp/okta',
        ...describe('okta', 'Set'),
        request: { body: jsonBody(OktaSettings) },
        responses: { 200: jsonResponse(z.object({ okta: OktaSettings, endpoint: z.string() }), 'Saved') },
      }),
      async (c) => {
        const okta = c.req.valid('json');
        await save(c.var.session.user, 'okta', okta, {
          issuer: okta.issuer,
          appInstanceId: okta.appInstanceId,
          jwksUri: okta.jwksUri ?? null,
        });
        return c.json({ okta, endpoint: endpoint(c.var.session.user, 'okta') }, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/idp/ssf',
        ...describe('ssf', 'Read'),
        responses: { 200: jsonResponse(z.object({ ssf: PublicSsf.nullable(), endpoint: z.string() }), 'Settings') },
      }),
      async (c) =>
        c.json(
          { ssf: publicSsf(await current(c.var.session.user, 'ssf')), endpoint: endpoint(c.var.session.user, 'ssf') },
          200,
        ),
    )
    .openapi(
      createRoute({
        method: 'put',
        path: '/idp/ssf',
        ...describe('ssf', 'Set'),
        request: { body: jsonBody(SsfSettings) },
        responses: { 200: jsonResponse(z.object({ ssf: PublicSsf, endpoint: z.string() }), 'Saved') },
      }),
      async (c) => {
        const stored = storeSsfSettings(c.req.valid('json'));
        const { authorizationHeaderHash, ...shown } = stored;
        await save(c.var.session.user, 'ssf', stored, {
          ...shown,
          authorizationHeaderSet: authorizationHeaderHash !== undefined,
        });
        return c.json(
          {
            ssf: { ...shown, authorizationHeaderSet: authorizationHeaderHash !== undefined },
            endpoint: endpoint(c.var.session.user, 'ssf'),
          },
          200,
        );
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/idp/oidc',
        ...describe('oidc', 'Read'),
        responses: { 200: jsonResponse(z.object({ oidc: OidcSettings.nullable(), endpoint: z.string() }), 'Settings') },
      }),
      async (c) => {
        const parsed = OidcSettings.safeParse(await current(c.var.session.user, 'oidc'));
        return c.json(
          { oidc: parsed.success ? parsed.data : null, endpoint: endpoint(c.var.session.user, 'oidc') },
          200,
        );
      },
    )
    .openapi(
      createRoute({
        method: 'put',
        path: '/idp/oidc',
        ...describe('oidc', 'Set'),
        request: { body: jsonBody(OidcSettings) },
        responses: { 200: jsonResponse(z.object({ oidc: OidcSettings, endpoint: z.string() }), 'Saved') },
      }),
      async (c) => {
        const oidc = c.req.valid('json');
        await save(c.var.session.user, 'oidc', oidc, { ...oidc });
        return c.json({ oidc, endpoint: endpoint(c.var.session.user, 'oidc') }, 200);
      },
    );
}
