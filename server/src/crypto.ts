import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

export const sha256 = (value: string): string => createHash('sha256').update(value).digest('base64url');

/** Constant-time comparison of two hashes (same length by construction). */
export function hashesEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

// Identifiers draw from a pool of random bytes refilled 4 KiB at a time, as Node's randomUUID
// does: one randomBytes call per identifier cost ~6 µs of a logout's main-thread time. Secrets
// (device tokens, enrollment codes) take their own bytes and never come from the pool.
const ID_POOL_BYTES = 4096;
let idPool = Buffer.alloc(0);
let idPoolOffset = 0;

/** `<prefix>_<base64url of `bytes` random bytes>`: an identifier, not a secret. */
export function randomId(prefix: string, bytes = 12): string {
  if (idPoolOffset + bytes > idPool.length) {
    idPool = randomBytes(Math.max(ID_POOL_BYTES, bytes));
    idPoolOffset = 0;
  }
  const id = idPool.toString('base64url', idPoolOffset, idPoolOffset + bytes);
  idPoolOffset += bytes;
  return `${prefix}_${id}`;
}

/**
 * Device tokens are `ul1.<workspaceId>.<deviceId>.<secret>`: the first parts route the lookup
 * (the device record lives on its workspace's slot), the 256-bit secret proves possession and is
 * stored only as its SHA-256.
 */
export function mintDeviceSecret(): { secret: string; tokenHash: string } {
  const secret = randomBytes(32).toString('base64url');
  return { secret, tokenHash: sha256(secret) };
}

export const formatDeviceToken = (workspaceId: string, deviceId: string, secret: string): string =>
  `ul1.${workspaceId}.${deviceId}.${secret}`;

export function parseDeviceToken(token: string): { workspaceId: string; deviceId: string; secret: string } | null {
  const parts = token.split('.');
  if (parts.length !== 4 || parts[0] !== 'ul1') return null;
  const [, workspaceId, deviceId, secret] = parts;
  if (!workspaceId || !deviceId || !secret || secret.length < 32) return null;
  return { workspaceId, deviceId, secret };
}

// Crockford's base32 without I, L, O, U: nothing a person can misread.
const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A 60-bit enrollment code shown as `XXXX-XXXX-XXXX`. */
export function mintEnrollmentCode(): string {
  const chars = Array.from({ length: 12 }, () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]);
  return [0, 4, 8].map((start) => chars.slice(start, start + 4).join('')).join('-');
}

/** Codes are compared without case, spaces or dashes, so `abcd 1234` matches `ABCD-1234`. */
export const hashEnrollmentCode = (code: string): string =>
  sha256(`enroll:${code.toUpperCase().replace(/[\s-]/g, '')}`);
