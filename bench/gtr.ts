// Okta Global Token Revocation under load: real RS256 tokens, a fresh jti each, on both stores.
// Floors in the same run: raw RS256 verifications per second with jose in this process, and a
// bare Hono route taking the same requests from the same load generator.
//
// The load comes from wrk (C, one thread) with bench/lib/gtr.lua: autocannon, building each
// request in JavaScript, spent ~200 µs of CPU a request on these 2 cores and could not send 5,000
// a second even to a server that did nothing (docs/performance.md); and its `overallRate` sends
// each second's quota at once, so its "1,000/s" was a burst a second (and reached 908/s). The
// paced run takes one slot of a fixed schedule per request instead.
import { execFile, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { startFakeOkta, type FakeOkta } from '@universal-logout/server/testing';
import { fixtureFile, freePort, startServerProcess } from '../test/support/processes.js';
import { cleanUpPrefix, connectRedis, REDIS_URL, testPrefix } from '../test/support/redis.js';
import { startBareServer } from './lib/bare.js';
import { ratio } from './lib/stats.js';

export interface GtrBenchOptions {
  stores: ('embedded' | 'redis')[];
  throughputRequests: number;
  /** Closed-loop runs per store: the median run is reported, with every run's rate. */
  throughputRuns: number;
  rate: number;
  rateRequests: number;
}

const USERS = 1000;
const APP = '0oa-bench-app';
const CONNECTIONS = 32;
const PATH = '/okta/bench/global-token-revocation';
const WRK_SCRIPT = 'bench/lib/gtr.lua';
const log = (message: string) => process.stdout.write(`[bench] ${message}\n`);
const run = promisify(execFile);

interface Run {
  requestsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  total: number;
  non2xx: number;
  errors: number;
  /** The server process's CPU time (user + system) per request, µs: what one call costs it. */
  serverCpuUsPerRequest?: number;
  /** redis-server's CPU time per request, µs (Redis store only): it runs on the same two cores. */
  redisCpuUsPerRequest?: number;
  /** Closed loop: every run's rate, in the order run (the figures above are the median run's). */
  runs?: number[];
}

const email = (index: number) => `u${index % USERS}@bench.test`;

/** CPU time (user + system) a process has used so far, in ms (Linux /proc, 100 ticks a second). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function requireWrk(): Promise<void> {
  // wrk prints its version and usage, then exits 1; a missing wrk fails to spawn (ENOENT).
  const printed = await run('wrk', ['--version']).then(
    ({ stdout }) => stdout,
    (error: unknown) => (error as { stdout?: string }).stdout ?? '',
  );
  if (!printed.includes('wrk')) {
    throw new Error('the GTR benchmark needs wrk: run `bash scripts/bootstrap.sh --bench` (apt-get install wrk)');
  }
}

/**
 * Runs wrk and returns what it printed. Its one load thread stops itself after the last counted
 * call, but wrk's main thread sleeps out the whole -d duration: once the load thread is gone,
 * SIGINT makes wrk print its summary and exit (as Ctrl-C does).
 */
async function runWrk(args: string[]): Promise<string> {
  const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  const watch = setInterval(() => {
    try {
      if (child.pid !== undefined && readdirSync(`/proc/${child.pid}/task`).length === 1) child.kill('SIGINT');
    } catch {
      // Gone already.
    }
  }, 50);
  try {
    const code = await exited;
    if (code !== 0) throw new Error(`wrk exited with ${String(code)}: ${stdout}`);
  } finally {
    clearInterval(watch);
  }
  return stdout;
}

/**
 * wrk with CONNECTIONS connections until `count` calls are answered: a closed loop, or with
 * `rate`, one request every 1/rate s. The rate reported is those calls over the time from the
 * first request to the last answer (gtr.lua's own clock).
 */
async function fireWrk(
  url: string,
  tokens: string[],
  count: number,
  { rate = 0, pid, redisPid }: { rate?: number; pid?: number; redisPid?: number | undefined } = {},
): Promise<Run> {
  if (tokens.length < count + CONNECTIONS) throw new Error('fireWrk needs CONNECTIONS more tokens than calls');
  const dir = await mkdtemp(join(tmpdir(), 'ul-bench-gtr-'));
  const file = join(dir, 'tokens.tsv');
  await writeFile(file, tokens.map((token, i) => `${token}\t${email(i)}\n`).join(''));
  const before = pid === undefined ? 0 : cpuMs(pid);
  const redisBefore = redisPid === undefined ? 0 : cpuMs(redisPid);
  const stdout = await runWrk([
    '-t1',
    `-c${CONNECTIONS}`,
    '-d600s',
    '--timeout',
    '10s',
    '-s',
    WRK_SCRIPT,
    url,
    '--',
    file,
    PATH,
    String(count),
    String(rate),
  ]);
  const after = pid === undefined ? 0 : cpuMs(pid);
  const redisAfter = redisPid === undefined ? 0 : cpuMs(redisPid);
  const summary = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Record<
    'responses' | 'elapsedUs' | 'p50' | 'p90' | 'p99' | 'max' | 'status' | 'connect' | 'read' | 'write' | 'timeout',
    number
  >;
  if (summary.responses < count) throw new Error(`wrk stopped after ${summary.responses} of ${count} calls`);
  const ms = (us: number) => Math.round(us / 100) / 10;
  return {
    requestsPerSecond: Math.round(count / (summary.elapsedUs / 1e6)),
    latencyMs: { p50: ms(summary.p50), p90: ms(summary.p90), p99: ms(summary.p99), max: ms(summary.max) },
    total: count,
    non2xx: summary.status,
    errors: summary.connect + summary.read + summary.write + summary.timeout,
    // Includes the calls still in flight when wrk stopped (at most CONNECTIONS more).
    ...(pid === undefined ? {} : { serverCpuUsPerRequest: Math.round(((after - before) * 1000) / count) }),
    ...(redisPid === undefined
      ? {}
      : { redisCpuUsPerRequest: Math.round(((redisAfter - redisBefore) * 1000) / count) }),
  };
}

async function verifyFloor(okta: FakeOkta, tokens: string[], audience: string) {
  const jwks = createLocalJWKSet((await (await fetch(okta.jwksUri)).json()) as { keys: [] });
  const options = { issuer: okta.issuer, audience, algorithms: ['RS256'] };
  const sample = tokens.slice(0, 4000);
  let started = performance.now();
  for (const token of sample) await jwtVerify(token, jwks, options);
  const sequential = Math.round(sample.length / ((performance.now() - started) / 1000));
  started = performance.now();
  for (let i = 0; i < sample.length; i += 64)
    await Promise.all(sample.slice(i, i + 64).map((token) => jwtVerify(token, jwks, options)));
  const concurrent = Math.round(sample.length / ((performance.now() - started) / 1000));
  return { sequential, concurrent64: concurrent };
}

/** Signs `count` GTR tokens, 64 at a time (WebCrypto spreads them over the thread pool). */
async function signTokens(okta: FakeOkta, audience: string, count: number): Promise<string[]> {
  const tokens: string[] = [];
  while (tokens.length < count) {
    const batch = Math.min(64, count - tokens.length);
    tokens.push(
      ...(await Promise.all(
        Array.from({ length: batch }, () => okta.sign({ audience, subject: APP, now: Date.now() })),
      )),
    );
  }
  return tokens;
}

/** The pid of the redis-server at REDIS_URL (it runs on this machine). */
async function redisPid(): Promise<number> {
  const client = await connectRedis();
  try {
    const pid = /process_id:(\d+)/.exec(await client.info('server'))?.[1];
    if (!pid) throw new Error('redis INFO has no process_id');
    return Number(pid);
  } finally {
    await client.close();
  }
}

/** The run with the median rate, with every run's rate in order. */
function medianRun(runs: Run[]): Run {
  const sorted = [...runs].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond);
  const median = sorted[Math.floor((sorted.length - 1) / 2)];
  if (!median) throw new Error('no runs');
  return { ...median, runs: runs.map((run) => run.requestsPerSecond) };
}

export async function runGtrBench(options: GtrBenchOptions) {
  await requireWrk();
  const okta = await startFakeOkta('https://bench.okta.test');
  const results = [];
  // One port for every store's server in turn: the tokens' audience names it, so one signing
  // serves all. Each store has its own jti memory (own data directory, own key prefix).
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const audience = `${publicUrl}${PATH}`;
  const closedLoop = options.throughputRequests + CONNECTIONS;
  const paced = options.rateRequests + CONNECTIONS;
  const total = closedLoop * options.throughputRuns + paced;
  try {
    log(`gtr: signing ${total} RS256 tokens`);
    const tokens = await signTokens(okta, audience, total);
    const slice = (run: number) => tokens.slice(run * closedLoop, (run + 1) * closedLoop);
    const pacedTokens = tokens.slice(closedLoop * options.throughputRuns);
    const floor = await verifyFloor(okta, tokens, audience);
    log(`floor: a bare Hono route taking ${options.throughputRequests} GTR-shaped calls from wrk`);
    const bare = await startBareServer();
    let bareHttp: Run;
    try {
      bareHttp = await fireWrk(bare.url, slice(0), options.throughputRequests, { pid: bare.pid });
    } finally {
      bare.stop();
    }

    for (const store of options.stores) {
      const prefix = testPrefix('bench-gtr');
      const workspace = {
        workspaces: [
          {
            id: 'bench',
            name: 'Bench',
            okta: { issuer: okta.issuer, appInstanceId: APP, jwksUri: okta.jwksUri },
            users: Array.from({ length: USERS }, (_, i) => ({
              id: `u-${i}`,
              email: email(i),
              name: `User ${i}`,
            })),
          },
        ],
      };
      const server = await startServerProcess({
        PORT: String(port),
        PUBLIC_URL: publicUrl,
        UL_CONFIG: await fixtureFile(workspace),
        LOG_LEVEL: 'info',
        ...(store === 'redis'
          ? { REDIS_URL, REDIS_PREFIX: prefix }
          : { DATA_DIR: await mkdtemp(join(tmpdir(), 'ul-bench-gtr-')) }),
      });
      try {
        const redis = store === 'redis' ? await redisPid() : undefined;
        const runs: Run[] = [];
        for (let run = 0; run < options.throughputRuns; run++) {
          log(
            `gtr ${store}: ${options.throughputRequests} requests, closed loop (wrk), ${CONNECTIONS} connections, run ${run + 1}/${options.throughputRuns}`,
          );
          runs.push(
            await fireWrk(server.url, slice(run), options.throughputRequests, { pid: server.pid, redisPid: redis }),
          );
        }
        log(`gtr ${store}: ${options.rateRequests} requests at ${options.rate}/s (wrk, paced)`);
        const pacedRun = await fireWrk(server.url, pacedTokens, options.rateRequests, { rate: options.rate });
        results.push({ store, throughput: medianRun(runs), paced: pacedRun });
      } finally {
        await server.stop();
        if (store === 'redis') {
          await cleanUpPrefix(prefix);
        }
      }
    }
    return {
      rate: options.rate,
      floors: { rs256VerificationsPerSecond: floor, bareHttp },
      stores: results.map((r) => ({
        ...r,
        throughputRatioToVerifySequential: ratio(r.throughput.requestsPerSecond, floor.sequential),
        throughputRatioToVerifyConcurrent: ratio(r.throughput.requestsPerSecond, floor.concurrent64),
        throughputRatioToBareHttp: ratio(r.throughput.requestsPerSecond, bareHttp.requestsPerSecond),
      })),
    };
  } finally {
    await okta.close();
  }
}
