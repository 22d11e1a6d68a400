import { describe, expect, it } from 'vitest';
import { parseWorkspaceFile } from './config.js';
import { createTestContext } from './test-support.js';
import { applyWorkspaceFile } from './seed.js';

describe('applyWorkspaceFile', () => {
  it('keeps the file’s user order and is idempotent', async () => {
    const t = await createTestContext();
    const users = Array.from({ length: 600 }, (_, i) => ({
      id: `u-${String(i).padStart(4, '0')}`,
      email: `u${i}@big.test`,
      name: `User ${i}`,
      enrollmentCode: `BIG-${i}`,
    }));
    const file = parseWorkspaceFile(JSON.stringify({ workspaces: [{ id: 'big', name: 'Big', users }] }), 'big');
    await applyWorkspaceFile(t.store, file, t.clock);
    await applyWorkspaceFile(t.store, file, t.clock);
    expect((await t.store.listUsers('big')).map((user) => user.id)).toEqual(users.map((user) => user.id));
    expect((await t.enroll('BIG-599')).token).toMatch(/^ul1\.big\./);
    await t.dispose();
  });

  it('names the bad field of a workspace file', () => {
    const bad = { workspaces: [{ id: 'Acme!', name: 'x' }] };
    expect(() => parseWorkspaceFile(JSON.stringify(bad), 'ws.json')).toThrow(/ws\.json: \$\.workspaces\.0\.id: /);
    const unknownApp = {
      workspaces: [{ id: 'a', name: 'A', users: [{ id: 'u', email: 'u@a.test', name: 'U', apps: ['nope'] }] }],
    };
    expect(() => parseWorkspaceFile(JSON.stringify(unknownApp), 'ws.json')).toThrow(
      /users\.0\.apps\.0: unknown app "nope"/,
    );
    expect(() => parseWorkspaceFile('{', 'ws.json')).toThrow(/not valid JSON/);
  });
});
