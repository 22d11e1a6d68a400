import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestSocket } from '@universal-logout/server/testing';
import { call, enroll, wsUrl } from '../support/http.js';
import { fixtureFile, startServerProcess, type ServerProcess } from '../support/processes.js';
import { cleanUpPrefix, REDIS_URL, testPrefix } from '../support/redis.js';

describe('two server instances sharing one Redis', () => {
  const prefix = testPrefix('instances');
  let a: ServerProcess;
  let b: ServerProcess;

  beforeAll(async () => {
    const config = await fixtureFile();
    const env = { REDIS_URL, REDIS_PREFIX: prefix, UL_CONFIG: config };
    [a, b] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
  });
  afterAll(async () => {
    await Promise.all([a.stop(), b.stop()]);
    await cleanUpPrefix(prefix);
  });

  it('pushes a revocation made on B to a device connected to A, and A sees B’s receipt', async () => {
    const device = await enroll(a.url, 'ANA-0001');
    const admin = await enroll(b.url, 'ADMIN-0001');
    const socket = await openTestSocket(wsUrl(a.url));
    socket.send({ type: 'hello', token: device.token });
    await socket.next((m) => m.type === 'ready');

    const logout = await call(b.url, '/v1/admin/users/u-ana/logout', {
      token: admin.token,
      body: { reason: 'incident on B', confirm: 'ana@acme.test' },
    });
    expect(logout.status).toBe(202);
    const revocationId = logout.body.revocationId as string;

    const pushed = await socket.next((m) => m.type === 'revocation');
    expect(pushed).toMatchObject({
      type: 'revocation',
      event: { id: revocationId, userId: 'u-ana', reason: 'incident on B' },
    });

    const receipt = await call(b.url, '/v1/device/receipts', {
      token: device.token,
      body: { revocationId, removed: { cookies: 2, origins: 2, tabs: 1 }, errors: [] },
    });
    expect(receipt.status).toBe(202);
    const status = await call(a.url, `/v1/admin/revocations/${revocationId}`, { token: admin.token });
    expect(status.body.devices).toMatchObject([{ deviceId: device.deviceId, state: 'enforced' }]);
    // The revoked session is refused on both instances.
    for (const url of [a.url, b.url]) {
      expect((await call(url, '/v1/device/me', { token: device.token })).body.error).toMatchObject({
        code: 'ERR_SESSION_REVOKED',
      });
    }
    socket.close();
  });

  it('reports ready with the Redis store', async () => {
    expect(await call(a.url, '/readyz')).toEqual({ status: 200, body: { status: 'ok', store: 'redis' } });
  });
});
