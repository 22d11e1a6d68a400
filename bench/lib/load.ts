import autocannon from 'autocannon';

export interface LoadResult {
  requestsPerSecond: number;
  /** Every run's req/s; `requestsPerSecond` and the latencies are the median run's. */
  runs?: number[];
  latencyMs: { p50: number; p90: number; p99: number };
  total: number;
  non2xx: number;
  errors: number;
}

/** Closed-loop HTTP load from this process (the server runs in another). */
export async function load(options: {
  url: string;
  headers?: Record<string, string>;
  connections: number;
  seconds: number;
}): Promise<LoadResult> {
  const result = await autocannon({
    url: options.url,
    headers: options.headers ?? {},
    connections: options.connections,
    duration: options.seconds,
  });
  return {
    // Total over wall time: autocannon's average is a mean of 1 s buckets, wrong for short runs.
    requestsPerSecond: Math.round(
      result.requests.total / ((new Date(result.finish).getTime() - new Date(result.start).getTime()) / 1000),
    ),
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99 },
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

/** Several runs, reported by the median run: one run on a shared 2-core machine varies ±30%. */
export async function loadMedian(options: Parameters<typeof load>[0] & { runs: number }): Promise<LoadResult> {
  const results: LoadResult[] = [];
  for (let i = 0; i < options.runs; i++) results.push(await load(options));
  const sorted = [...results].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  return { ...median, runs: results.map((r) => r.requestsPerSecond) };
}
