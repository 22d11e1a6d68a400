import type { Store, User } from '../store/types.js';
import type { GtrSubject } from './subject.js';

/**
 * The user a GTR subject names, always inside the one workspace. `email` matches email or
 * userName without case. `iss_sub` carries "the user identifier within the app", which Okta
 * learned through SCIM; which value arrives is not settled, so try the SCIM id we assigned, the
 * Okta user id (SCIM externalId), then the userName.
 */
export async function findSubject(store: Store, workspaceId: string, subject: GtrSubject): Promise<User | null> {
  if (subject.format === 'email') {
    const byEmail = await store.findUserByEmail(workspaceId, subject.email);
    if (byEmail) return byEmail;
    const needle = subject.email.toLowerCase();
    return (await store.listUsers(workspaceId)).find((user) => user.userName.toLowerCase() === needle) ?? null;
  }
  const byId = await store.getUser(workspaceId, subject.sub);
  if (byId) return byId;
  const users = await store.listUsers(workspaceId);
  const needle = subject.sub.toLowerCase();
  return (
    users.find((user) => user.externalId === subject.sub) ??
    users.find((user) => user.userName.toLowerCase() === needle) ??
    null
  );
}
