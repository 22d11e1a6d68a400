// Server benchmarks: device poll throughput, admin logout -> WebSocket delivery latency with
// 1,000 and 10,000 connected devices, memory per connected device; each against floors measured
// in the same run (a bare Hono route, a Redis round trip). Both stores.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { openTestSocket, type TestSocket } from '@universal-logout/server/testing';
import { call, enroll, wsUrl } from '../test/support/http.js';
import { fixtureFile, startServerProcess, type ServerProcess } from '../test/support/processes.js';
import { cleanUpPrefix, connectRedis, REDIS_URL, testPrefix } from '../test/support/redis.js';
import { indexes, inParallel } from '../test/support/sim-devices.js';
import { startBareServer } from './lib/bare.js';
import { loadMedian, type LoadResult } from './lib/load.js';
import { rssKiB } from './lib/rss.js';
import { benchWorkspace } from './lib/workspace.js';
import { ratio, summarize, type Summary } from './lib/stats.js';

export interface ServerBenchOptions {
  stores: ('embedded' | 'redis')[];
  deviceCounts: number[];
  pollSeconds: number;
  pollConnections: number;
  pollRuns: number;
  revocationsPerSecond: number;
  revocationSeconds: number;
}

interface StoreFigures {
  store: 'embedded' | 'redis';
  poll: LoadResult;
  delivery: { devices: number; latencyMs: Summary; lost: number; memoryPerDeviceKiB: number }[];
}

const log = (message: string) => process.stdout.write(`[bench] ${message}\n`);

async function floorHttp(options: ServerBenchOptions): Promise<LoadResult> {
  const bare = await startBareServer();
  try {
    return await loadMedian({
      url: `${bare.url}/bare`,
      connections: options.pollConnections,
      seconds: options.pollSeconds,
      runs: options.pollRuns,
    });
  } finally {
    bare.stop();
  }
}

async function floorRedis(): Promise<Summary> {
  const client = await connectRedis();
  for (let i = 0; i < 1000; i++) await client.ping();
  const samples: number[] = [];
  for (let i = 0; i < 10_000; i++) {
    const started = performance.now();
    await client.ping();
    samples.push(performance.now() - started);
  }
  await client.close();
  return summarize(samples);
}

async function measureDelivery(
  server: ServerProcess,
  ownerToken: string,
  sockets: TestSocket[],
  options: ServerBenchOptions,
): Promise<{ latencyMs: Summary; lost: number }> {
  const sentAt = new Map<string, number>();
  const arrivedAt = new Map<string, number>();
  const listeners = sockets.map((socket) => {
    const listener = (data: Buffer) => {
      const now = performance.now();
      const message = JSON.parse(data.toString()) as { type: string; event?: { id: string } };
      if (message.type === 'revocation' && message.event) arrivedAt.set(message.event.id, now);
    };
    socket.socket.on('message', listener);
    return listener;
  });
  const total = options.revocationsPerSecond * options.revocationSeconds;
  const interval = 1000 / options.revocationsPerSecond;
  const started = performance.now();
  const requests: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const target = Math.floor(Math.random() * sockets.length);
    const sent = performance.now();
    requests.push(
      call(server.url, `/v1/admin/users/u-${target}/logout`, {
        token: ownerToken,
        body: { reason: 'bench', confirm: `u${target}@bench.test` },
      }).then(({ status, body }) => {
        if (status !== 202) throw new Error(`logout answered ${status}`);
        sentAt.set(body.revocationId as string, sent);
      }),
    );
  }
  await Promise.all(requests);
  await sleep(2000);
  sockets.forEach((socket, i) => socket.socket.off('message', listeners[i]!));
  const latencies: number[] = [];
  let lost = 0;
  for (const [id, sent] of sentAt) {
    const arrived = arrivedAt.get(id);
    if (arrived === undefined) lost++;
    else latencies.push(arrived - sent);
  }
  return { latencyMs: summarize(latencies), lost };
}

async function benchStore(store: 'embedded' | 'redis', options: ServerBenchOptions): Promise<StoreFigures> {
  const maxDevices = Math.max(...options.deviceCounts);
  const prefix = testPrefix('bench');
  const env: Record<string, string> = {
    UL_CONFIG: await fixtureFile(benchWorkspace(maxDevices)),
    LOG_LEVEL: 'info',
    ...(store === 'redis'
      ? { REDIS_URL, REDIS_PREFIX: prefix }
      : { DATA_DIR: await mkdtemp(join(tmpdir(), 'ul-bench-')) }),
  };
  log(`${store}: starting the server with ${maxDevices} users`);
  const server = await startServerProcess(env);
  try {
    const owner = await enroll(server.url, 'BENCH-OWNER');
    log(`${store}: enrolling ${maxDevices} devices`);
    const devices = await inParallel(indexes(maxDevices), 32, (i) => enroll(server.url, `BENCH-${i}`));

    const first = await call(server.url, '/v1/device/revocations', { token: devices[0]!.token });
    log(`${store}: device poll, nothing new`);
    const poll = await loadMedian({
      url: `${server.url}/v1/device/revocations?after=${String(first.body.cursor)}`,
      headers: { authorization: `Bearer ${devices[0]!.token}` },
      connections: options.pollConnections,
      seconds: options.pollSeconds,
      runs: options.pollRuns,
    });

    const delivery: StoreFigures['delivery'] = [];
    const sockets: TestSocket[] = [];
    await sleep(500);
    const baseRss = rssKiB(server.pid);
    for (const count of [...options.deviceCounts].sort((a, b) => a - b)) {
      log(`${store}: connecting ${count} devices`);
      const fresh = await inParallel(indexes(count - sockets.length), 64, async (i) => {
        const socket = await openTestSocket(wsUrl(server.url));
        socket.send({ type: 'hello', token: devices[sockets.length + i]!.token });
        await socket.next((m) => m.type === 'ready', 30_000);
        return socket;
      });
      sockets.push(...fresh);
      await sleep(1000);
      const memoryPerDeviceKiB = Math.round(((rssKiB(server.pid) - baseRss) / count) * 10) / 10;
      log(
        `${store}: ${options.revocationsPerSecond} revocations/s for ${options.revocationSeconds} s to ${count} devices`,
      );
      const measured = await measureDelivery(server, owner.token, sockets, options);
      delivery.push({ devices: count, ...measured, memoryPerDeviceKiB });
    }
    for (const socket of sockets) socket.close();
    return { store, poll, delivery };
  } finally {
    await server.stop();
    if (store === 'redis') {
      await cleanUpPrefix(prefix);
    }
  }
}

export async function runServerBench(options: ServerBenchOptions) {
  log('floor: bare Hono route');
  const bareHttp = await floorHttp(options);
  log('floor: Redis round trip (PING)');
  const redisRtt = await floorRedis();
  const stores: StoreFigures[] = [];
  for (const store of options.stores) stores.push(await benchStore(store, options));
  return {
    floors: { bareHttp, redisRttMs: redisRtt },
    stores: stores.map((figures) => ({
      ...figures,
      pollRatioToBareHttp: ratio(figures.poll.requestsPerSecond, bareHttp.requestsPerSecond),
      delivery: figures.delivery.map((d) => ({
        ...d,
        p50RatioToRedisRtt: ratio(d.latencyMs.p50, redisRtt.p50),
      })),
    })),
  };
}
