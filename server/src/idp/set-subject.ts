import { z } from 'zod';
import type { Store, User } from '../store/types.js';
import { findUserByIdentifier } from './resolve-user.js';

/** RFC 9493 subject identifiers an SSF transmitter may send about a user. */
const Email = z.object({ format: z.literal('email'), email: z.string().min(1).max(320) });
const IssSub = z.object({ format: z.literal('iss_sub'), iss: z.string().min(1), sub: z.string().min(1).max(256) });
const Opaque = z.object({ format: z.literal('opaque'), id: z.string().min(1).max(256) });
const Simple = z.discriminatedUnion('format', [Email, IssSub, Opaque]);
const Complex = z.object({ format: z.literal('complex'), user: Simple });
export const SetSubject = z.union([Simple, Complex]);
export type SetSubject = z.infer<typeof SetSubject>;

/** The user a SET subject names, inside the one workspace; `complex` is resolved by its `user`. */
export async function findSetSubject(store: Store, workspaceId: string, subject: SetSubject): Promise<User | null> {
  const simple = subject.format === 'complex' ? subject.user : subject;
  switch (simple.format) {
    case 'email':
      return findUserByIdentifier(store, workspaceId, simple.email);
    case 'iss_sub':
      return findUserByIdentifier(store, workspaceId, simple.sub);
    case 'opaque':
      return findUserByIdentifier(store, workspaceId, simple.id);
  }
}
