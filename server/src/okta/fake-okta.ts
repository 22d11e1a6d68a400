import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { GTR_TYP } from './verify.js';

type Alg = 'RS256' | 'ES256' | 'PS256' | 'RS512' | 'ES384';

interface SigningKey {
  kid: string;
  alg: Alg;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  jwk: JWK;
}

async function newKey(kid: string, alg: Alg): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, publicKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

export interface FakeOkta {
  issuer: string;
  jwksUri: string;
  /** How many times the JWKS was fetched. */
  readonly fetches: number;
  /** A token exactly as Okta signs one for GTR; `claims` and `header` override any part. */
  sign(options: {
    audience: string;
    subject: string;
    now: number;
    /** Claims to add or replace; `undefined` removes one (e.g. `{ jti: undefined }`). */
    claims?: Record<string, unknown>;
    header?: Record<string, unknown>;
    key?: SigningKey;
  }): Promise<string>;
  /** Any JWT signed with the current key: `header` and `payload` as given (plus alg, kid); `undefined` claims are left out. */
  signRaw(payload: Record<string, unknown>, header?: Record<string, unknown>, key?: SigningKey): Promise<string>;
  /** A key that signs but is not published. */
  unpublishedKey(): Promise<SigningKey>;
  /** Publishes a fresh key and stops publishing the old one. */
  rotate(): Promise<void>;
  publicKeyPem(): Promise<string>;
  close(): Promise<void>;
}

let jtiCounter = 0;

/**
 * Plays an Okta org (or any IdP): real keys, a JWKS on loopback, an OpenID discovery document,
 * GTR tokens signed like Okta's. Without an issuer, the issuer is its own loopback URL.
 */
export async function startFakeOkta(issuerOrSelf?: string, alg: Alg = 'RS256'): Promise<FakeOkta> {
  let current = await newKey(`${alg.toLowerCase()}-1`, alg);
  let generation = 1;
  let fetches = 0;
  const server = createServer((request, response) => {
    if (request.url === '/.well-known/openid-configuration') {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/oauth2/v1/keys` }));
      return;
    }
    if (request.url === '/oauth2/v1/keys') {
      fetches++;
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ keys: [current.jwk] }));
      return;
    }
    response.statusCode = 404;
    response.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const issuer = issuerOrSelf ?? `http://127.0.0.1:${port}`;
  return {
    issuer,
    jwksUri: `http://127.0.0.1:${port}/oauth2/v1/keys`,
    get fetches() {
      return fetches;
    },
    async sign({ audience, subject, now, claims = {}, header = {}, key = current }) {
      const seconds = Math.floor(now / 1000);
      const payload = withoutUndefined({ jti: `jti-${Date.now()}-${jtiCounter++}`, ...claims });
      return new SignJWT(payload)
        .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: GTR_TYP, ...header })
        .setIssuer(typeof claims.iss === 'string' ? claims.iss : issuer)
        .setSubject(subject)
        .setAudience(audience)
        .setIssuedAt(seconds)
        .setNotBefore(seconds - 300)
        .setExpirationTime(seconds + 300)
        .sign(key.privateKey);
    },
    signRaw: (payload, header = {}, key = current) =>
      new SignJWT(withoutUndefined(payload))
        .setProtectedHeader({ alg: key.alg, kid: key.kid, ...header })
        .sign(key.privateKey),
    unpublishedKey: () => newKey('not-published', alg),
    async rotate() {
      generation++;
      current = await newKey(`${alg.toLowerCase()}-${generation}`, alg);
    },
    publicKeyPem: () => exportSPKI(current.publicKey),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Test tokens name a claim `undefined` to leave it out. */
function withoutUndefined(claims: Record<string, unknown>): JWTPayload {
  return Object.fromEntries(Object.entries(claims).filter(([, value]) => value !== undefined));
}
