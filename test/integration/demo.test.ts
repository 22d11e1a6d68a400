import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoApps } from '../../scripts/demo/apps.js';
import { demoWorkspace } from '../../scripts/demo/workspace.js';
import { parseWorkspaceFile } from '@universal-logout/server';

describe('demo apps', () => {
  let apps: Awaited<ReturnType<typeof startDemoApps>>;
  beforeAll(async () => {
    apps = await startDemoApps({ port: 0 });
  });
  afterAll(async () => {
    await apps.close();
  });

  // fetch() may not set Host; node:http does, as a browser on crm.localhost would.
  const get = (host: string, cookie?: string) =>
    new Promise<{ body: string; setCookie: string[] }>((resolve, reject) => {
      const headers = { host: `${host}.localhost:${apps.port}`, ...(cookie ? { cookie } : {}) };
      request({ host: '127.0.0.1', port: apps.port, path: '/', headers }, (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ body, setCookie: response.headers['set-cookie'] ?? [] }));
      })
        .on('error', reject)
        .end();
    });
  const status = async (response: Promise<{ body: string }>) =>
    /<p id="status"[^>]*>([^<]*)</.exec((await response).body)?.[1];

  it('says who is signed in when the injected session cookie is present, and "Signed out" otherwise', async () => {
    const { file } = demoWorkspace(apps.port);
    const crm = file.workspaces[0]!.apps.find((app) => app.id === 'crm')!;
    const cookie = crm.session.cookies[0]!;
    expect(await status(get('crm', `${cookie.name}=${cookie.value}`))).toBe('Signed in as Demo Sales (shared)');
    expect(await status(get('crm'))).toBe('Signed out');
    expect(await status(get('wiki', `${cookie.name}=${cookie.value}`))).toBe('Signed out');
  });

  it('keeps an unmanaged news site with cookies of its own', async () => {
    const response = await get('news');
    expect(response.setCookie).toEqual([
      'news_pref=compact; Path=/; Max-Age=86400',
      'news_sid=reader-42; Path=/; HttpOnly',
    ]);
  });

  it('builds a valid workspace file with an owner, an admin and two members', () => {
    const { file, users } = demoWorkspace(5173);
    expect(() => parseWorkspaceFile(JSON.stringify(file), 'demo')).not.toThrow();
    expect(users.map((user) => user.role)).toEqual(['owner', 'admin', 'member', 'member']);
    expect(new Set(users.map((user) => user.enrollmentCode)).size).toBe(4);
  });
});
