import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import type { RedisClient } from '@universal-logout/server';

/** The Redis on 127.0.0.1:6379 that scripts/bootstrap.sh starts, or REDIS_URL. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A key prefix of its own, so suites and runs never see each other's data. */
export const testPrefix = (suite: string) => `test:${suite}:${randomBytes(4).toString('hex')}:`;

export async function connectRedis(url = REDIS_URL): Promise<RedisClient> {
  const client = createClient({ url, disableOfflineQueue: true });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`Redis is required at ${url} for integration tests (start redis-server)`, { cause: error });
  }
  return client;
}

/** Deletes every key under the prefix; never FLUSHALL on the shared instance. */
export async function deletePrefix(client: RedisClient, prefix: string): Promise<void> {
  const keys: string[] = [];
  for await (const batch of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) keys.push(...batch);
  for (let i = 0; i < keys.length; i += 500) await client.del(keys.slice(i, i + 500));
}

/** Connects, deletes every key under the prefix, disconnects: the clean-up of a suite or bench run. */
export async function cleanUpPrefix(prefix: string): Promise<void> {
  const client = await connectRedis();
  try {
    await deletePrefix(client, prefix);
  } finally {
    await client.close();
  }
}
