import type { Store, User } from '../store/types.js';

/** A user named by one identifier an IdP holds: our id, the IdP's id (externalId), email or userName. */
export async function findUserByIdentifier(store: Store, workspaceId: string, value: string): Promise<User | null> {
  if (/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(value)) {
    const byId = await store.getUser(workspaceId, value);
    if (byId) return byId;
  }
  const byEmail = await store.findUserByEmail(workspaceId, value);
  if (byEmail) return byEmail;
  const needle = value.toLowerCase();
  const users = await store.listUsers(workspaceId);
  return (
    users.find((user) => user.externalId === value) ??
    users.find((user) => user.userName.toLowerCase() === needle) ??
    null
  );
}
