// `pnpm bench`: runs the benchmarks and writes bench/results/<part>.json and .md.
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { runBrowserBench } from './browser.js';
import { runGtrBench } from './gtr.js';
import { browserMarkdown, gtrMarkdown, serverMarkdown } from './report.js';
import { runServerBench } from './server.js';

const { values } = parseArgs({
  options: {
    stores: { type: 'string', default: 'embedded,redis' },
    devices: { type: 'string', default: '1000,10000' },
    'poll-seconds': { type: 'string', default: '10' },
    'poll-connections': { type: 'string', default: '32' },
    'poll-runs': { type: 'string', default: '3' },
    rate: { type: 'string', default: '100' },
    'revocation-seconds': { type: 'string', default: '10' },
    out: { type: 'string', default: 'bench/results' },
    parts: { type: 'string', default: 'server,gtr,browser' },
    rounds: { type: 'string', default: '20' },
    'gtr-requests': { type: 'string', default: '20000' },
    'gtr-runs': { type: 'string', default: '3' },
    'gtr-rate': { type: 'string', default: '1000' },
    'gtr-rate-requests': { type: 'string', default: '10000' },
  },
});

const positive = (name: string, text: string) => {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer, got ${text}`);
  return value;
};

const stores = values.stores.split(',').map((store) => {
  if (store !== 'embedded' && store !== 'redis') throw new Error(`--stores: unknown store ${store}`);
  return store;
});

const machine = {
  date: new Date().toISOString(),
  node: process.version,
  cpus: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  command: `pnpm bench ${process.argv.slice(2).join(' ')}`.trim(),
};

const parts = new Set(values.parts.split(','));
for (const part of parts)
  if (!['server', 'gtr', 'browser'].includes(part)) throw new Error(`--parts: unknown part ${part}`);
// Before minutes of measuring, not after: a missing folder would lose the figures.
await mkdir(values.out, { recursive: true });

if (parts.has('server')) {
  const server = await runServerBench({
    stores,
    deviceCounts: values.devices.split(',').map((n) => positive('devices', n)),
    pollSeconds: positive('poll-seconds', values['poll-seconds']),
    pollConnections: positive('poll-connections', values['poll-connections']),
    pollRuns: positive('poll-runs', values['poll-runs']),
    revocationsPerSecond: positive('rate', values.rate),
    revocationSeconds: positive('revocation-seconds', values['revocation-seconds']),
  });
  const result = { machine, ...server };
  await writeFile(`${values.out}/server.json`, `${JSON.stringify(result, null, 2)}\n`);
  const markdown = serverMarkdown(result);
  await writeFile(`${values.out}/server.md`, markdown);
  process.stdout.write(`\n${markdown}`);
}

if (parts.has('gtr')) {
  const gtr = await runGtrBench({
    stores,
    throughputRequests: positive('gtr-requests', values['gtr-requests']),
    throughputRuns: positive('gtr-runs', values['gtr-runs']),
    rate: positive('gtr-rate', values['gtr-rate']),
    rateRequests: positive('gtr-rate-requests', values['gtr-rate-requests']),
  });
  const result = { machine, ...gtr };
  await writeFile(`${values.out}/gtr.json`, `${JSON.stringify(result, null, 2)}\n`);
  const markdown = gtrMarkdown(result);
  await writeFile(`${values.out}/gtr.md`, markdown);
  process.stdout.write(`\n${markdown}`);
}

if (parts.has('browser')) {
  const browser = await runBrowserBench({ rounds: positive('rounds', values.rounds) });
  const result = { machine, ...browser };
  await writeFile(`${values.out}/browser.json`, `${JSON.stringify(result, null, 2)}\n`);
  const markdown = browserMarkdown(result);
  await writeFile(`${values.out}/browser.md`, markdown);
  process.stdout.write(`\n${markdown}`);
}
