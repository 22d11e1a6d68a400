import { describe, expect, it } from 'vitest';
import { ConfigError, loadEnv } from './config.js';

describe('loadEnv', () => {
  it('has the documented defaults', () => {
    expect(loadEnv({})).toMatchObject({
      port: 8787,
      host: '127.0.0.1',
      publicUrl: 'http://localhost:8787',
      redisUrl: null,
      redisPrefix: 'ul:',
      dataDir: './data',
      logLevel: 'info',
      extensionOrigins: [],
    });
  });

  it('reads EXTENSION_ORIGINS as a comma-separated list of extension origins', () => {
    const origins =
      'chrome-extension://abcdefghijklmnopabcdefghijklmnop , moz-extension://0b0c9a12-3f4e-4d5a-9b8c-7d6e5f4a3b2c,';
    expect(loadEnv({ EXTENSION_ORIGINS: origins }).extensionOrigins).toEqual([
      'chrome-extension://abcdefghijklmnopabcdefghijklmnop',
      'moz-extension://0b0c9a12-3f4e-4d5a-9b8c-7d6e5f4a3b2c',
    ]);
  });

  it.each([
    ['a web origin in EXTENSION_ORIGINS', { EXTENSION_ORIGINS: 'https://evil.example' }, 'EXTENSION_ORIGINS'],
    ['a port out of range', { PORT: '70000' }, 'PORT'],
    ['an unknown log level', { LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
  ])('stops on %s, naming the variable', (_name, env, variable) => {
    expect(() => loadEnv(env)).toThrow(ConfigError);
    expect(() => loadEnv(env)).toThrow(new RegExp(`environment\\.${variable}`));
  });
});
