import type { ConfigWorkspace, WorkspaceFile } from './config.js';
import { hashEnrollmentCode } from './crypto.js';
import { scimTokenHash } from './routes/scim.js';
import { storeSsfSettings } from './routes/ssf.js';
import type { Clock } from './env.js';
import type { Store } from './store/types.js';

/** How long a code from the workspace file stays valid after each start (until it is used). */
export const CONFIG_CODE_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/** Upserts the workspaces, apps and users of the workspace file; codes only if never used. */
export async function applyWorkspaceFile(store: Store, file: WorkspaceFile, clock: Clock): Promise<void> {
  for (const workspace of file.workspaces) await applyWorkspace(store, workspace, clock);
}

async function applyWorkspace(store: Store, ws: ConfigWorkspace, clock: Clock): Promise<void> {
  const settings: Record<string, unknown> = {};
  if (ws.okta) settings.okta = ws.okta;
  if (ws.scim) settings.scim = { tokenHash: scimTokenHash(ws.scim.token) };
  if (ws.ssf) settings.ssf = storeSsfSettings(ws.ssf);
  if (ws.oidc) settings.oidc = ws.oidc;
  await store.upsertWorkspace({ id: ws.id, name: ws.name, settings });
  for (const app of ws.apps) await store.upsertApp({ workspaceId: ws.id, ...app });
  // In batches: both stores start each write in call order (so creation order holds), and a batch
  // shares one disk sync (embedded) or one pipeline (Redis) instead of one round trip per user.
  for (let start = 0; start < ws.users.length; start += SEED_BATCH) {
    await Promise.all(ws.users.slice(start, start + SEED_BATCH).map((user) => applyUser(store, ws.id, user, clock)));
  }
}

const SEED_BATCH = 256;

async function applyUser(store: Store, workspaceId: string, user: ConfigWorkspace['users'][number], clock: Clock) {
  await store.upsertUser({
    workspaceId,
    id: user.id,
    email: user.email,
    userName: user.userName ?? user.email,
    name: user.name,
    givenName: null,
    familyName: null,
    role: user.role,
    status: user.status,
    externalId: user.externalId ?? user.oktaUserId ?? null,
    apps: user.apps,
  });
  if (user.enrollmentCode) {
    await store.putEnrollmentCode(
      {
        codeHash: hashEnrollmentCode(user.enrollmentCode),
        workspaceId,
        userId: user.id,
        expiresAt: clock.now() + CONFIG_CODE_TTL_MS,
      },
      { ifNeverUsed: true },
    );
  }
}
