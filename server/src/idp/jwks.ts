import { createRemoteJWKSet } from 'jose';

/** Signature algorithms accepted from identity providers: asymmetric only, never `none` or HMAC. */
export const ASYMMETRIC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'ES256',
  'ES384',
  'ES512',
  'PS256',
  'PS384',
  'PS512',
  'EdDSA',
];

export type KeySet = ReturnType<typeof createRemoteJWKSet>;

/**
 * One remote JWKS per URI, shared by every workspace and protocol that names it. jose caches the
 * keys (10 minutes) and refetches on an unknown `kid` at most once per cooldown.
 */
export function createKeySets(options: { cooldownMs?: number; timeoutMs?: number } = {}) {
  const sets = new Map<string, KeySet>();
  return (uri: string): KeySet => {
    let keys = sets.get(uri);
    if (!keys) {
      keys = createRemoteJWKSet(new URL(uri), {
        timeoutDuration: options.timeoutMs ?? 5000,
        cooldownDuration: options.cooldownMs ?? 30_000,
        cacheMaxAge: 10 * 60_000,
      });
      sets.set(uri, keys);
    }
    return keys;
  };
}

/** Looks up `jwks_uri` in an OpenID Provider's discovery document, cached per issuer. */
export function createDiscovery(options: { timeoutMs?: number } = {}) {
  const cache = new Map<string, Promise<string>>();
  return (issuer: string): Promise<string> => {
    let pending = cache.get(issuer);
    if (!pending) {
      pending = (async () => {
        const response = await fetch(`${withoutTrailingSlash(issuer)}/.well-known/openid-configuration`, {
          signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
        });
        if (!response.ok) throw new Error(`discovery answered ${response.status}`);
        const document = (await response.json()) as { jwks_uri?: unknown; issuer?: unknown };
        if (document.issuer !== issuer || typeof document.jwks_uri !== 'string') {
          throw new Error('discovery document has another issuer or no jwks_uri');
        }
        return document.jwks_uri;
      })();
      cache.set(issuer, pending);
      // A failed lookup is retried on the next token, not cached.
      pending.catch(() => cache.delete(issuer));
    }
    return pending;
  };
}

export const withoutTrailingSlash = (url: string) => url.replace(/\/+$/, '');
