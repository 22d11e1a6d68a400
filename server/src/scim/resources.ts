import { z } from 'zod';
import type { User } from '../store/types.js';

export const SCHEMA = {
  user: 'urn:ietf:params:scim:schemas:core:2.0:User',
  group: 'urn:ietf:params:scim:schemas:core:2.0:Group',
  list: 'urn:ietf:params:scim:api:messages:2.0:ListResponse',
  patch: 'urn:ietf:params:scim:api:messages:2.0:PatchOp',
  error: 'urn:ietf:params:scim:api:messages:2.0:Error',
  serviceProviderConfig: 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig',
  resourceType: 'urn:ietf:params:scim:schemas:core:2.0:ResourceType',
  schema: 'urn:ietf:params:scim:schemas:core:2.0:Schema',
} as const;

export const SCIM_MEDIA_TYPE = 'application/scim+json';

export type ScimType =
  'invalidFilter' | 'invalidSyntax' | 'invalidPath' | 'invalidValue' | 'noTarget' | 'uniqueness' | 'mutability';

/** A failure answered with a SCIM Error body (`status` is a string, RFC 7644 §3.12). */
export class ScimError extends Error {
  override readonly name = 'ScimError';
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 429 | 500 | 503,
    readonly detail: string,
    readonly scimType?: ScimType,
  ) {
    super(detail);
  }

  body() {
    return {
      schemas: [SCHEMA.error],
      status: String(this.status),
      detail: this.detail,
      ...(this.scimType ? { scimType: this.scimType } : {}),
    };
  }
}

const Email = z.looseObject({
  value: z.string().trim().min(1).max(320),
  type: z.string().optional(),
  primary: z.boolean().optional(),
});

/**
 * A User as clients send it. Attributes this server does not keep (password, phone numbers,
 * enterprise extension, ...) are accepted and ignored, as provisioning clients send many.
 */
export const ScimUserInput = z.looseObject({
  userName: z.string().trim().min(1).max(320),
  externalId: z.string().trim().min(1).max(256).nullable().optional(),
  name: z
    .looseObject({
      givenName: z.string().max(200).nullable().optional(),
      familyName: z.string().max(200).nullable().optional(),
      formatted: z.string().max(400).nullable().optional(),
    })
    .nullable()
    .optional(),
  displayName: z.string().max(400).nullable().optional(),
  emails: z.array(Email).max(20).nullable().optional(),
  active: z.boolean().optional(),
});
export type ScimUserInput = z.infer<typeof ScimUserInput>;

/** The attributes of a user that SCIM owns; role and app assignments stay ours. */
export interface ScimFields {
  userName: string;
  externalId: string | null;
  givenName: string | null;
  familyName: string | null;
  name: string;
  email: string;
  active: boolean;
}

export function fieldsFromInput(input: ScimUserInput): ScimFields {
  const emails = input.emails ?? [];
  const email = (emails.find((e) => e.primary) ?? emails[0])?.value ?? input.userName;
  const givenName = input.name?.givenName ?? null;
  const familyName = input.name?.familyName ?? null;
  const name =
    input.displayName ?? input.name?.formatted ?? ([givenName, familyName].filter(Boolean).join(' ') || input.userName);
  return {
    userName: input.userName,
    externalId: input.externalId ?? null,
    givenName,
    familyName,
    name,
    email,
    active: input.active ?? true,
  };
}

export function fieldsOf(user: User): ScimFields {
  return {
    userName: user.userName,
    externalId: user.externalId,
    givenName: user.givenName,
    familyName: user.familyName,
    name: user.name,
    email: user.email,
    active: user.status === 'active',
  };
}

/** Users from the workspace file have one `name`: split it the way most names split. */
function nameParts(user: User): { givenName: string; familyName: string } {
  const cut = user.name.lastIndexOf(' ');
  return {
    givenName: user.givenName ?? (cut > 0 ? user.name.slice(0, cut) : user.name),
    familyName: user.familyName ?? (cut > 0 ? user.name.slice(cut + 1) : ''),
  };
}

export function toScimUser(user: User, baseUrl: string) {
  return {
    schemas: [SCHEMA.user],
    id: user.id,
    ...(user.externalId ? { externalId: user.externalId } : {}),
    userName: user.userName,
    name: { ...nameParts(user), formatted: user.name },
    displayName: user.name,
    emails: [{ value: user.email, type: 'work', primary: true }],
    active: user.status === 'active',
    meta: { resourceType: 'User', location: `${baseUrl}/Users/${user.id}` },
  };
}

/** `userName eq "value"`, the one filter provisioning clients rely on; anything else is refused. */
export function parseFilter(filter: string): { userName: string } {
  const match = /^\s*userName\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$/i.exec(filter);
  if (!match || match[1] === undefined) {
    throw new ScimError(400, `unsupported filter: only userName eq "value" is supported`, 'invalidFilter');
  }
  return { userName: match[1].replace(/\\(.)/g, '$1') };
}
