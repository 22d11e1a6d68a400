import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { call, enroll } from '../support/http.js';
import { fixtureFile, startServerProcess } from '../support/processes.js';

describe('embedded store across a crash', () => {
  it('delivers an acknowledged revocation after the server is killed and restarted', async () => {
    const env = { DATA_DIR: await mkdtemp(join(tmpdir(), 'ul-data-')), UL_CONFIG: await fixtureFile() };
    const first = await startServerProcess(env);
    const device = await enroll(first.url, 'ANA-0001');
    const admin = await enroll(first.url, 'ADMIN-0001');
    const logout = await call(first.url, '/v1/admin/users/u-ana/logout', {
      token: admin.token,
      body: { reason: 'incident', confirm: 'ana@acme.test' },
    });
    expect(logout.status).toBe(202);
    await first.stop('SIGKILL');

    const second = await startServerProcess(env);
    const poll = await call(second.url, '/v1/device/revocations', { token: device.token });
    expect(poll.status).toBe(200);
    expect(poll.body.events).toMatchObject([{ id: logout.body.revocationId, userId: 'u-ana' }]);
    expect((await call(second.url, '/v1/device/me', { token: device.token })).status).toBe(401);
    // The used code stays used although the workspace file offers it again at every start.
    expect((await call(second.url, '/v1/device/enroll', { body: { code: 'ANA-0001' } })).status).toBe(400);
    expect(await second.stop('SIGTERM')).toBe(0);
  });

  it('stops at start-up with a message naming the bad field', async () => {
    const config = await fixtureFile({
      workspaces: [{ id: 'acme', name: 'Acme', users: [{ id: 'u', email: 'nope', name: 'x' }] }],
    });
    await expect(
      startServerProcess({ DATA_DIR: await mkdtemp(join(tmpdir(), 'ul-data-')), UL_CONFIG: config }),
    ).rejects.toThrow(/configuration error: .*workspaces\.0\.users\.0\.email/);
    await expect(startServerProcess({ PORT: 'eighty' })).rejects.toThrow(/configuration error: environment\.PORT/);
  });
});
