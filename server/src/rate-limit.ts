import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv, Clock } from './env.js';

export interface Window {
  /** Failures allowed in the window; the next request is refused until the window ends. */
  max: number;
  windowMs: number;
}

/**
 * Failed attempts allowed per client address and per workspace. Only failures count, so a
 * working client is never slowed down; a guesser is stopped after a handful of tries.
 */
export interface FailureLimits {
  /** POST /v1/device/enroll with a wrong code (code guessing). Codes name no workspace. */
  enroll: { perAddress: Window };
  /** Failed authentication at Okta GTR, SCIM and the admin API (401, and 403 for the admin API). */
  auth: { perAddress: Window; perWorkspace: Window };
}

export const DEFAULT_FAILURE_LIMITS: FailureLimits = {
  enroll: { perAddress: { max: 10, windowMs: 10 * 60_000 } },
  auth: {
    perAddress: { max: 20, windowMs: 60_000 },
    // Higher: anyone can fail in a workspace's name, and must not lock its real clients out cheaply.
    perWorkspace: { max: 200, windowMs: 60_000 },
  },
};

const MAX_KEYS = 100_000;

/**
 * Fixed-window failure counters, in this process's memory: each instance limits on its own, so N
 * instances behind a balancer allow up to N times the figures above. That bounds guessing well
 * enough (codes carry 60 bits, tokens 256) without a store round trip on the hot path.
 */
export function createFailureCounter(clock: Clock) {
  const windows = new Map<string, { count: number; resetAt: number }>();

  function prune(now: number) {
    for (const [key, entry] of windows) if (entry.resetAt <= now) windows.delete(key);
    // Still too many live keys (an address sweep): forget the oldest rather than grow without end.
    for (const key of windows.keys()) {
      if (windows.size <= MAX_KEYS / 2) break;
      windows.delete(key);
    }
  }

  return {
    /** Milliseconds until `key` may try again, or 0 when it may now. */
    retryAfterMs(key: string, limit: Window): number {
      const entry = windows.get(key);
      const now = clock.now();
      if (!entry || entry.resetAt <= now || entry.count < limit.max) return 0;
      return entry.resetAt - now;
    },
    fail(key: string, limit: Window): void {
      const now = clock.now();
      const entry = windows.get(key);
      if (!entry || entry.resetAt <= now) {
        if (windows.size >= MAX_KEYS) prune(now);
        windows.set(key, { count: 1, resetAt: now + limit.windowMs });
      } else {
        entry.count++;
      }
    },
  };
}
export type FailureCounter = ReturnType<typeof createFailureCounter>;

/** The peer address of the connection; proxies' headers are not trusted. */
export function clientAddress(c: Context): string {
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? 'unknown';
}

export interface LimitRule {
  scope: string;
  perAddress: Window;
  perWorkspace?: Window;
  /** The workspace the request names (path or token), when it names one. */
  workspaceOf?: (c: Context<AppEnv>) => string | null;
  /** Whether the answer is a failure that counts. */
  isFailure: (status: number) => boolean;
  /** The 429 in the route's own format (JSON error, SCIM error, bare status for Okta). */
  refuse: (c: Context<AppEnv>, retryAfterSeconds: number) => Response;
}

/** The counters a request counts against: its address's, and its workspace's where the rule has one. */
function keysOf(rule: LimitRule, address: string, workspace: string | null | undefined): [string, Window][] {
  const keys: [string, Window][] = [[`${rule.scope}|a|${address}`, rule.perAddress]];
  if (rule.perWorkspace && workspace) keys.push([`${rule.scope}|w|${workspace}`, rule.perWorkspace]);
  return keys;
}

const waitFor = (counter: FailureCounter, keys: [string, Window][]) =>
  Math.max(...keys.map(([key, limit]) => counter.retryAfterMs(key, limit)));

/** Milliseconds until a request from `address` for `workspace` may be tried under `rule` (0: now). */
export function retryAfterMs(
  counter: FailureCounter,
  rule: LimitRule,
  address: string,
  workspace: string | null | undefined,
): number {
  return waitFor(counter, keysOf(rule, address, workspace));
}

/** Refuses with 429 + Retry-After while the address or workspace is over its failure limit. */
export function limitFailures(counter: FailureCounter, rule: LimitRule): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const keys = keysOf(rule, clientAddress(c), rule.workspaceOf?.(c));
    const wait = waitFor(counter, keys);
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1000);
      c.header('Retry-After', String(seconds));
      return rule.refuse(c, seconds);
    }
    await next();
    if (rule.isFailure(c.res.status)) for (const [key, limit] of keys) counter.fail(key, limit);
    return undefined;
  };
}

/** The workspace id a device token names (`ul1.<workspace>.<device>.<secret>`), unverified: a key only. */
export function tokenWorkspace(c: Context): string | null {
  const match = /^Bearer\s+ul1\.([A-Za-z0-9_-]{1,64})\./i.exec(c.req.header('authorization') ?? '');
  return match?.[1] ?? null;
}
