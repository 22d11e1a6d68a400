import { describe, expect, it } from 'vitest';
import { call, enroll } from '../support/http.js';
import { fixtureFile, startRedisProcess, startServerProcess } from '../support/processes.js';

describe('Redis going away', () => {
  it('answers 503 while Redis is down and recovers by itself when it is back', async () => {
    const redis = await startRedisProcess();
    const server = await startServerProcess({ REDIS_URL: redis.url, UL_CONFIG: await fixtureFile() });
    const admin = await enroll(server.url, 'ADMIN-0001');
    expect((await call(server.url, '/readyz')).status).toBe(200);

    await redis.stop('SIGKILL');
    await expect.poll(async () => (await call(server.url, '/readyz')).status, { timeout: 5000 }).toBe(503);
    const logout = await call(server.url, '/v1/admin/users/u-ana/logout', {
      token: admin.token,
      body: { reason: 'x', confirm: 'ana@acme.test' },
    });
    expect(logout.status).toBe(503);
    expect(logout.body.error).toMatchObject({ code: 'ERR_STORE_UNAVAILABLE' });
    expect((await call(server.url, '/healthz')).status).toBe(200);

    // Same port, empty data (no persistence configured in this test): service comes back.
    const again = await startRedisProcess({ port: redis.port });
    await expect.poll(async () => (await call(server.url, '/readyz')).status, { timeout: 10_000 }).toBe(200);
    expect(await server.stop()).toBe(0);
    await again.stop();
  });
});
