import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestSocket } from '@universal-logout/server/testing';
import { call, enroll, wsUrl } from '../support/http.js';
import { APP_INSTANCE, GTR_AUDIENCE, startFaultRig, until, type FaultRig } from './rig.js';

const SCIM_TOKEN = 'scim-token-acme-0123456789';

describe('Redis down', () => {
  let rig: FaultRig;
  let ana: string;
  const url = () => rig.server.url;

  const gtr = async () =>
    fetch(`${url()}/okta/acme/global-token-revocation`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await rig.okta.sign({ audience: GTR_AUDIENCE, subject: APP_INSTANCE, now: Date.now() })}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ sub_id: { format: 'email', email: 'ana@acme.test' } }),
    });

  beforeAll(async () => {
    rig = await startFaultRig({ store: 'redis', users: 0 });
    ana = (await enroll(url(), 'ANA-0001')).token;
    await rig.redis?.stop('SIGKILL');
    await until(async () => (await call(url(), '/readyz')).status === 503, 'readyz 503');
  }, 60_000);
  afterAll(async () => {
    await rig.stop();
  });

  it('/readyz is 503 while /healthz (the process) stays 200', async () => {
    expect(await call(url(), '/readyz')).toMatchObject({ status: 503, body: { status: 'unavailable' } });
    expect((await call(url(), '/healthz')).status).toBe(200);
  });

  it('Okta GTR is 503 with Retry-After, so that Okta retries', async () => {
    const response = await gtr();
    expect(response.status).toBe(503);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('SCIM is 503 with Retry-After, in the SCIM error format', async () => {
    const response = await fetch(`${url()}/scim/acme/v2/Users`, {
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
    const token = who === 'admin' ? rig.adminToken : who === 'ana' ? ana : undefined;
    const body = path.endsWith('/logout')
      ? { reason: 'x', confirm: 'ana@acme.test' }
      : path.endsWith('/enroll')
        ? { code: 'BEN-0001' }
        : undefined;
    const response = await fetch(`${url()}${path}`, {
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
    await rig.startRedisAgain();
    await until(async () => (await call(url(), '/readyz')).status === 200, 'readyz 200');
    // The device enrolled before the outage is still known: its record survived in the AOF.
    const socket = await openTestSocket(wsUrl(url()));
    socket.send({ type: 'hello', token: ana });
    await socket.next((m) => m.type === 'ready');
    expect((await gtr()).status).toBe(204);
    expect(await socket.next((m) => m.type === 'revocation')).toMatchObject({
      event: { userId: 'u-ana', trigger: 'okta' },
    });
    socket.close();
    expect(rig.server.child.exitCode).toBeNull();
  });
});
