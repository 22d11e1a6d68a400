import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE, openTestSocket, startFakeOkta, type FakeOkta } from '@universal-logout/server/testing';
import { call, enroll, wsUrl } from '../support/http.js';
import { fixtureFile, freePort, startServerProcess, type ServerProcess } from '../support/processes.js';
import { cleanUpPrefix, REDIS_URL, testPrefix } from '../support/redis.js';

describe('Okta GTR on the Redis store, two instances', () => {
  const prefix = testPrefix('okta');
  let okta: FakeOkta;
  let a: ServerProcess;
  let b: ServerProcess;
  let audience: string;

  beforeAll(async () => {
    okta = await startFakeOkta('https://acme.okta.test');
    const [portA, portB] = [await freePort(), await freePort()];
    // Both instances answer at one public URL, as behind a load balancer.
    const publicUrl = 'https://ul.example.test';
    audience = `${publicUrl}/okta/acme/global-token-revocation`;
    const workspaces = FIXTURE.workspaces.map((ws) =>
      ws.id === 'acme'
        ? { ...ws, okta: { issuer: okta.issuer, appInstanceId: '0oa-acme', jwksUri: okta.jwksUri } }
        : ws,
    );
    const env = {
      REDIS_URL,
      REDIS_PREFIX: prefix,
      UL_CONFIG: await fixtureFile({ workspaces }),
      PUBLIC_URL: publicUrl,
    };
    [a, b] = await Promise.all([
      startServerProcess({ ...env, PORT: String(portA) }),
      startServerProcess({ ...env, PORT: String(portB) }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([a.stop(), b.stop()]);
    await okta.close();
    await cleanUpPrefix(prefix);
  });

  const gtr = (server: ServerProcess, token: string, email: string) =>
    fetch(`${server.url}/okta/acme/global-token-revocation`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ sub_id: { format: 'email', email } }),
    });

  it('logs the user out through either instance, once per jti, and refuses the jti for another subject', async () => {
    const device = await enroll(a.url, 'ANA-0001');
    const socket = await openTestSocket(wsUrl(a.url));
    socket.send({ type: 'hello', token: device.token });
    await socket.next((m) => m.type === 'ready');

    const token = await okta.sign({ audience, subject: '0oa-acme', now: Date.now() });
    expect((await gtr(b, token, 'ana@acme.test')).status).toBe(204);
    expect(await socket.next((m) => m.type === 'revocation')).toMatchObject({
      event: { userId: 'u-ana', trigger: 'okta' },
    });

    // The retry lands on the other instance: the jti memory is in Redis, shared.
    expect((await gtr(a, token, 'ana@acme.test')).status).toBe(204);
    expect((await gtr(a, token, 'ben@acme.test')).status).toBe(401);

    const admin = await enroll(b.url, 'OWNER-0001');
    const list = await call(a.url, '/v1/admin/revocations?userId=u-ana', { token: admin.token });
    expect(list.body.revocations).toHaveLength(1);
    expect((await call(a.url, '/v1/admin/revocations?userId=u-ben', { token: admin.token })).body.revocations).toEqual(
      [],
    );
    socket.close();
  });
});
