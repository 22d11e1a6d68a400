import { readFileSync } from 'node:fs';
import { z } from 'zod';
import {
  Id,
  OidcSettings,
  OktaSettings,
  Origin,
  Role,
  SessionBundle,
  SsfSettings,
  UserStatus,
  WorkspaceId,
} from '@universal-logout/shared';
import { describeIssues } from './http-errors.js';

/** A configuration problem: start-up stops with this message, which names the field. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const Port = z.coerce.number().int().min(0).max(65535);

const Env = z.object({
  PORT: Port.default(8787),
  HOST: z.string().min(1).default('127.0.0.1'),
  PUBLIC_URL: z.url().optional(),
  REDIS_URL: z.url().optional(),
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_-]*$/)
    .default('ul:'),
  DATA_DIR: z.string().min(1).default('./data'),
  UL_CONFIG: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Comma-separated origins allowed CORS on /v1 (default: any Chrome or Firefox extension). */
  EXTENSION_ORIGINS: z
    .string()
    .optional()
    .transform((value) =>
      (value ?? '')
        .split(',')
        .map((origin) => origin.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().regex(/^(chrome|moz)-extension:\/\/[A-Za-z0-9-]+$/, 'must be extension origins'))),
});

export interface ServerConfig {
  port: number;
  host: string;
  publicUrl: string;
  redisUrl: string | null;
  redisPrefix: string;
  dataDir: string;
  configPath: string | null;
  logLevel: z.infer<typeof Env>['LOG_LEVEL'];
  extensionOrigins: string[];
}

export function loadEnv(env: Record<string, string | undefined>): ServerConfig {
  const parsed = Env.safeParse(env);
  if (!parsed.success) throw new ConfigError(describeIssues('environment', parsed.error));
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    redisUrl: e.REDIS_URL ?? null,
    redisPrefix: e.REDIS_PREFIX,
    dataDir: e.DATA_DIR,
    configPath: e.UL_CONFIG ?? null,
    logLevel: e.LOG_LEVEL,
    extensionOrigins: e.EXTENSION_ORIGINS,
  };
}

// ---- the workspace file -------------------------------------------------------------------------

const ConfigApp = z.strictObject({
  id: Id,
  name: z.string().min(1).max(200),
  origins: z.array(Origin).min(1),
  session: SessionBundle,
});

const ConfigUser = z.strictObject({
  id: Id,
  email: z.email(),
  userName: z.string().min(1).optional(),
  name: z.string().min(1).max(200),
  role: Role.default('member'),
  status: UserStatus.default('active'),
  /** The user's id at the identity provider (Okta `00u…`, Keycloak or Auth0 `sub`). */
  externalId: z.string().min(1).optional(),
  /** Older name of externalId. */
  oktaUserId: z.string().min(1).optional(),
  apps: z.array(Id).default([]),
  enrollmentCode: z.string().min(4).max(128).optional(),
});

const ConfigWorkspace = z
  .strictObject({
    id: WorkspaceId,
    name: z.string().min(1).max(200),
    okta: OktaSettings.optional(),
    scim: z.strictObject({ token: z.string().min(16, 'must be at least 16 characters') }).optional(),
    ssf: SsfSettings.optional(),
    oidc: OidcSettings.optional(),
    apps: z.array(ConfigApp).default([]),
    users: z.array(ConfigUser).default([]),
  })
  .superRefine((workspace, ctx) => {
    const appIds = new Set(workspace.apps.map((app) => app.id));
    const seen = new Map<string, string>();
    workspace.users.forEach((user, index) => {
      user.apps.forEach((appId, appIndex) => {
        if (!appIds.has(appId)) {
          ctx.addIssue({ code: 'custom', path: ['users', index, 'apps', appIndex], message: `unknown app "${appId}"` });
        }
      });
      const email = user.email.toLowerCase();
      if (seen.has(email)) {
        ctx.addIssue({
          code: 'custom',
          path: ['users', index, 'email'],
          message: `duplicate email (also user "${seen.get(email)}")`,
        });
      }
      seen.set(email, user.id);
    });
  });

export const WorkspaceFile = z.strictObject({ workspaces: z.array(ConfigWorkspace) }).superRefine((file, ctx) => {
  const ids = new Set<string>();
  file.workspaces.forEach((workspace, index) => {
    if (ids.has(workspace.id))
      ctx.addIssue({ code: 'custom', path: ['workspaces', index, 'id'], message: 'duplicate workspace id' });
    ids.add(workspace.id);
  });
});
export type WorkspaceFile = z.infer<typeof WorkspaceFile>;
export type ConfigWorkspace = z.infer<typeof ConfigWorkspace>;

export function parseWorkspaceFile(text: string, source: string): WorkspaceFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${source}: not valid JSON (${(error as Error).message})`);
  }
  const parsed = WorkspaceFile.safeParse(json);
  if (!parsed.success) throw new ConfigError(`${source}: ${describeIssues('$', parsed.error)}`);
  return parsed.data;
}

export function readWorkspaceFile(path: string): WorkspaceFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`UL_CONFIG: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return parseWorkspaceFile(text, path);
}
