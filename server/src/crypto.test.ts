import { describe, expect, it } from 'vitest';
import {
  formatDeviceToken,
  hashEnrollmentCode,
  hashesEqual,
  mintDeviceSecret,
  mintEnrollmentCode,
  parseDeviceToken,
  randomId,
  sha256,
} from './crypto.js';

describe('secrets', () => {
  it('mints 256-bit device secrets, kept only as their SHA-256', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const { secret, tokenHash } = mintDeviceSecret();
      expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
      expect(tokenHash).toBe(sha256(secret));
      expect(tokenHash).not.toContain(secret);
      seen.add(secret);
    }
    expect(seen.size).toBe(1000);
  });

  it('compares hashes exactly, whatever their lengths, without throwing', () => {
    const hash = sha256('a');
    expect(hashesEqual(hash, sha256('a'))).toBe(true);
    expect(hashesEqual(hash, sha256('b'))).toBe(false);
    expect(hashesEqual(hash, hash.slice(1))).toBe(false);
    expect(hashesEqual(hash, '')).toBe(false);
    expect(hashesEqual(hash, `${hash.slice(0, -1)}${hash.at(-1) === 'A' ? 'B' : 'A'}`)).toBe(false);
  });

  it('mints 60-bit enrollment codes a person can read, hashed case- and dash-blind', () => {
    const code = mintEnrollmentCode();
    expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
    expect(hashEnrollmentCode(code.toLowerCase().replace(/-/g, ' '))).toBe(hashEnrollmentCode(code));
    expect(hashEnrollmentCode(code)).not.toContain(code.replace(/-/g, ''));
  });

  it('parses only well-formed device tokens', () => {
    const { secret } = mintDeviceSecret();
    expect(parseDeviceToken(formatDeviceToken('acme', 'dev_1', secret))).toEqual({
      workspaceId: 'acme',
      deviceId: 'dev_1',
      secret,
    });
    for (const bad of [
      '',
      'ul1',
      `ul2.acme.dev_1.${secret}`,
      `ul1.acme.dev_1.short`,
      `ul1..dev_1.${secret}`,
      `ul1.acme.dev_1.${secret}.x`,
    ]) {
      expect(parseDeviceToken(bad), bad).toBeNull();
    }
  });
});

describe('randomId', () => {
  it('gives distinct ids of the asked size across many refills of its pool', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const id = randomId('rev');
      expect(id).toMatch(/^rev_[A-Za-z0-9_-]{16}$/);
      seen.add(id);
    }
    // 5,000 ids of 12 bytes are 60,000 bytes: the 4 KiB pool was refilled 14 times.
    expect(seen.size).toBe(5000);
  });

  it('serves sizes larger than the pool and mixed sizes', () => {
    expect(Buffer.from(randomId('big', 5000).slice(4), 'base64url')).toHaveLength(5000);
    const ids = Array.from({ length: 400 }, (_, i) => randomId('x', 1 + (i % 40)));
    ids.forEach((id, i) => expect(Buffer.from(id.slice(2), 'base64url')).toHaveLength(1 + (i % 40)));
    expect(new Set(ids.filter((id) => id.length > 12)).size).toBe(ids.filter((id) => id.length > 12).length);
  });
});
