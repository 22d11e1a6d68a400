import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { extensionOriginCheck } from './app.js';
import { startServer, type RunningServer } from './server.js';
import { createTestContext, type TestContext } from './test-support.js';

const CHROME = 'chrome-extension://abcdefghijklmnopabcdefghijklmnop';
const FIREFOX = 'moz-extension://0b0c9a12-3f4e-4d5a-9b8c-7d6e5f4a3b2c';

let t: TestContext;
let server: RunningServer;
beforeEach(async () => {
  t = await createTestContext({
    failureLimits: {
      enroll: { perAddress: { max: 2, windowMs: 60_000 } },
      auth: { perAddress: { max: 2, windowMs: 60_000 }, perWorkspace: { max: 100, windowMs: 60_000 } },
    },
  });
  server = await startServer(t.deps, { port: 0, host: '127.0.0.1' });
});
afterEach(async () => {
  await server.close();
  await t.dispose();
});

const preflight = (path: string, origin: string) =>
  fetch(`${server.url}${path}`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization, content-type',
    },
  });

describe('CORS: only for the extension', () => {
  it.each([CHROME, FIREFOX])('allows %s, with the headers the extension sends', async (origin) => {
    const response = await preflight('/v1/admin/users/u-ana/logout', origin);
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(origin);
    expect(response.headers.get('access-control-allow-headers')).toMatch(/authorization/);
    const { token } = await t.enroll('ANA-0001');
    const me = await fetch(`${server.url}/v1/device/me`, { headers: { origin, authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
    expect(me.headers.get('access-control-allow-origin')).toBe(origin);
    expect(me.headers.get('vary')).toMatch(/origin/i);
  });

  it.each([
    ['a web page', 'https://evil.example'],
    ['a look-alike scheme', 'chrome-extension://ABCDEFGHIJKLMNOPABCDEFGHIJKLMNOP'],
    ['the null origin', 'null'],
    ['an extension with an extra path', `${CHROME}/x`],
  ])('gives %s nothing to read', async (_name, origin) => {
    const response = await preflight('/v1/device/enroll', origin);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    const me = await fetch(`${server.url}/v1/device/me`, { headers: { origin } });
    expect(me.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('gives the server-to-server routes no CORS at all', async () => {
    for (const path of ['/okta/acme/global-token-revocation', '/scim/acme/v2/Users', '/ssf/acme/events']) {
      const response = await preflight(path, CHROME);
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
    }
  });

  it('with EXTENSION_ORIGINS set, exactly those origins', () => {
    const check = extensionOriginCheck([CHROME]);
    expect(check(CHROME)).toBe(true);
    expect(check(FIREFOX)).toBe(false);
    expect(check('chrome-extension://pppppppppppppppppppppppppppppppp')).toBe(false);
  });
});

describe('rate limits on the listening server', () => {
  it('keys on the connection’s address and ignores X-Forwarded-For', async () => {
    const attempt = (forwardedFor: string) =>
      fetch(`${server.url}/v1/device/enroll`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
        body: JSON.stringify({ code: 'WRONG-CODE' }),
      });
    expect((await attempt('10.0.0.1')).status).toBe(400);
    expect((await attempt('10.0.0.2')).status).toBe(400);
    const refused = await attempt('10.0.0.3');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await refused.json()).toMatchObject({ error: { code: 'ERR_RATE_LIMITED' } });
  });
});
