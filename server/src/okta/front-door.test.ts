import { request as httpRequest } from 'node:http';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningServer } from '../server.js';
import {
  answerOf,
  captureLogs,
  createTestContext,
  frontAndRouter,
  type Answer,
  type TestContext,
} from '../test-support.js';
import { startFakeOkta, type FakeOkta } from './fake-okta.js';

const AUDIENCE = 'http://localhost:8787/okta/acme/global-token-revocation';
const APP = '0oa-acme-app';

let okta: FakeOkta;
let t: TestContext;
/** The same deps behind two servers: one takes accepted GTR calls before the router, one only through it. */
let front: RunningServer;
let router: RunningServer;
let close: () => Promise<void>;
let lines: Record<string, unknown>[];
let failRevokes: boolean;
/** Workspace reads: the GTR core makes one a call, so a call run twice (declined, then routed) shows. */
let workspaceReads: number;

/**
 * The header names of an accepted call's answer, in the order sent: which path answered shows
 * there (the router's first header is the request id it stamps before Hono runs; the front
 * door writes the security headers first), the one difference a client could see.
 */
function headerOrder(server: RunningServer, token: string): Promise<string[]> {
  const body = JSON.stringify(ana);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      `${server.url}/okta/acme/global-token-revocation`,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          authorization: `Bearer ${token}`,
        },
      },
      (incoming) => {
        incoming.resume();
        incoming.on('end', () =>
          resolve(incoming.rawHeaders.filter((_, i) => i % 2 === 0).map((name) => name.toLowerCase())),
        );
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

beforeAll(async () => {
  okta = await startFakeOkta('https://acme.okta.test');
});
afterAll(async () => {
  await okta.close();
});

beforeEach(async () => {
  failRevokes = false;
  workspaceReads = 0;
  const captured = captureLogs();
  lines = captured.lines;
  t = await createTestContext({ logger: captured.logger });
  const workspace = (await t.store.getWorkspace('acme'))!;
  await t.store.upsertWorkspace({
    ...workspace,
    settings: { ...workspace.settings, okta: { issuer: okta.issuer, appInstanceId: APP, jwksUri: okta.jwksUri } },
  });
  ({ front, router, close } = await frontAndRouter(t, {
    failing: 'revoke',
    when: () => failRevokes,
    seen: (method) => {
      if (method === 'getWorkspace') workspaceReads++;
    },
  }));
});
afterEach(async () => {
  await close();
  await t.dispose();
});

const sign = (claims?: Record<string, unknown>, subject = APP) =>
  okta.sign({ audience: AUDIENCE, subject, now: t.clock.now(), ...(claims ? { claims } : {}) });
const ana = { sub_id: { format: 'email', email: 'ana@acme.test' } };

async function call(
  server: RunningServer,
  token: string | null,
  body: BodyInit = JSON.stringify(ana),
  init: RequestInit = {},
): Promise<Answer> {
  const response = await fetch(`${server.url}/okta/acme/global-token-revocation`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
    body,
    ...init,
  });
  return answerOf(response);
}

/** The same kind of call to both servers (each with its own token); they must answer alike. */
async function same(token: () => Promise<string | null>, body?: BodyInit, init?: RequestInit): Promise<Answer> {
  const viaRouter = await call(router, await token(), body, init);
  const viaFront = await call(front, await token(), body, init);
  expect(viaFront).toEqual(viaRouter);
  return viaFront;
}

const revocations = async () => (await t.store.listRevocations('acme', { limit: 100 })).items;
const gtrLines = () => lines.filter((line) => typeof line.msg === 'string' && line.msg.startsWith('okta global'));
const shape = (line: Record<string, unknown>) =>
  Object.fromEntries(
    Object.entries(line).map(([key, value]) =>
      ['time', 'pid', 'requestId', 'ms', 'revocationId', 'jti'].includes(key) ? [key, typeof value] : [key, value],
    ),
  );

describe('Okta GTR before the router', () => {
  it('answers an accepted call exactly as the router does, with the same log lines', async () => {
    const answer = await same(() => sign());
    expect(answer).toMatchObject({ status: 204, body: '' });
    // One run of the core on each server: the front door did not decline and route it.
    expect(workspaceReads).toBe(2);
    // And the front door, not the router, answered it.
    expect((await headerOrder(front, await sign()))[0]).toBe('cross-origin-opener-policy');
    expect((await headerOrder(router, await sign()))[0]).toBe('x-request-id');
    expect(await revocations()).toHaveLength(4);
    await expect.poll(() => gtrLines().length).toBe(4);
    const [viaRouter, viaFront] = gtrLines();
    expect(shape(viaFront!)).toEqual(shape(viaRouter!));
    const requestLines = lines.filter(
      (line) => line.msg === 'request' && line.path === '/okta/acme/global-token-revocation',
    );
    expect(requestLines).toHaveLength(4);
    for (const line of requestLines) expect(shape(line)).toEqual(shape(requestLines[0]!));
    expect(requestLines[0]).toMatchObject({ level: 30, method: 'POST', status: 204 });
  });

  it('answers a retry once and a replay for another subject as the router does', async () => {
    const token = await sign();
    expect((await call(front, token)).status).toBe(204);
    expect((await call(front, token)).status).toBe(204);
    expect(await revocations()).toHaveLength(1);
    const replay = await call(front, token, JSON.stringify({ sub_id: { format: 'email', email: 'ben@acme.test' } }));
    expect(replay.status).toBe(401);
    expect(await revocations()).toHaveLength(1);
  });

  it('hands every call it does not accept to the router, which answers and logs it once', async () => {
    const cases: [() => Promise<string | null>, BodyInit | undefined, number][] = [
      [() => Promise.resolve(null), undefined, 401],
      [() => Promise.resolve('not-a-jwt'), undefined, 401],
      [() => sign({ iss: 'https://other.okta.test' }), undefined, 401],
      [() => sign({}, 'another-app'), undefined, 403],
      [() => sign(), '{"sub_id":', 400],
      [() => sign(), JSON.stringify({ sub_id: { format: 'opaque', id: 'x' } }), 400],
      [() => sign(), JSON.stringify({ sub_id: { format: 'email', email: 'nobody@acme.test' } }), 404],
    ];
    for (const [token, body, status] of cases) {
      lines.length = 0;
      const answer = await same(token, body);
      expect(answer.status).toBe(status);
      expect(JSON.parse(answer.body)).toMatchObject({ error: { code: expect.stringMatching(/^ERR_/) as unknown } });
      // One rejection line per call on each server: the front door declined without logging.
      await expect.poll(() => gtrLines().length).toBe(2);
      expect(gtrLines().every((line) => line.msg === 'okta global token revocation rejected')).toBe(true);
    }
    expect(await revocations()).toHaveLength(0);
  });

  it('answers 503 with Retry-After when the store cannot persist, and the retry then succeeds once', async () => {
    failRevokes = true;
    const token = await sign();
    const refused = await call(front, token);
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('5');
    expect(await revocations()).toHaveLength(0);
    failRevokes = false;
    expect((await call(front, token)).status).toBe(204);
    expect(await revocations()).toHaveLength(1);
  });

  it('takes no call while the address is over its failure limit: the router answers 429', async () => {
    for (let i = 0; i < 20; i++) expect((await call(front, 'not-a-jwt')).status).toBe(401);
    const limited = await call(front, await sign());
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(await revocations()).toHaveLength(0);
  });

  it('leaves a streamed body (no Content-Length) to the router', async () => {
    const stream = () =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(JSON.stringify(ana)));
          controller.close();
        },
      });
    const viaRouter = await call(router, await sign(), stream(), { duplex: 'half' } as RequestInit);
    const viaFront = await call(front, await sign(), stream(), { duplex: 'half' } as RequestInit);
    expect(viaFront).toEqual(viaRouter);
    expect(viaFront.status).toBe(204);
    expect(await revocations()).toHaveLength(2);
  });
});
