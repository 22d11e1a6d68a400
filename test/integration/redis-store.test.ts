import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runStoreContract, userInput } from '@universal-logout/server/testing';
import { createRedisStore, type RedisClient } from '@universal-logout/server';
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
