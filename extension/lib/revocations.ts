import type { RevocationEvent } from '@universal-logout/shared';
import { api, ApiError } from './api';
import { purgeOrigins } from './purge';
import type { Session, State } from './state';
import type { Browser } from './types';

export interface Applier {
  /** Applies revocations once each (by id), then signs the device out. */
  apply(events: (RevocationEvent & { cursor: string })[]): Promise<void>;
  /** Fail closed: the session is dead (revoked or unknown): purge every managed app, sign out. */
  purgeEverything(reason: string): Promise<void>;
}

export function createApplier(browser: Browser, state: State, onSignedOut: () => void): Applier {
  let queue: Promise<void> = Promise.resolve();
  const serial = (task: () => Promise<void>) => (queue = queue.then(task, task));

  async function purge(session: Session | undefined, revocationId: string | null, origins: string[], reason: string) {
    const ledger = await state.ledger();
    // Every app ever injected here, not only today's assignments.
    const all = [...new Set([...origins, ...ledger.flatMap((entry) => entry.origins)])];
    const result = await purgeOrigins(browser, all, ledger);
    if (session && revocationId) {
      await api
        .receipt(session, { revocationId, removed: result.removed, errors: result.errors.slice(0, 100) })
        .catch(() => undefined);
    }
    await browser.notifications
      .create(`ul-${revocationId ?? 'signed-out'}`, {
        type: 'basic',
        iconUrl: browser.runtime.getURL('/icon/128.png'),
        title: 'You were logged out',
        message: `${reason}. Your company’s apps were signed out in this browser.`,
      })
      .catch(() => undefined);
  }

  async function signOut() {
    await state.clearLedger();
    await state.clearSession();
    onSignedOut();
  }

  return {
    apply: (events) =>
      serial(async () => {
        const session = await state.session();
        const applied = new Set(await state.applied());
        let any = false;
        for (const event of events) {
          if (!applied.has(event.id)) {
            await purge(session, event.id, event.origins, event.reason);
            await state.markApplied(event.id);
            any = true;
          }
          await state.setCursor(event.cursor);
        }
        if (any) await signOut();
      }),
    purgeEverything: (reason) =>
      serial(async () => {
        const session = await state.session();
        // A revoked session may still read what is pending, to report receipts for it.
        const pending = session ? await api.revocations(session, await state.cursor()).catch(() => null) : null;
        const first = pending?.events[0];
        await purge(session, first?.id ?? null, pending?.events.flatMap((e) => e.origins) ?? [], reason);
        for (const event of pending?.events ?? []) {
          if (session && event.id !== first?.id) {
            await api
              .receipt(session, { revocationId: event.id, removed: { cookies: 0, origins: 0, tabs: 0 }, errors: [] })
              .catch(() => undefined);
          }
        }
        await signOut();
      }),
  };
}

/** The server's answer that the session is dead: revoked, or the device no longer known. */
export const isDeadSession = (error: unknown) =>
  error instanceof ApiError && (error.code === 'ERR_SESSION_REVOKED' || error.code === 'ERR_UNAUTHENTICATED');
