// Okta Global Token Revocation under load: real RS256 tokens, a fresh jti each, on both stores.
// Floor: raw RS256 verifications per second with jose in this process, the same run.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { startFakeOkta, type FakeOkta } from '@universal-logout/server/testing';
import { fixtureFile, freePort, startServerProcess } from '../test/support/processes.js';
import { cleanUpPrefix, REDIS_URL, testPrefix } from '../test/support/redis.js';
import { ratio } from './lib/stats.js';

export interface GtrBenchOptions {
  stores: ('embedded' | 'redis')[];
  throughputRequests: number;
  rate: number;
  rateRequests: number;
}

const USERS = 1000;
const APP = '0oa-bench-app';
const log = (message: string) => process.stdout.write(`[bench] ${message}\n`);

interface Run {
  requestsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  total: number;
  non2xx: number;
  errors: number;
}

async function fire(
  url: string,
  tokens: string[],
  options: { amount: number; connections: number; rate?: number },
): Promise<Run> {
  let next = 0;
  const result = await autocannon({
    url,
    connections: options.connections,
    amount: options.amount,
    ...(options.rate ? { overallRate: options.rate } : {}),
    requests: [
      {
        method: 'POST',
        setupRequest: (request) => {
          const index = next++;
          return {
            ...request,
            headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[index % tokens.length]!}` },
            body: JSON.stringify({ sub_id: { format: 'email', email: `u${index % USERS}@bench.test` } }),
          };
        },
      },
    ],
  });
  return {
    // Total over wall time: autocannon's average is a mean of 1 s buckets, wrong for short runs.
    requestsPerSecond: Math.round(
      result.requests.total / ((new Date(result.finish).getTime() - new Date(result.start).getTime()) / 1000),
    ),
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
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

export async function runGtrBench(options: GtrBenchOptions) {
  const okta = await startFakeOkta('https://bench.okta.test');
  const results = [];
  let floor: Awaited<ReturnType<typeof verifyFloor>> | null = null;
  try {
    for (const store of options.stores) {
      const port = await freePort();
      const publicUrl = `http://127.0.0.1:${port}`;
      const audience = `${publicUrl}/okta/bench/global-token-revocation`;
      const total = options.throughputRequests + options.rateRequests;
      log(`gtr ${store}: signing ${total} RS256 tokens`);
      const tokens: string[] = [];
      for (let i = 0; i < total; i++) tokens.push(await okta.sign({ audience, subject: APP, now: Date.now() }));
      floor ??= await verifyFloor(okta, tokens, audience);

      const prefix = testPrefix('bench-gtr');
      const workspace = {
        workspaces: [
          {
            id: 'bench',
            name: 'Bench',
            okta: { issuer: okta.issuer, appInstanceId: APP, jwksUri: okta.jwksUri },
            users: Array.from({ length: USERS }, (_, i) => ({
              id: `u-${i}`,
              email: `u${i}@bench.test`,
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
        const url = `${server.url}/okta/bench/global-token-revocation`;
        log(`gtr ${store}: ${options.throughputRequests} requests, closed loop, 32 connections`);
        const throughput = await fire(url, tokens.slice(0, options.throughputRequests), {
          amount: options.throughputRequests,
          connections: 32,
        });
        log(`gtr ${store}: ${options.rateRequests} requests at ${options.rate}/s`);
        const paced = await fire(url, tokens.slice(options.throughputRequests), {
          amount: options.rateRequests,
          connections: 32,
          rate: options.rate,
        });
        results.push({ store, throughput, paced });
      } finally {
        await server.stop();
        if (store === 'redis') {
          await cleanUpPrefix(prefix);
        }
      }
    }
  } finally {
    await okta.close();
  }
  const verify = floor ?? { sequential: 0, concurrent64: 0 };
  return {
    rate: options.rate,
    floors: { rs256VerificationsPerSecond: verify },
    stores: results.map((r) => ({
      ...r,
      throughputRatioToVerifySequential: ratio(r.throughput.requestsPerSecond, verify.sequential),
      throughputRatioToVerifyConcurrent: ratio(r.throughput.requestsPerSecond, verify.concurrent64),
    })),
  };
}
