import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from './server.js';
import { captureLogs, createTestContext, type TestContext } from './test-support.js';
import { SECURITY_HEADERS } from './transport.js';

let t: TestContext;
let server: RunningServer;
let lines: Record<string, unknown>[];

beforeEach(async () => {
  const captured = captureLogs();
  lines = captured.lines;
  t = await createTestContext({ logger: captured.logger });
  server = await startServer(t.deps, { port: 0, host: '127.0.0.1' });
});
afterEach(async () => {
  await server.close();
  await t.dispose();
});

describe('the listening server', () => {
  it('stamps every response with the security headers and a request id that its log line carries', async () => {
    const response = await fetch(`${server.url}/v1/device/me`);
    expect(response.status).toBe(401);
    for (const [name, value] of SECURITY_HEADERS) expect(response.headers.get(name)).toBe(value);
    const id = response.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    await expect
      .poll(() => lines.find((line) => line.requestId === id))
      .toMatchObject({ path: '/v1/device/me', status: 401 });
    const other = await fetch(`${server.url}/healthz`);
    expect(other.headers.get('x-request-id')).not.toBe(id);
  });

  it('reads the bearer token from the Node request and never logs it', async () => {
    const { token } = await t.enroll('ANA-0001');
    const response = await fetch(`${server.url}/v1/device/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    await fetch(`${server.url}/v1/device/me`, { headers: { authorization: `Bearer ${token}x` } });
    await expect.poll(() => lines.filter((line) => line.path === '/v1/device/me').length).toBe(2);
    const secret = token.split('.')[3]!;
    expect(JSON.stringify(lines)).not.toContain(secret);
  });

  it('reads named request headers from Node’s parsed headers, as Hono would from fetch Headers', async () => {
    const enroll = (contentType: string, code: string) =>
      fetch(`${server.url}/v1/device/enroll`, {
        method: 'POST',
        headers: { 'Content-Type': contentType },
        body: JSON.stringify({ code }),
      });
    expect((await enroll('text/plain', 'ANA-0001')).status).toBe(415);
    expect((await enroll('APPLICATION/JSON; charset=utf-8', 'ANA-0001')).status).toBe(201);
    // SCIM reads its media type the same way.
    const scim = await fetch(`${server.url}/scim/acme/v2/Users`, {
      method: 'POST',
      headers: { authorization: 'Bearer scim-token-acme-0123456789', 'content-type': 'application/scim+json' },
      body: JSON.stringify({
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: 'new@acme.test',
        emails: [{ value: 'new@acme.test', primary: true }],
        active: true,
      }),
    });
    expect(scim.status).toBe(201);
  });
});
