import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE, openTestSocket, startFakeOkta, type FakeOkta } from '@universal-logout/server/testing';
import { call, enroll, wsUrl } from '../support/http.js';
import { fixtureFile, startServerProcess } from '../support/processes.js';
import { cleanUpPrefix, connectRedis, REDIS_URL, testPrefix } from '../support/redis.js';

const SCIM_TOKEN = 'scim-token-acme-0123456789';
const SSF_HEADER = 'Bearer ssf-push-secret-5b1e0c';
const COOKIE_VALUE = 'crm-secret-cookie';
const STORAGE_VALUE = 'crm-token';

/** Every value a Redis prefix holds, whatever the key's type. */
async function redisDump(prefix: string): Promise<string> {
  const client = await connectRedis();
  const parts: unknown[] = [];
  try {
    for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) {
      for (const key of keys) {
        const type = await client.type(key);
        if (type === 'string') parts.push(key, await client.get(key));
        else if (type === 'hash') parts.push(key, await client.hGetAll(key));
        else if (type === 'set') parts.push(key, await client.sMembers(key));
        else if (type === 'zset') parts.push(key, await client.zRange(key, 0, -1));
        else if (type === 'list') parts.push(key, await client.lRange(key, 0, -1));
        else if (type === 'stream') parts.push(key, await client.xRange(key, '-', '+'));
      }
    }
  } finally {
    await client.close();
  }
  return JSON.stringify(parts);
}

async function filesUnder(dir: string): Promise<string> {
  const names = await readdir(dir, { recursive: true, withFileTypes: true });
  const texts = await Promise.all(
    names.filter((entry) => entry.isFile()).map((entry) => readFile(join(entry.parentPath, entry.name), 'utf8')),
  );
  return texts.join('\n');
}

describe.each(['embedded', 'redis'] as const)('secrets on the %s store', (kind) => {
  let okta: FakeOkta;
  let dataDir: string;
  const prefix = testPrefix('secrets');
  const seen = new Set<string>();
  let logs = '';
  let atRest = '';
  const codes = ['ANA-0001', 'ADMIN-0001', 'BEN-0001'];

  beforeAll(async () => {
    okta = await startFakeOkta('https://acme.okta.test');
    dataDir = await mkdtemp(join(tmpdir(), 'ul-secrets-'));
    const publicUrl = 'http://ul.test';
    const workspaces = FIXTURE.workspaces.map((ws) =>
      ws.id === 'acme'
        ? {
            ...ws,
            okta: { issuer: okta.issuer, appInstanceId: '0oa-acme', jwksUri: okta.jwksUri },
            ssf: {
              issuer: okta.issuer,
              jwksUri: okta.jwksUri,
              audience: `${publicUrl}/ssf/acme/events`,
              authorizationHeader: SSF_HEADER,
            },
          }
        : ws,
    );
    const server = await startServerProcess({
      // The most talkative level: whatever is logged anywhere is logged here.
      LOG_LEVEL: 'trace',
      PUBLIC_URL: publicUrl,
      UL_CONFIG: await fixtureFile({ workspaces }),
      ...(kind === 'redis' ? { REDIS_URL, REDIS_PREFIX: prefix } : { DATA_DIR: dataDir }),
    });
    const url = server.url;

    // Every kind of secret crosses the server, rightly and wrongly.
    const ana = await enroll(url, 'ANA-0001');
    const admin = await enroll(url, 'ADMIN-0001');
    seen.add(ana.token).add(admin.token);
    await call(url, '/v1/device/enroll', { body: { code: 'WRONG-CODE-1234' } });
    await call(url, '/v1/device/me', { token: ana.token });
    await call(url, '/v1/device/me', { token: `${ana.token}x` });
    await call(url, '/v1/device/me', { headers: { authorization: ana.token } });
    await call(url, '/v1/device/apps/crm/session', { token: ana.token, method: 'POST' });
    const issued = await call(url, '/v1/admin/users/u-ben/enrollment-codes', { token: admin.token, method: 'POST' });
    const benCode = String(issued.body.code);
    codes.push(benCode);
    await call(url, '/v1/device/enroll', { body: { code: benCode } });
    const socket = await openTestSocket(wsUrl(url));
    socket.send({ type: 'hello', token: ana.token });
    await socket.next((m) => m.type === 'ready');
    const bad = await openTestSocket(wsUrl(url));
    bad.send({ type: 'hello', token: `${admin.token}zz` });
    await bad.closed;

    for (const authorization of [`Bearer ${SCIM_TOKEN}`, SCIM_TOKEN, `Bearer ${SCIM_TOKEN}-wrong`]) {
      await fetch(`${url}/scim/acme/v2/Users?filter=${encodeURIComponent('userName eq "ana@acme.test"')}`, {
        headers: { authorization },
      });
    }
    const gtrAudience = `${publicUrl}/okta/acme/global-token-revocation`;
    const good = await okta.sign({ audience: gtrAudience, subject: '0oa-acme', now: Date.now() });
    const wrongAudience = await okta.sign({ audience: 'http://elsewhere/', subject: '0oa-acme', now: Date.now() });
    seen.add(good).add(wrongAudience);
    for (const jwt of [wrongAudience, good]) {
      await fetch(`${url}/okta/acme/global-token-revocation`, {
        method: 'POST',
        headers: { authorization: `Bearer ${jwt}`, 'content-type': 'application/json' },
        body: JSON.stringify({ sub_id: { format: 'email', email: 'ana@acme.test' } }),
      });
    }
    await socket.next((m) => m.type === 'revocation');
    socket.close();
    for (const authorization of [SSF_HEADER, `${SSF_HEADER}-wrong`]) {
      await fetch(`${url}/ssf/acme/events`, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/secevent+jwt' },
        body: good,
      });
    }
    await server.stop('SIGTERM');
    logs = server.logs.join('');
    atRest = kind === 'redis' ? await redisDump(prefix) : await filesUnder(dataDir);
  });
  afterAll(async () => {
    await okta.close();
    if (kind === 'redis') await cleanUpPrefix(prefix);
  });

  it('logged plenty, so that the scan means something', () => {
    expect(logs.split('\n').length).toBeGreaterThan(30);
    expect(logs).toContain('okta global token revocation rejected');
    expect(logs).toContain('SCIM authentication failed');
  });

  it('never logs a device token, enrollment code, SCIM token, SSF header, JWT or app session value', () => {
    const secrets = [
      ...[...seen].flatMap((token) => [token, token.split('.').at(-1)!]),
      ...codes,
      SCIM_TOKEN,
      SSF_HEADER.replace('Bearer ', ''),
      COOKIE_VALUE,
      STORAGE_VALUE,
    ];
    for (const secret of secrets) expect(logs, `a secret in the logs (${secret.slice(0, 6)}…)`).not.toContain(secret);
  });

  it('keeps tokens, codes and the SCIM and SSF secrets only as hashes at rest', () => {
    expect(atRest.length).toBeGreaterThan(1000);
    // The app's session values are there: the server hands them to assigned devices.
    expect(atRest).toContain(COOKIE_VALUE);
    const secrets = [
      ...[...seen].filter((token) => token.startsWith('ul1.')).map((token) => token.split('.').at(-1)!),
      ...codes,
      SCIM_TOKEN,
      SSF_HEADER.replace('Bearer ', ''),
    ];
    for (const secret of secrets) expect(atRest, `a secret at rest (${secret.slice(0, 6)}…)`).not.toContain(secret);
  });
});
