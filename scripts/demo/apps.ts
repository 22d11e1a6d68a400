import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The demo's SaaS apps, all on one port and told apart by Host: `crm.localhost` and
 * `wiki.localhost` are managed (their sessions are injected by the extension), `news.localhost`
 * is a site no workspace manages, whose cookies and storage a purge must never touch.
 */
export interface DemoApp {
  host: string;
  title: string;
  /** The session cookie the extension injects, and the shared account each value signs in. */
  cookie: string;
  accounts: Record<string, string>;
}

export const DEMO_APPS: DemoApp[] = [
  { host: 'crm', title: 'CRM', cookie: 'crm_session', accounts: { 'crm-shared-sales': 'Demo Sales (shared)' } },
  { host: 'wiki', title: 'Wiki', cookie: 'wiki_session', accounts: { 'wiki-shared-docs': 'Demo Docs (shared)' } },
];

function cookies(request: IncomingMessage): Map<string, string> {
  const jar = new Map<string, string>();
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const index = part.indexOf('=');
    if (index > 0) jar.set(part.slice(0, index).trim(), decodeURIComponent(part.slice(index + 1).trim()));
  }
  return jar;
}

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, status: string, script: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<style>body{font:16px system-ui;margin:3rem;color:#1f2937}#status{font-size:1.5rem;font-weight:600}</style></head>
<body><h1>${escape(title)}</h1><p id="status" role="status">${escape(status)}</p><script>${script}</script></body></html>`;
}

/** When signed in, the app keeps data the way real apps do: web storage, IndexedDB, Cache Storage. */
const appScript = (name: string, signedIn: boolean) =>
  signedIn
    ? `localStorage.setItem(${JSON.stringify(`${name}:lastView`)}, 'dashboard');
sessionStorage.setItem(${JSON.stringify(`${name}:tab`)}, 'open');
const open = indexedDB.open(${JSON.stringify(name)}, 1);
open.onupgradeneeded = () => open.result.createObjectStore('drafts');
open.onsuccess = () => { const tx = open.result.transaction('drafts', 'readwrite'); tx.objectStore('drafts').put('draft', 'd1'); };
caches.open(${JSON.stringify(`${name}-cache`)}).then((cache) => cache.put('/cached', new Response('cached')));`
    : '';

function handle(request: IncomingMessage, response: ServerResponse): void {
  const host = (request.headers.host ?? '').split(':')[0] ?? '';
  const sub = host.endsWith('.localhost') ? host.slice(0, -'.localhost'.length) : '';
  const app = DEMO_APPS.find((candidate) => candidate.host === sub);
  response.setHeader('content-type', 'text/html; charset=utf-8');
  response.setHeader('cache-control', 'no-store');
  if (app) {
    const account = app.accounts[cookies(request).get(app.cookie) ?? ''];
    const status = account ? `Signed in as ${account}` : 'Signed out';
    response.end(page(app.title, status, appScript(app.host, account !== undefined)));
    return;
  }
  if (sub === 'news') {
    // An unmanaged site with state of its own: it must survive every purge.
    response.setHeader('set-cookie', [
      'news_pref=compact; Path=/; Max-Age=86400',
      'news_sid=reader-42; Path=/; HttpOnly',
    ]);
    response.end(page('News', 'Today’s headlines', `localStorage.setItem('news:seen', '1');`));
    return;
  }
  response.statusCode = 404;
  response.end(page('Not found', `No demo site at ${host}`, ''));
}

export async function startDemoApps(options: {
  port: number;
  host?: string;
}): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(options.port, options.host ?? '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
