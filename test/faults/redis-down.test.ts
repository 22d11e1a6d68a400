import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestSocket, startFakeOkta, type FakeOkta } from '@universal-logout/server/testing';
import { call, enroll, wsUrl } from '../support/http.js';
import {
  fixtureFile,
  startRedisProcess,
  startServerProcess,
  type RedisProcess,
  type ServerProcess,
} from '../support/processes.js';
import { bigWorkspace, GTR_AUDIENCE, APP_INSTANCE, PUBLIC_URL, until } from './rig.js';

const SCIM_TOKEN = 'scim-token-acme-0123456789';

describe('Redis down', () => {
  let okta: FakeOkta;
  let redis: RedisProcess;
  let server: ServerProcess;
  let redisDir: string;
  let admin: string;
  let ana: string;

  const gtr = async () =>
    fetch(`${server.url}/okta/acme/global-token-revocation`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await okta.sign({ audience: GTR_AUDIENCE, subject: APP_INSTANCE, now: Date.now() })}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ sub_id: { format: 'email', email: 'ana@acme.test' } }),
    });

  beforeAll(async () => {
    okta = await startFakeOkta('https://acme.okta.test');
    redisDir = await mkdtemp(join(tmpdir(), 'ul-faults-redis-'));
    redis = await startRedisProcess({ appendonly: true, dir: redisDir });
    server = await startServerProcess({
      REDIS_URL: redis.url,
      PUBLIC_URL,
      UL_CONFIG: await fixtureFile(bigWorkspace(0, okta)),
      LOG_LEVEL: 'warn',
    });
    admin = (await enroll(server.url, 'ADMIN-0001')).token;
    ana = (await enroll(server.url, 'ANA-0001')).token;
    await redis.stop('SIGKILL');
    await until(async () => (await call(server.url, '/readyz')).status === 503, 'readyz 503');
  }, 60_000);
  afterAll(async () => {
    await server.stop();
    await redis.stop();
    await okta.close();
  });

  it('/readyz is 503 while /healthz (the process) stays 200', async () => {
    expect(await call(server.url, '/readyz')).toMatchObject({ status: 503, body: { status: 'unavailable' } });
    expect((await call(server.url, '/healthz')).status).toBe(200);
  });

  it('Okta GTR is 503 with Retry-After, so that Okta retries', async () => {
    const response = await gtr();
    expect(response.status).toBe(503);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('SCIM is 503 with Retry-After, in the SCIM error format', async () => {
    const response = await fetch(`${server.url}/scim/acme/v2/Users`, {
      headers: { authorization: `Bearer ${SCIM_TOKEN}` },
    });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).not.toBeNull();
    expect(await response.json()).toMatchObject({ status: '503' });
  });

  it.each([
    ['GET', '/v1/admin/users', 'admin'],
    ['POST', '/v1/admin/users/u-ana/logout', 'admin'],
    ['GET', '/v1/admin/audit', 'admin'],
    ['GET', '/v1/device/me', 'ana'],
    ['GET', '/v1/device/revocations', 'ana'],
    ['POST', '/v1/device/logout-everywhere', 'ana'],
    ['POST', '/v1/device/enroll', null],
  ] as const)('%s %s is 503 ERR_STORE_UNAVAILABLE with Retry-After', async (method, path, who) => {
    const token = who === 'admin' ? admin : who === 'ana' ? ana : undefined;
    const body = path.endsWith('/logout')
      ? { reason: 'x', confirm: 'ana@acme.test' }
      : path.endsWith('/enroll')
        ? { code: 'BEN-0001' }
        : undefined;
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).not.toBeNull();
    expect(await response.json()).toMatchObject({ error: { code: 'ERR_STORE_UNAVAILABLE' } });
  });

  it('resumes by itself when Redis is back, with what it had persisted', async () => {
    redis = await startRedisProcess({ port: redis.port, appendonly: true, dir: redisDir });
    await until(async () => (await call(server.url, '/readyz')).status === 200, 'readyz 200');
    // The device enrolled before the outage is still known: its record survived in the AOF.
    const socket = await openTestSocket(wsUrl(server.url));
    socket.send({ type: 'hello', token: ana });
    await socket.next((m) => m.type === 'ready');
    expect((await gtr()).status).toBe(204);
    expect(await socket.next((m) => m.type === 'revocation')).toMatchObject({
      event: { userId: 'u-ana', trigger: 'okta' },
    });
    socket.close();
    expect(server.child.exitCode).toBeNull();
  });
});
