import type { runServerBench } from './server.js';

type ServerResult = Awaited<ReturnType<typeof runServerBench>> & {
  machine: { date: string; node: string; cpus: string; memoryGiB: number; command: string };
};

/** The figures as the Markdown tables docs/performance.md quotes. */
export function serverMarkdown(r: ServerResult): string {
  const lines = [
    `# Server benchmark results`,
    '',
    `${r.machine.date} · Node ${r.machine.node} · ${r.machine.cpus} · ${r.machine.memoryGiB} GiB · \`${r.machine.command}\``,
    '',
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
