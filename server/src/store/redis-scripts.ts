// Lua scripts: each one is a single atomic step on one workspace's slot. They move strings and
// hash fields only; JSON is built and parsed in TypeScript, where the schemas live. Each returns
// an array, the one reply shape the caller parses.

/** KEYS user, emails, users, userSeq, epoch, userEmail · ARGV id, lowerEmail, json */
export const UPSERT_USER = `
local owner = redis.call('HGET', KEYS[2], ARGV[2])
if owner and owner ~= ARGV[1] then return {0, '0'} end
local oldEmail = redis.call('HGET', KEYS[6], ARGV[1])
if oldEmail and oldEmail ~= ARGV[2] then redis.call('HDEL', KEYS[2], oldEmail) end
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('ZADD', KEYS[3], redis.call('INCR', KEYS[4]), ARGV[1])
end
redis.call('SET', KEYS[1], ARGV[3])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[1])
redis.call('HSET', KEYS[6], ARGV[1], ARGV[2])
return {1, redis.call('GET', KEYS[5]) or '0'}
`;

/**
 * KEYS codeUsed, user, epoch, device, userDevices, userRevocations
 * ARGV deviceId, userId, name, createdAt, tokenHash
 */
export const ENROLL = `
if redis.call('EXISTS', KEYS[1]) == 1 then return {0, 'invalid'} end
local user = redis.call('GET', KEYS[2])
if not user then return {0, 'invalid'} end
if cjson.decode(user).status ~= 'active' then return {0, 'deactivated'} end
local epoch = redis.call('GET', KEYS[3]) or '0'
local last = redis.call('XREVRANGE', KEYS[6], '+', '-', 'COUNT', 1)
local baseline = '0-0'
if #last > 0 then baseline = last[1][1] end
redis.call('SET', KEYS[1], '1')
redis.call('HSET', KEYS[4], 'id', ARGV[1], 'userId', ARGV[2], 'name', ARGV[3],
  'createdAt', ARGV[4], 'lastSeenAt', ARGV[4], 'state', 'active', 'epoch', epoch,
  'baseline', baseline, 'tokenHash', ARGV[5])
redis.call('SADD', KEYS[5], ARGV[1])
return {1, epoch, baseline}
`;

/**
 * KEYS idempotency, revocations, userRevocations, revocation, userDevices, epoch, audit, notifications
 * ARGV useIdempotency, revocationId, userId, revocationJson, idempotencyTtlMs, devicePrefix,
 *      auditJson, notificationJson
 * The workspace stream mints the id first and the user stream reuses it: the workspace stream
 * holds every user's entries, so its id is always greater than the user stream's last one.
 */
export const REVOKE = `
local useIdempotency = ARGV[1] == '1'
if useIdempotency then
  local existing = redis.call('GET', KEYS[1])
  if existing then return {0, existing} end
end
local id = redis.call('XADD', KEYS[2], '*', 'id', ARGV[2], 'user', ARGV[3])
redis.call('XADD', KEYS[3], id, 'id', ARGV[2])
redis.call('HSET', KEYS[4], 'data', ARGV[4], 'cursor', id)
if useIdempotency then redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[5]) end
redis.call('INCR', KEYS[6])
for _, device in ipairs(redis.call('SMEMBERS', KEYS[5])) do
  redis.call('HSET', ARGV[6] .. device, 'state', 'revoked')
end
local auditId = redis.call('XADD', KEYS[7], '*', 'e', ARGV[7])
redis.call('XADD', KEYS[8], '*', 'n', ARGV[8])
return {1, id, auditId}
`;

/** KEYS deliveries · ARGV deviceId, json — sets the delivery unless one exists. */
export const MARK_DELIVERED = `
return {redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2])}
`;

/** KEYS notificationsRead · ARGV adminId, upTo — only moves forward. */
export const MARK_READ = `
local current = redis.call('HGET', KEYS[1], ARGV[1])
if current then
  local cm, cs = string.match(current, '^(%d+)-(%d+)$')
  local nm, ns = string.match(ARGV[2], '^(%d+)-(%d+)$')
  cm, cs, nm, ns = tonumber(cm), tonumber(cs), tonumber(nm), tonumber(ns)
  if nm < cm or (nm == cm and ns <= cs) then return {0} end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return {1}
`;
