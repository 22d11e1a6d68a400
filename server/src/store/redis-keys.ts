/**
 * Every key of a workspace carries the hash tag `{<workspaceId>}`, so a Redis Cluster keeps a
 * workspace on one slot and the multi-key scripts below stay legal. Enrollment codes are the only
 * global keys: a user types a code without saying which workspace it belongs to.
 */
export function redisKeys(prefix: string) {
  const ws = (workspaceId: string) => `${prefix}{${workspaceId}}:`;
  return {
    workspace: (w: string) => `${ws(w)}workspace`,
    userPrefix: (w: string) => `${ws(w)}user:`,
    user: (w: string, id: string) => `${ws(w)}user:${id}`,
    users: (w: string) => `${ws(w)}users`,
    userSeq: (w: string) => `${ws(w)}user-seq`,
    emails: (w: string) => `${ws(w)}emails`,
    userEmail: (w: string) => `${ws(w)}user-email`,
    epochPrefix: (w: string) => `${ws(w)}epoch:`,
    epoch: (w: string, userId: string) => `${ws(w)}epoch:${userId}`,
    apps: (w: string) => `${ws(w)}apps`,
    code: (codeHash: string) => `${prefix}enroll:${codeHash}`,
    codeUsed: (w: string, codeHash: string) => `${ws(w)}enroll-used:${codeHash}`,
    devicePrefix: (w: string) => `${ws(w)}device:`,
    device: (w: string, id: string) => `${ws(w)}device:${id}`,
    userDevices: (w: string, userId: string) => `${ws(w)}user-devices:${userId}`,
    revocations: (w: string) => `${ws(w)}revs`,
    userRevocations: (w: string, userId: string) => `${ws(w)}user-revs:${userId}`,
    revocation: (w: string, id: string) => `${ws(w)}rev:${id}`,
    idempotency: (w: string, k: string) => `${ws(w)}idem:${k}`,
    deliveries: (w: string, revocationId: string) => `${ws(w)}deliveries:${revocationId}`,
    audit: (w: string) => `${ws(w)}audit`,
    claim: (w: string, k: string) => `${ws(w)}claim:${k}`,
    notifications: (w: string) => `${ws(w)}notifications`,
    notificationsRead: (w: string) => `${ws(w)}notifications-read`,
    channel: () => `${prefix}revocations`,
  };
}
export type RedisKeys = ReturnType<typeof redisKeys>;
