import type { Browser } from './types';

export interface Session {
  serverUrl: string;
  token: string;
  deviceId: string;
  user: { id: string; email: string; name: string; role: string };
  workspace: { id: string; name: string };
}

/** A cookie the extension set, exactly as needed to find and remove it again. */
export interface LedgerCookie {
  name: string;
  domain: string;
  path: string;
  secure: boolean;
  partitionKey?: { topLevelSite: string };
}

export interface LedgerEntry {
  appId: string;
  origins: string[];
  cookies: LedgerCookie[];
  localStorageKeys: string[];
  injectedAt: string;
}

const KEYS = {
  session: 'session',
  cursor: 'cursor',
  applied: 'applied',
  ledger: 'ledger',
  notified: 'notifiedUpTo',
} as const;
const MAX_APPLIED = 500;

/** Everything the extension keeps, in `storage.local`: it survives worker and browser restarts. */
export function createState(browser: Browser) {
  const local = browser.storage.local;
  const read = async <T>(key: string): Promise<T | undefined> => (await local.get(key))[key] as T | undefined;

  return {
    session: () => read<Session>(KEYS.session),
    setSession: (session: Session) => local.set({ [KEYS.session]: session, [KEYS.cursor]: null, [KEYS.applied]: [] }),
    /** The role is read anew from the server (GET /v1/device/me): a promotion or demotion shows at once. */
    async setRole(role: string) {
      const session = await this.session();
      if (session && session.user.role !== role) {
        await local.set({ [KEYS.session]: { ...session, user: { ...session.user, role } } });
      }
    },
    /** The newest admin notification already announced on this device (null before the first check). */
    notifiedUpTo: async () => (await read<string | null>(KEYS.notified)) ?? null,
    setNotifiedUpTo: (id: string) => local.set({ [KEYS.notified]: id }),
    cursor: async () => (await read<string | null>(KEYS.cursor)) ?? null,
    setCursor: (cursor: string) => local.set({ [KEYS.cursor]: cursor }),
    applied: async () => (await read<string[]>(KEYS.applied)) ?? [],
    async markApplied(id: string) {
      const applied = [...(await this.applied()).filter((seen) => seen !== id), id].slice(-MAX_APPLIED);
      await local.set({ [KEYS.applied]: applied });
    },
    ledger: async () => (await read<LedgerEntry[]>(KEYS.ledger)) ?? [],
    async record(entry: LedgerEntry) {
      const ledger = (await this.ledger()).filter((existing) => existing.appId !== entry.appId);
      await local.set({ [KEYS.ledger]: [...ledger, entry] });
    },
    /** Signs the device out: the token and what was injected are gone; the ledger is kept for purges. */
    clearSession: () => local.remove([KEYS.session, KEYS.cursor, KEYS.notified]),
    clearLedger: () => local.remove(KEYS.ledger),
  };
}
export type State = ReturnType<typeof createState>;
