// `pnpm bench:soak`: two server instances on one Redis (its own redis-server, AOF on), 10,000
// connected devices split between them, steady admin logouts through both for 10 minutes.
// Every revocation must reach its user's device (zero lost) and the servers' memory stay flat.
// Writes bench/results/soak.json and soak.md. Not part of CI: it runs for minutes.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { call, enroll } from '../test/support/http.js';
import { fixtureFile, freePort, startRedisProcess, startServerProcess } from '../test/support/processes.js';
import { indexes, inParallel, SimDevice } from '../test/support/sim-devices.js';
import { rssKiB } from './lib/rss.js';
import { benchWorkspace } from './lib/workspace.js';
import { summarize, type Summary } from './lib/stats.js';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '10000' },
    minutes: { type: 'string', default: '10' },
    rate: { type: 'string', default: '20' },
    out: { type: 'string', default: 'bench/results' },
  },
});
const positive = (name: string, text: string) => {
  const value = Number(text);
  if (!(value > 0)) throw new Error(`--${name} must be positive, got ${text}`);
  return value;
};
const DEVICES = positive('devices', values.devices);
const MINUTES = positive('minutes', values.minutes);
const RATE = positive('rate', values.rate);
const log = (message: string) => process.stdout.write(`[soak] ${new Date().toISOString().slice(11, 19)} ${message}\n`);

const redis = await startRedisProcess({ appendonly: true, dir: await mkdtemp(join(tmpdir(), 'ul-soak-redis-')) });
const env = { REDIS_URL: redis.url, UL_CONFIG: await fixtureFile(benchWorkspace(DEVICES)), LOG_LEVEL: 'warn' };
log(`two instances on ${redis.url}`);
const servers = [
  await startServerProcess({ ...env, PORT: String(await freePort()) }),
  await startServerProcess({ ...env, PORT: String(await freePort()) }),
];
const [a, b] = servers as [(typeof servers)[0], (typeof servers)[0]];

try {
  const owner = await enroll(a.url, 'BENCH-OWNER');
  log(`enrolling ${DEVICES} devices`);
  const devices = await inParallel(indexes(DEVICES), 32, async (i) => {
    const server = i % 2 === 0 ? a : b;
    const { token } = await enroll(server.url, `BENCH-${i}`);
    return new SimDevice(() => server.url, token);
  });
  log('connecting them, half to each instance');
  for (const [i, device] of devices.entries()) {
    device.goOnline();
    if (i % 500 === 499) await sleep(50);
  }
  while (!devices.every((device) => device.connected)) await sleep(200);
  await sleep(2000);

  const memory: { second: number; a: number; b: number }[] = [];
  const started = performance.now();
  const sampler = setInterval(() => {
    memory.push({
      second: Math.round((performance.now() - started) / 1000),
      a: Math.round(rssKiB(a.pid) / 1024),
      b: Math.round(rssKiB(b.pid) / 1024),
    });
  }, 10_000);
  memory.push({ second: 0, a: Math.round(rssKiB(a.pid) / 1024), b: Math.round(rssKiB(b.pid) / 1024) });

  const sent = new Map<string, { user: number; at: number }>();
  const total = Math.round(RATE * MINUTES * 60);
  const interval = 1000 / RATE;
  let failures = 0;
  log(`${RATE} logouts/s for ${MINUTES} min (${total}), alternating instances`);
  const requests: Promise<void>[] = [];
  for (let n = 0; n < total; n++) {
    const wait = started + n * interval - performance.now();
    if (wait > 0) await sleep(wait);
    const user = Math.floor(Math.random() * DEVICES);
    const at = performance.now();
    requests.push(
      call(n % 2 === 0 ? a.url : b.url, `/v1/admin/users/u-${user}/logout`, {
        token: owner.token,
        body: { reason: 'soak', confirm: `u${user}@bench.test` },
      }).then(
        ({ status, body }) => {
          if (status === 202) sent.set(String(body.revocationId), { user, at });
          else failures++;
        },
        () => {
          failures++;
        },
      ),
    );
    if (n % (RATE * 60) === 0 && n > 0) log(`${n / RATE / 60} min: ${sent.size} logouts acknowledged`);
  }
  await Promise.all(requests);
  log('draining for 10 s');
  await sleep(10_000);
  clearInterval(sampler);

  // Delivery latency is read from each device's first sight of the revocation.
  let lost = 0;
  let duplicates = 0;
  let enforced = 0;
  const latencies: number[] = [];
  for (const [id, { user, at }] of sent) {
    const device = devices[user]!;
    const count = device.deliveries.get(id) ?? 0;
    const seen = device.firstSeenAt.get(id);
    if (seen !== undefined) latencies.push(seen - at);
    if (count === 0) lost++;
    if (count > 1) duplicates++;
    if (device.enforced.includes(id)) enforced++;
  }
  const minuteMedian = (from: number, to: number, key: 'a' | 'b') => {
    const window = memory.filter((sample) => sample.second >= from && sample.second < to).map((s) => s[key]);
    return window.length ? summarize(window).p50 : Number.NaN;
  };
  const duration = MINUTES * 60;
  const flat = (['a', 'b'] as const).map((key) => {
    const first = minuteMedian(60, 120, key);
    const last = minuteMedian(duration - 60, duration + 30, key);
    return {
      instance: key,
      firstMinuteMiB: first,
      lastMinuteMiB: last,
      growthPercent: Math.round(((last - first) / first) * 1000) / 10,
    };
  });
  const latency: Summary | null = latencies.length ? summarize(latencies) : null;
  const result = {
    machine: {
      date: new Date().toISOString(),
      node: process.version,
      cpus: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      command: `pnpm bench:soak ${process.argv.slice(2).join(' ')}`.trim(),
    },
    devices: DEVICES,
    minutes: MINUTES,
    ratePerSecond: RATE,
    logoutsSent: total,
    logoutsAcknowledged: sent.size,
    logoutFailures: failures,
    lostDeliveries: lost,
    duplicateDeliveries: duplicates,
    enforcedReceipts: enforced,
    memory: flat,
    memorySamplesMiB: memory,
    latency,
  };
  await writeFile(join(values.out, 'soak.json'), `${JSON.stringify(result, null, 2)}\n`);
  await writeFile(
    join(values.out, 'soak.md'),
    [
      '# Soak results',
      '',
      `${result.machine.date} · Node ${result.machine.node} · ${result.machine.cpus} · ${result.machine.memoryGiB} GiB · \`${result.machine.command}\``,
      '',
      `Two server instances on one Redis (AOF on), ${DEVICES} devices connected (half to each), ${RATE} admin logouts/s through both for ${MINUTES} min.`,
      '',
      '| logouts acknowledged | failed | lost deliveries | duplicate deliveries | enforced (receipts) |',
      '|---|---|---|---|---|',
      `| ${sent.size} of ${total} | ${failures} | ${lost} | ${duplicates} | ${enforced} |`,
      '',
      latency
        ? `Logout request sent -> revocation at the device: p50 ${latency.p50} ms, p90 ${latency.p90} ms, p99 ${latency.p99} ms, max ${latency.max} ms (n = ${latency.n}).`
        : 'No deliveries measured.',
      '',
      '| instance | RSS, median of minute 2 (MiB) | RSS, median of the last minute (MiB) | growth |',
      '|---|---|---|---|',
      ...flat.map((f) => `| ${f.instance} | ${f.firstMinuteMiB} | ${f.lastMinuteMiB} | ${f.growthPercent} % |`),
      '',
      `Memory samples every 10 s (MiB, instance a / b): ${memory.map((m) => `${m.a}/${m.b}`).join(' ')}`,
      '',
    ].join('\n'),
  );
  log(`done: ${sent.size} acknowledged, ${lost} lost, ${duplicates} duplicates, memory ${JSON.stringify(flat)}`);
  for (const device of devices) device.goOffline();
} finally {
  await Promise.all(servers.map((server) => server.stop()));
  await redis.stop();
}
