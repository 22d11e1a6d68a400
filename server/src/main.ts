import { createClient } from 'redis';
import { createMemoryBus, createRedisBus, type Bus } from './bus.js';
import { ConfigError, loadEnv, readWorkspaceFile } from './config.js';
import { systemClock } from './env.js';
import { createLogger } from './logger.js';
import { applyWorkspaceFile } from './seed.js';
import { startServer } from './server.js';
import { createEmbeddedStore } from './store/embedded.js';
import { redisKeys } from './store/redis-keys.js';
import { createRedisStore, type RedisClient } from './store/redis.js';
import type { Store } from './store/types.js';

/** The only place that reads the environment, opens connections and listens. */
async function main(): Promise<void> {
  const config = loadEnv(process.env);
  const workspaceFile = config.configPath ? readWorkspaceFile(config.configPath) : null;
  const logger = createLogger({ level: config.logLevel });

  let store: Store;
  let bus: Bus;
  let redis: RedisClient | null = null;
  if (config.redisUrl) {
    const client = createClient({
      url: config.redisUrl,
      // Fail fast while Redis is down rather than queueing writes nobody can see.
      disableOfflineQueue: true,
      socket: { reconnectStrategy: (retries) => Math.min(50 * 2 ** retries, 2_000) + Math.random() * 100 },
    });
    client.on('error', (error: unknown) => logger.warn({ err: error }, 'redis error'));
    await client.connect();
    redis = client;
    store = createRedisStore({ client, prefix: config.redisPrefix, publish: true });
    bus = await createRedisBus({
      client,
      channel: redisKeys(config.redisPrefix).channel(),
      onError: (error) => logger.warn({ err: error }, 'redis subscriber error'),
    });
  } else {
    store = await createEmbeddedStore({ dataDir: config.dataDir });
    bus = createMemoryBus();
  }

  if (workspaceFile) await applyWorkspaceFile(store, workspaceFile, systemClock);
  const server = await startServer(
    { store, bus, clock: systemClock, logger, publicUrl: config.publicUrl, extensionOrigins: config.extensionOrigins },
    { port: config.port, host: config.host },
  );
  logger.info({ url: server.url, publicUrl: config.publicUrl, store: store.kind }, 'listening');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    await server.close();
    await bus.close();
    await store.close();
    if (redis) await redis.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`configuration error: ${error.message}\n`);
  } else {
    process.stderr.write(
      `start-up failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
  }
  process.exit(1);
});
