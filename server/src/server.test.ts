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

  describe('request bodies, read from Node’s stream', () => {
    const enroll = (body: BodyInit, init: RequestInit = {}) =>
      fetch(`${server.url}/v1/device/enroll`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        ...init,
      });
    /** A streamed body (chunked: no Content-Length), in the given pieces. */
    const streamed = (pieces: Uint8Array[]) =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          for (const piece of pieces) controller.enqueue(piece);
          controller.close();
        },
      });
    const streamedInit = { duplex: 'half' } as RequestInit;

    it('refuses a declared Content-Length over 64 KB with 413 before reading it', async () => {
      const response = await enroll(JSON.stringify({ code: 'ANA-0001', deviceName: 'x'.repeat(70_000) }));
      expect(response.status).toBe(413);
      expect(await response.json()).toMatchObject({ error: { code: 'ERR_PAYLOAD_TOO_LARGE' } });
      // Nothing happened: the code still enrolls.
      expect((await enroll(JSON.stringify({ code: 'ANA-0001' }))).status).toBe(201);
    });

    it('cuts off a chunked body at 64 KB with 413', async () => {
      const piece = new TextEncoder().encode('x'.repeat(16 * 1024));
      const response = await enroll(streamed([piece, piece, piece, piece, piece]), streamedInit);
      expect(response.status).toBe(413);
      expect(await response.json()).toMatchObject({ error: { code: 'ERR_PAYLOAD_TOO_LARGE' } });
    });

    it('accepts a body of exactly 64 KB and hands it to the route', async () => {
      const head = '{"code":"ANA-0001","deviceName":"';
      const tail = '"}';
      const body = `${head}${'d'.repeat(64 * 1024 - head.length - tail.length)}${tail}`;
      expect(Buffer.byteLength(body)).toBe(64 * 1024);
      const response = await enroll(body);
      // Past the size limit: the route's own validation answers (the name is too long).
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: { code: 'ERR_INVALID_REQUEST' } });
    });

    it('decodes like Request.text(): UTF-8 split across chunks, a leading BOM dropped', async () => {
      const bytes = new TextEncoder().encode(`\uFEFF${JSON.stringify({ code: 'ANA-0001', deviceName: 'Zoë’s 💻' })}`);
      // Split inside the multi-byte characters.
      const at = bytes.indexOf(0xc3) + 1;
      const response = await enroll(
        streamed([bytes.slice(0, at), bytes.slice(at, at + 3), bytes.slice(at + 3)]),
        streamedInit,
      );
      expect(response.status).toBe(201);
      const { deviceId } = (await response.json()) as { deviceId: string };
      const devices = await t.deps.store.listDevices('acme', 'u-ana');
      expect(devices.find((device) => device.id === deviceId)?.name).toBe('Zoë’s 💻');
    });

    it('refuses to read a body that was read already, instead of waiting for it forever', async () => {
      const { readNodeBody } = await import('./body.js');
      const { IncomingMessage } = await import('node:http');
      const { Socket } = await import('node:net');
      const request = new IncomingMessage(new Socket());
      request.push('{}');
      request.push(null);
      expect((await readNodeBody(request, 1024)).toString()).toBe('{}');
      await expect(readNodeBody(request, 1024)).rejects.toThrow('the request body is gone');
    });

    it('serves text() (GTR, SCIM, SSF) and the JSON validator alike', async () => {
      const scim = await fetch(`${server.url}/scim/acme/v2/Users`, {
        method: 'POST',
        headers: { authorization: 'Bearer scim-token-acme-0123456789', 'content-type': 'application/scim+json' },
        body: '{"schemas": [',
      });
      expect(scim.status).toBe(400);
      expect(await scim.json()).toMatchObject({ status: '400' });
      expect((await enroll('{"code":')).status).toBe(400);
      expect((await enroll('')).status).toBe(400);
    });
  });
});
