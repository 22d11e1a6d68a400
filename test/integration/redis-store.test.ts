import { runStoreContract } from '@universal-logout/server/testing';
import { createRedisStore } from '@universal-logout/server';
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
