// `pnpm bench`: runs the benchmarks and writes bench/results/<part>.json and .md.
import { writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { runServerBench } from './server.js';
import { serverMarkdown } from './report.js';

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
