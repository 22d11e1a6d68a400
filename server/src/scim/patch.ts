import { z } from 'zod';
import { ScimError, type ScimFields } from './resources.js';

const Operation = z.looseObject({
  op: z
    .string()
    .refine((op) => ['add', 'replace', 'remove'].includes(op.toLowerCase()), 'op must be add, replace or remove'),
  path: z.string().max(200).optional(),
  value: z.unknown().optional(),
});
export const PatchOp = z.looseObject({
  schemas: z
    .array(z.string())
    .refine((s) => s.includes('urn:ietf:params:scim:api:messages:2.0:PatchOp'), 'schemas must include the PatchOp URN'),
  Operations: z.array(Operation).min(1).max(100),
});

const text = (value: unknown, path: string): string => {
  if (typeof value !== 'string' || value.trim() === '')
    throw new ScimError(400, `${path} must be a non-empty string`, 'invalidValue');
  return value.trim();
};
const nullableText = (value: unknown, path: string): string | null => (value === null ? null : text(value, path));

/** Applies one attribute (by its lower-cased SCIM path) to the fields. */
function applyAttribute(fields: ScimFields, path: string, value: unknown, remove: boolean): void {
  switch (path) {
    case 'active':
      if (remove) throw new ScimError(400, 'active cannot be removed', 'mutability');
      // Some clients send the boolean as a string.
      if (value === 'true' || value === 'false') value = value === 'true';
      if (typeof value !== 'boolean') throw new ScimError(400, 'active must be a boolean', 'invalidValue');
      fields.active = value;
      return;
    case 'username':
      if (remove) throw new ScimError(400, 'userName cannot be removed', 'mutability');
      fields.userName = text(value, 'userName');
      return;
    case 'externalid':
      fields.externalId = remove ? null : nullableText(value, 'externalId');
      return;
    case 'displayname':
      if (!remove) fields.name = text(value, 'displayName');
      return;
    case 'name.givenname':
      fields.givenName = remove ? null : nullableText(value, 'name.givenName');
      return;
    case 'name.familyname':
      fields.familyName = remove ? null : nullableText(value, 'name.familyName');
      return;
    case 'name': {
      if (remove) {
        fields.givenName = null;
        fields.familyName = null;
        return;
      }
      if (typeof value !== 'object' || value === null)
        throw new ScimError(400, 'name must be an object', 'invalidValue');
      for (const [key, inner] of Object.entries(value)) {
        if (key === 'givenName' || key === 'familyName')
          applyAttribute(fields, `name.${key.toLowerCase()}`, inner, false);
      }
      return;
    }
    case 'emails':
    case 'emails[type eq "work"].value':
    case 'emails[primary eq true].value': {
      if (remove) throw new ScimError(400, 'the email cannot be removed', 'mutability');
      if (typeof value === 'string') {
        fields.email = text(value, 'emails.value');
        return;
      }
      const list = z.array(z.looseObject({ value: z.string(), primary: z.boolean().optional() })).safeParse(value);
      const chosen = list.success ? (list.data.find((e) => e.primary) ?? list.data[0]) : undefined;
      if (!chosen) throw new ScimError(400, 'emails must be a non-empty list of { value }', 'invalidValue');
      fields.email = text(chosen.value, 'emails.value');
      return;
    }
    default:
      throw new ScimError(400, `unsupported path "${path}"`, 'invalidPath');
  }
}

/**
 * RFC 7644 PATCH as Okta sends it: the path-less form (`{op:"replace", value:{active:false}}`) and
 * the `path` form (`{op:"replace", path:"active", value:false}`), op in any case.
 */
export function applyPatch(current: ScimFields, body: unknown): ScimFields {
  const parsed = PatchOp.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ScimError(
      400,
      `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid PatchOp'}`,
      'invalidSyntax',
    );
  }
  const fields = { ...current };
  for (const operation of parsed.data.Operations) {
    const remove = operation.op.toLowerCase() === 'remove';
    if (operation.path !== undefined) {
      applyAttribute(fields, operation.path.trim().toLowerCase(), operation.value, remove);
      continue;
    }
    if (remove) throw new ScimError(400, 'remove needs a path', 'noTarget');
    if (typeof operation.value !== 'object' || operation.value === null || Array.isArray(operation.value)) {
      throw new ScimError(400, 'a path-less operation needs an object value', 'invalidValue');
    }
    for (const [key, value] of Object.entries(operation.value)) {
      if (key === 'schemas' || key === 'id' || key === 'meta') continue;
      applyAttribute(fields, key.toLowerCase(), value, false);
    }
  }
  return fields;
}
