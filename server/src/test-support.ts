import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { AppError } from '@universal-logout/shared';
import { createApp } from './app.js';
import { createMemoryBus, type Bus } from './bus.js';
import { parseWorkspaceFile } from './config.js';
import type { Clock, Deps } from './env.js';
import { createLogger, silentLogger, type Logger } from './logger.js';
import { applyWorkspaceFile } from './seed.js';
import { createEmbeddedStore } from './store/embedded.js';
import type { Store } from './store/types.js';

/** A debug-level logger whose lines (parsed) collect in `lines`. */
export function captureLogs(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean))
        lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger({ level: 'debug', destination }), lines };
}

/** Two workspaces with every role, the fixture of the API tests. */
export const FIXTURE = {
  workspaces: [
    {
      id: 'acme',
      name: 'Acme',
      scim: { token: 'scim-token-acme-0123456789' },
      apps: [
        {
          id: 'crm',
          name: 'CRM',
          origins: ['http://crm.localhost:5173'],
          session: {
            cookies: [{ name: 'sid', value: 'crm-secret-cookie', httpOnly: true }],
            localStorage: { token: 'crm-token' },
          },
        },
        {
          id: 'wiki',
          name: 'Wiki',
          origins: ['http://wiki.localhost:5173'],
          session: { cookies: [], localStorage: {} },
        },
      ],
      users: [
        { id: 'u-owner', email: 'owner@acme.test', name: 'Olivia Owner', role: 'owner', enrollmentCode: 'OWNER-0001' },
        {
          id: 'u-super',
          email: 'super@acme.test',
          name: 'Sam Super',
          role: 'super_admin',
          enrollmentCode: 'SUPER-0001',
        },
        { id: 'u-admin', email: 'admin@acme.test', name: 'Ada Admin', role: 'admin', enrollmentCode: 'ADMIN-0001' },
        { id: 'u-admin2', email: 'admin2@acme.test', name: 'Abe Admin', role: 'admin', enrollmentCode: 'ADMIN-0002' },
        {
          id: 'u-ana',
          email: 'ana@acme.test',
          name: 'Ana Member',
          role: 'member',
          apps: ['crm', 'wiki'],
          enrollmentCode: 'ANA-0001',
        },
        {
          id: 'u-ben',
          email: 'ben@acme.test',
          name: 'Ben Member',
          role: 'member',
          apps: ['crm'],
          enrollmentCode: 'BEN-0001',
        },
        {
          id: 'u-gone',
          email: 'gone@acme.test',
          name: 'Gone',
          role: 'member',
          status: 'deactivated',
          enrollmentCode: 'GONE-0001',
        },
      ],
    },
    {
      id: 'globex',
      name: 'Globex',
      apps: [],
      users: [
        {
          id: 'u-gowner',
          email: 'owner@globex.test',
          name: 'Globex Owner',
          role: 'owner',
          enrollmentCode: 'GLOBEX-0001',
        },
        {
          id: 'u-gmember',
          email: 'member@globex.test',
          name: 'Globex Member',
          role: 'member',
          enrollmentCode: 'GLOBEX-0002',
        },
      ],
    },
  ],
};

export function manualClock(start = Date.parse('2026-11-21T12:00:00Z')): Clock & { advance(ms: number): void } {
  let now = start;
  return {
    now: () => now,
    advance(ms) {
      now += ms;
    },
  };
}

export interface TestContext {
  deps: Deps;
  store: Store;
  bus: Bus;
  clock: ReturnType<typeof manualClock>;
  app: ReturnType<typeof createApp>['app'];
  revokeUser: ReturnType<typeof createApp>['revokeUser'];
  /** Enrolls a device with a fixture code and returns its token. */
  enroll(code: string, deviceName?: string): Promise<{ token: string; deviceId: string }>;
  request(
    path: string,
    init?: {
      method?: string;
      token?: string;
      body?: unknown;
      headers?: Record<string, string>;
      /** The client's address, as the Node adapter would see it on the socket. */
      address?: string;
    },
  ): Promise<Response>;
  dispose(): Promise<void>;
}

export async function createTestContext(overrides: Partial<Deps> = {}): Promise<TestContext> {
  const dir = await mkdtemp(join(tmpdir(), 'ul-app-'));
  const store = overrides.store ?? (await createEmbeddedStore({ dataDir: dir }));
  const bus = overrides.bus ?? createMemoryBus();
  const clock = manualClock();
  const deps: Deps = { store, bus, clock, logger: silentLogger(), publicUrl: 'http://localhost:8787', ...overrides };
  await applyWorkspaceFile(store, parseWorkspaceFile(JSON.stringify(FIXTURE), 'fixture'), clock);
  const { app, revokeUser } = createApp(deps);

  const request: TestContext['request'] = (path, init = {}) => {
    const headers: Record<string, string> = { ...init.headers };
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    let body: string | undefined;
    if (init.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
    }
    const method = init.method ?? (body ? 'POST' : 'GET');
    // As the Node adapter passes it: the socket's address and Node's (lower-cased) headers.
    const env = init.address
      ? {
          incoming: {
            socket: { remoteAddress: init.address },
            headers: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value])),
          },
        }
      : undefined;
    return Promise.resolve(
      app.request(path, body === undefined ? { method, headers } : { method, headers, body }, env),
    );
  };

  return {
    deps,
    store,
    bus,
    clock,
    app,
    revokeUser,
    request,
    async enroll(code, deviceName) {
      const response = await request('/v1/device/enroll', { body: { code, ...(deviceName ? { deviceName } : {}) } });
      if (response.status !== 201) throw new Error(`enroll ${code}: ${response.status} ${await response.text()}`);
      return (await response.json()) as { token: string; deviceId: string };
    },
    async dispose() {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A listening server and an enrolled device connected to it over the live channel, caught up. */
export async function connectedDevice(t: TestContext, code: string) {
  const { startServer } = await import('./server.js');
  const { openTestSocket } = await import('./ws-client.js');
  const server = await startServer(t.deps, { port: 0, host: '127.0.0.1' });
  const device = await t.enroll(code);
  const socket = await openTestSocket(`${server.url.replace('http', 'ws')}/v1/device/ws`);
  socket.send({ type: 'hello', token: device.token });
  await socket.next((m) => m.type === 'ready');
  return {
    server,
    device,
    socket,
    close: async () => {
      socket.close();
      await server.close();
    },
  };
}

/** An HTTP answer as the front-door tests compare them: status, body and headers. */
export interface Answer {
  status: number;
  body: string;
  headers: Record<string, string>;
}

/** A response as an Answer, without what differs per response by nature (date, request id). */
export async function answerOf(response: Response): Promise<Answer> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => (headers[name] = value));
  delete headers.date;
  if (!/^[0-9a-f-]{36}$/.test(headers['x-request-id'] ?? '')) throw new Error('answer without a request id');
  delete headers['x-request-id'];
  return { status: response.status, body: await response.text(), headers };
}

/**
 * Two listening servers on the same deps, with one store method that can be made to fail: one
 * answers what its front doors take before the router (the plain poll, accepted GTR calls), the
 * other only through the router.
 */
export async function frontAndRouter(
  t: TestContext,
  options: { failing: keyof Store; when: () => boolean; seen?: (method: string | symbol) => void },
) {
  const { startServer } = await import('./server.js');
  const store = new Proxy(t.store, {
    get(target, name, receiver) {
      options.seen?.(name);
      if (name === options.failing && options.when()) {
        return () => Promise.reject(new AppError('ERR_STORE_UNAVAILABLE', 'store down'));
      }
      return Reflect.get(target, name, receiver) as unknown;
    },
  });
  const deps = { ...t.deps, store };
  const front = await startServer(deps, { port: 0, host: '127.0.0.1' });
  const router = await startServer(deps, { port: 0, host: '127.0.0.1', frontDoors: false });
  return {
    front,
    router,
    close: async () => {
      await front.close();
      await router.close();
    },
  };
}
