// `pnpm demo`: the server on the embedded store, the demo apps, the enrollment codes to use.
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  applyWorkspaceFile,
  createEmbeddedStore,
  createLogger,
  createMemoryBus,
  parseWorkspaceFile,
  startServer,
  systemClock,
} from '@universal-logout/server';
import { startDemoApps } from './demo/apps.js';
import { demoWorkspace } from './demo/workspace.js';

const serverPort = Number(process.env.PORT ?? 8787);
const appsPort = Number(process.env.DEMO_APPS_PORT ?? 5173);
const dataDir = process.env.DATA_DIR ?? (await mkdtemp(join(tmpdir(), 'ul-demo-')));

const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn' });
const store = await createEmbeddedStore({ dataDir });
const bus = createMemoryBus();
const apps = await startDemoApps({ port: appsPort });
const { file, users } = demoWorkspace(apps.port);
await applyWorkspaceFile(store, parseWorkspaceFile(JSON.stringify(file), 'demo workspace'), systemClock);
const publicUrl = `http://localhost:${serverPort}`;
const server = await startServer(
  { store, bus, clock: systemClock, logger, publicUrl },
  { port: serverPort, host: '127.0.0.1' },
);

const chrome = resolve('extension/.output/chrome-mv3');
const firefox = resolve('extension/.output/firefox-mv3');
const built = existsSync(join(chrome, 'manifest.json'));
const lines = [
  '',
  'Universal Logout demo',
  `  server        ${publicUrl}   (embedded store in ${dataDir})`,
  `  API document  ${publicUrl}/openapi.json`,
  `  managed apps  http://crm.localhost:${apps.port}   http://wiki.localhost:${apps.port}`,
  `  unmanaged     http://news.localhost:${apps.port}`,
  '',
  'Enrollment codes (single use, valid 7 days):',
  ...users.map((user) => `  ${user.enrollmentCode}  ${user.name.padEnd(13)} ${user.role.padEnd(7)} ${user.email}`),
  '',
  `Extension ${built ? 'built' : 'not built yet'}:`,
  `  Chrome   chrome://extensions -> Developer mode -> Load unpacked -> ${chrome}`,
  `  Firefox  about:debugging#/runtime/this-firefox -> Load Temporary Add-on -> ${join(firefox, 'manifest.json')}`,
  `  In its popup enter Server URL ${publicUrl} and a code above.`,
  '  Olivia (owner) and Adam (admin) also get an Admin button: search, log a user out everywhere,',
  '  watch each device enforce it, notifications and the audit log. Try it on Mia in another profile.',
  '',
  'Press Ctrl-C to stop.',
];
process.stdout.write(`${lines.join('\n')}\n`);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  process.stdout.write('\nStopping...\n');
  await server.close();
  await apps.close();
  await bus.close();
  await store.close();
  process.exit(0);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
