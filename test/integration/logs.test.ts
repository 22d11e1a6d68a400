import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtureFile, startServerProcess } from '../support/processes.js';

describe('server logs', () => {
  it('has written every line, whole, when it stops right after a burst of requests', async () => {
    const server = await startServerProcess({
      DATA_DIR: await mkdtemp(join(tmpdir(), 'ul-data-')),
      UL_CONFIG: await fixtureFile(),
    });
    const count = 3000;
    for (let i = 0; i < count; i += 100) {
      const batch = Array.from({ length: 100 }, (_, j) => fetch(`${server.url}/nope/${i + j}`).then((r) => r.status));
      expect(new Set(await Promise.all(batch))).toEqual(new Set([404]));
    }
    expect(await server.stop('SIGTERM')).toBe(0);
    const lines = server.logs.join('').split('\n');
    expect(lines.pop()).toBe('');
    const records = lines.map((line) => JSON.parse(line) as { msg: string; path?: string });
    const paths = new Set(records.filter((r) => r.msg === 'request').map((r) => r.path));
    expect(paths.size).toBe(count);
    for (let i = 0; i < count; i++) expect(paths.has(`/nope/${i}`)).toBe(true);
    expect(records.at(-1)?.msg).toBe('stopped');
  });
});
