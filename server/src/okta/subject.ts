import { z } from 'zod';

/** RFC 9493 formats Okta sends for GTR, each with exactly its members. */
const EmailSubject = z.strictObject({ format: z.literal('email'), email: z.string().trim().min(1).max(320) });
const IssSubSubject = z.strictObject({
  format: z.literal('iss_sub'),
  iss: z.string().min(1).max(2048),
  sub: z.string().min(1).max(256),
});
export const GtrSubject = z.discriminatedUnion('format', [EmailSubject, IssSubSubject]);
export type GtrSubject = z.infer<typeof GtrSubject>;

const KNOWN_FORMATS = ['email', 'iss_sub', 'opaque', 'account', 'phone_number', 'did', 'uri', 'aliases', 'complex'];

export type SubjectParse = { ok: true; subject: GtrSubject } | { ok: false; reason: string };

/**
 * The GTR body: `{"sub_id": {...}}`, or the older `{"subject": {...}}` Okta documented until 2025
 * (Auth0 still does). Both present must be the same subject. Nothing else may be in the body.
 */
export function parseGtrBody(body: unknown): SubjectParse {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return { ok: false, reason: 'body must be a JSON object' };
  const record = body as Record<string, unknown>;
  const unknown = Object.keys(record).filter((key) => key !== 'sub_id' && key !== 'subject');
  if (unknown.length > 0)
    return { ok: false, reason: `unknown property ${unknown.map((key) => `"${key}"`).join(', ')}` };
  const { sub_id: subId, subject } = record;
  if (subId === undefined && subject === undefined) return { ok: false, reason: 'sub_id is required' };
  if (subId !== undefined && subject !== undefined && canonical(subId) !== canonical(subject)) {
    return { ok: false, reason: 'sub_id and subject name different subjects' };
  }
  const raw = subId ?? subject;
  const format = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>).format : undefined;
  if (typeof format === 'string' && KNOWN_FORMATS.includes(format) && format !== 'email' && format !== 'iss_sub') {
    return { ok: false, reason: `unsupported subject format "${format}"` };
  }
  const parsed = GtrSubject.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = ['sub_id', ...(issue?.path ?? []).map(String)].join('.');
    return {
      ok: false,
      reason: `${path}: ${issue?.code === 'unrecognized_keys' ? `unknown member ${issue.keys.join(', ')}` : (issue?.message ?? 'invalid')}`,
    };
  }
  return { ok: true, subject: parsed.data };
}

/** A stable text for a subject: the replay fingerprint and the comparison of sub_id and subject. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return value === undefined ? 'null' : JSON.stringify(value);
}
