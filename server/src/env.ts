import type { Logger } from './logger.js';
import type { Bus } from './bus.js';
import type { DeviceSession, Store } from './store/types.js';

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export interface Deps {
  store: Store;
  bus: Bus;
  clock: Clock;
  logger: Logger;
  /** Public base URL of this server, without a trailing slash. */
  publicUrl: string;
  /** How soon an unknown `kid` may trigger another fetch of an IdP's JWKS (default 30 s). */
  jwksCooldownMs?: number;
}

export interface AppEnv {
  Variables: {
    requestId: string;
    session: DeviceSession;
    /** True when the device's session was revoked: only reads of revocations and receipts pass. */
    revoked: boolean;
  };
}
