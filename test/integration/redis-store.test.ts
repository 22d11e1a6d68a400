import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runStoreContract, userInput } from '@universal-logout/server/testing';
import {
  busMessageOf,
  createRedisBus,
  createRedisStore,
  redisKeys,
  type BusMessage,
  type RedisClient,
} from '@universal-logout/server';
import { startRedisProcess, type RedisProcess } from '../support/processes.js';
import { connectRedis, deletePrefix, testPrefix } from '../support/redis.js';

runStoreContract('redis', async () => {
  const client = await connectRedis();
  const prefix = testPrefix('store');
  return {
    store: createRedisStore({ client, prefix }),
    async dispose() {
      await deletePrefix(client, prefix);
      await client.close();
    },
  };
});

describe('Redis store scripts', () => {
  // A Redis of its own: the test flushes the script cache and reads the command counters.
  let redis: RedisProcess;
  let client: RedisClient;
  beforeAll(async () => {
    redis = await startRedisProcess();
    client = await connectRedis(redis.url);
  });
  afterAll(async () => {
    await client.close();
    await redis.stop();
  });

  const calls = async (command: 'eval' | 'evalsha') => {
    const info = await client.info('commandstats');
    return Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(info)?.[1] ?? 0);
  };

  it('runs scripts by SHA1, sending the source only when Redis lacks it (first use, after SCRIPT FLUSH)', async () => {
    const store = createRedisStore({ client, prefix: 'scripts:' });
    await store.upsertWorkspace({ id: 'ws', name: 'Scripts', settings: {} });
    const revoke = (id: string, at: number) =>
      store.revoke({
        workspaceId: 'ws',
        userId: 'u-a',
        trigger: 'admin',
        actor: 'u-admin',
        reason: 'test',
        origins: [],
        idempotencyKey: null,
        id,
        at,
      });
    await store.upsertUser(userInput('ws', 'u-a'));
    await revoke('rev-1', 1);
    const afterFirst = { eval: await calls('eval'), evalsha: await calls('evalsha') };
    await revoke('rev-2', 2);
    await revoke('rev-3', 3);
    expect(await calls('eval')).toBe(afterFirst.eval);
    expect(await calls('evalsha')).toBe(afterFirst.evalsha + 2);

    await client.scriptFlush();
    await revoke('rev-4', 4);
    expect(await calls('eval')).toBe(afterFirst.eval + 1);
    expect((await store.listRevocations('ws', { userId: 'u-a', limit: 10 })).items.map((rev) => rev.id)).toEqual([
      'rev-4',
      'rev-3',
      'rev-2',
      'rev-1',
    ]);
    expect((await store.getUser('ws', 'u-a'))?.sessionEpoch).toBe(4);
  });
});

describe('Redis store: the bus message published with the revocation', () => {
  let client: RedisClient;
  let prefix: string;
  beforeAll(async () => {
    client = await connectRedis();
    prefix = testPrefix('publish');
  });
  afterAll(async () => {
    await deletePrefix(client, prefix);
    await client.close();
  });

  const revokeInput = (id: string, idempotencyKey: string | null) => ({
    workspaceId: 'ws',
    userId: 'u-a',
    trigger: 'okta' as const,
    actor: 'https://acme.okta.test (jti j-1)',
    reason: 'Okta "Universal" Logout \\ ✓',
    origins: ['https://crm.example.test'],
    idempotencyKey,
    id,
    at: Date.now(),
  });

  it('publishes each new revocation once, from the script, as the pipeline would; a retry publishes nothing', async () => {
    const received: BusMessage[] = [];
    const bus = await createRedisBus({ client, channel: redisKeys(prefix).channel(), onError: () => undefined });
    bus.subscribe((message) => received.push(message));
    const store = createRedisStore({ client, prefix, publish: true });
    await store.upsertUser(userInput('ws', 'u-a'));
    const first = await store.revoke(revokeInput('rev-1', 'okta:j-1'));
    const retry = await store.revoke(revokeInput('rev-2', 'okta:j-1'));
    const quiet = createRedisStore({ client, prefix, publish: false });
    const unpublished = await quiet.revoke(revokeInput('rev-3', null));
    const second = await store.revoke(revokeInput('rev-4', null));
    // Pub/sub keeps order on one connection: once rev-4's message is here, any other would be too.
    await expect.poll(() => received.length).toBeGreaterThanOrEqual(2);
    await bus.close();
    expect(first).toMatchObject({ created: true, published: true });
    expect(retry).toEqual({ revocation: first.revocation, created: false });
    expect(unpublished.published).toBeUndefined();
    expect(received).toEqual([busMessageOf(first.revocation), busMessageOf(second.revocation)]);
  });
});
