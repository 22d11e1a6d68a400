import type { runBrowserBench } from './browser.js';
import type { runGtrBench } from './gtr.js';
import type { runServerBench } from './server.js';

interface Machine {
  machine: { date: string; node: string; cpus: string; memoryGiB: number; command: string };
}
type ServerResult = Awaited<ReturnType<typeof runServerBench>> & Machine;
type GtrResult = Awaited<ReturnType<typeof runGtrBench>> & Machine;
type BrowserResult = Awaited<ReturnType<typeof runBrowserBench>> & Machine;

const header = (title: string, r: Machine) => [
  `# ${title}`,
  '',
  `${r.machine.date} · Node ${r.machine.node} · ${r.machine.cpus} · ${r.machine.memoryGiB} GiB · \`${r.machine.command}\``,
  '',
];

export function gtrMarkdown(r: GtrResult): string {
  const f = r.floors.rs256VerificationsPerSecond;
  const bare = r.floors.bareHttp;
  return [
    ...header('Okta Global Token Revocation benchmark results', r),
    'Real RS256 tokens from a local JWKS, a fresh `jti` each, 1,000 users, every call a logout (204).',
    '',
    '## Floors (same run)',
    '',
    '| floor | figure |',
    '|---|---|',
    `| RS256 verifications with jose in one process | ${f.sequential}/s one at a time, ${f.concurrent64}/s 64 at a time |`,
    `| bare Hono route taking the same calls from wrk (reads the body, answers 204) | ${bare.requestsPerSecond} req/s, p50 ${bare.latencyMs.p50} ms, p99 ${bare.latencyMs.p99} ms, ${bare.serverCpuUsPerRequest ?? '?'} µs of server CPU a call |`,
    '',
    '## Throughput (closed loop: wrk, 32 connections; the median run, every run listed)',
    '',
    '| store | requests a run | req/s | runs | ratio to verify (1 at a time) | ratio to verify (64 at a time) | ratio to bare route | server CPU µs/call | redis-server CPU µs/call | p50 ms | p99 ms | non-2xx |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...r.stores.map(
      (s) =>
        `| ${s.store} | ${s.throughput.total} | ${s.throughput.requestsPerSecond} | ${(s.throughput.runs ?? []).join(', ')} | ${s.throughputRatioToVerifySequential} | ${s.throughputRatioToVerifyConcurrent} | ${s.throughputRatioToBareHttp} | ${s.throughput.serverCpuUsPerRequest ?? '?'} | ${s.throughput.redisCpuUsPerRequest ?? '-'} | ${s.throughput.latencyMs.p50} | ${s.throughput.latencyMs.p99} | ${s.throughput.non2xx} |`,
    ),
    '',
    '## Latency at a fixed rate (wrk, 32 connections, one request every 1/rate s)',
    '',
    '| store | requests | target rate | achieved req/s | p50 ms | p90 ms | p99 ms | max ms | non-2xx |',
    '|---|---|---|---|---|---|---|---|---|',
    ...r.stores.map(
      (s) =>
        `| ${s.store} | ${s.paced.total} | ${r.rate}/s | ${s.paced.requestsPerSecond} | ${s.paced.latencyMs.p50} | ${s.paced.latencyMs.p90} | ${s.paced.latencyMs.p99} | ${s.paced.latencyMs.max} | ${s.paced.non2xx} |`,
    ),
    '',
  ].join('\n');
}

/** The figures as the Markdown tables docs/performance.md quotes. */
export function serverMarkdown(r: ServerResult): string {
  const lines = [
    ...header('Server benchmark results', r),
    '## Floors (same run)',
    '',
    '| floor | figure |',
    '|---|---|',
    `| bare Hono route (\`@hono/node-server\`, same load) | ${r.floors.bareHttp.requestsPerSecond} req/s (runs: ${(r.floors.bareHttp.runs ?? []).join(', ')}), p50 ${r.floors.bareHttp.latencyMs.p50} ms, p99 ${r.floors.bareHttp.latencyMs.p99} ms |`,
    `| Redis round trip (PING, sequential) | p50 ${r.floors.redisRttMs.p50} ms, p99 ${r.floors.redisRttMs.p99} ms |`,
    '',
    '## Device poll with nothing new (`GET /v1/device/revocations?after=<latest>`)',
    '',
    '| store | req/s (median run) | runs | ratio to bare Hono | p50 ms | p99 ms | non-2xx |',
    '|---|---|---|---|---|---|---|',
    ...r.stores.map(
      (s) =>
        `| ${s.store} | ${s.poll.requestsPerSecond} | ${(s.poll.runs ?? []).join(', ')} | ${s.pollRatioToBareHttp} | ${s.poll.latencyMs.p50} | ${s.poll.latencyMs.p99} | ${s.poll.non2xx} |`,
    ),
    '',
    '## Admin logout → WebSocket delivery',
    '',
    'From sending `POST /v1/admin/users/{id}/logout` to the revocation message arriving on the device socket.',
    '',
    '| store | devices connected | samples | p50 ms | p90 ms | p99 ms | max ms | p50 / Redis RTT | lost | server memory per device |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...r.stores.flatMap((s) =>
      s.delivery.map(
        (d) =>
          `| ${s.store} | ${d.devices} | ${d.latencyMs.n} | ${d.latencyMs.p50} | ${d.latencyMs.p90} | ${d.latencyMs.p99} | ${d.latencyMs.max} | ${d.p50RatioToRedisRtt} | ${d.lost} | ${d.memoryPerDeviceKiB} KiB |`,
      ),
    ),
    '',
  ];
  return lines.join('\n');
}

export function browserMarkdown(r: BrowserResult): string {
  const l = r.latencyMs;
  return [
    ...header('Browser benchmark results', r),
    'From the admin’s `POST /v1/admin/users/{id}/logout` to every CRM cookie gone in Chromium (production build of the extension, live WebSocket) and the device’s receipt stored.',
    '',
    '| rounds | p50 ms | p90 ms | p99 ms | min ms | max ms | floor: one check, p50 ms | p50 / floor |',
    '|---|---|---|---|---|---|---|---|',
    `| ${r.rounds} | ${l.p50} | ${l.p90} | ${l.p99} | ${l.min} | ${l.max} | ${r.checkMs.p50} | ${r.p50RatioToCheck} |`,
    '',
    'The floor is one measurement step (reading the cookies through the extension and the receipt from the store): the resolution of the figure.',
    '',
  ].join('\n');
}
