import type { Logger } from './logger.js';
import type { Bus } from './bus.js';
import type { FailureLimits } from './rate-limit.js';
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
  /**
   * Browser origins allowed to call the device and admin API cross-origin: exact origins, or by
   * default any Chrome or Firefox extension (`chrome-extension://<id>`, `moz-extension://<uuid>`).
   */
  extensionOrigins?: readonly string[];
  /** Failed attempts allowed before 429 (default DEFAULT_FAILURE_LIMITS). */
  failureLimits?: FailureLimits;
}

export interface AppEnv {
  Variables: {
    requestId: string;
    session: DeviceSession;
    /** True when the device's session was revoked: only reads of revocations and receipts pass. */
    revoked: boolean;
  };
}
