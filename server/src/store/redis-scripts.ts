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

/** KEYS emails · ARGV lowerEmail, userPrefix, epochPrefix — the user's document and epoch, or {}. */
export const FIND_USER_BY_EMAIL = `
local id = redis.call('HGET', KEYS[1], ARGV[1])
if not id then return {} end
local doc = redis.call('GET', ARGV[2] .. id)
if not doc then return {} end
return {doc, redis.call('GET', ARGV[3] .. id) or '0'}
`;

/**
 * KEYS idempotency, revocations, userRevocations, revocation, userDevices, epoch, audit, notifications
 * ARGV useIdempotency, revocationId, userId, revocationJson, idempotencyTtlMs, devicePrefix,
 *      auditJson, notificationJson, busMessageJson, busChannel
 * The user's devices are listed and revoked here, in the same atomic step as the revocation: one
 * enrolled meanwhile cannot be revoked without being listed. `revocationJson` is the revocation
 * without `devices`, `auditJson` the entry without `detail.devices` (its last member must be
 * `detail`); both are completed here. A non-empty `busMessageJson` (its last member `"cursor":""`)
 * gets the minted cursor and is published on `busChannel`: the wake-up leaves with the record.
 * Returns {1, cursor, auditId, devicesJson}, or {0, id} when
 * the idempotency key names an earlier revocation.
 * The workspace stream mints the id first and the user stream reuses it: the workspace stream
 * holds every user's entries, so its id is always greater than the user stream's last one.
 */
export const REVOKE = `
local useIdempotency = ARGV[1] == '1'
if useIdempotency then
  local existing = redis.call('GET', KEYS[1])
  if existing then return {0, existing} end
end
local devices = {}
for _, device in ipairs(redis.call('SMEMBERS', KEYS[5])) do
  local fields = redis.call('HMGET', ARGV[6] .. device, 'name', 'createdAt')
  if fields[1] then
    devices[#devices + 1] = {device, fields[1], fields[2] or ''}
    redis.call('HSET', ARGV[6] .. device, 'state', 'revoked')
  end
end
-- In enrollment order, as listDevices lists them.
table.sort(devices, function(a, b)
  if a[3] ~= b[3] then return a[3] < b[3] end
  return a[1] < b[1]
end)
local listed = {}
for i, device in ipairs(devices) do
  listed[i] = '{"id":' .. cjson.encode(device[1]) .. ',"name":' .. cjson.encode(device[2]) .. '}'
end
local devicesJson = '[' .. table.concat(listed, ',') .. ']'
local id = redis.call('XADD', KEYS[2], '*', 'id', ARGV[2], 'user', ARGV[3])
redis.call('XADD', KEYS[3], id, 'id', ARGV[2])
redis.call('HSET', KEYS[4], 'data', string.sub(ARGV[4], 1, -2) .. ',"devices":' .. devicesJson .. '}', 'cursor', id)
if useIdempotency then redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[5]) end
redis.call('INCR', KEYS[6])
local audit = string.sub(ARGV[7], 1, -3) .. ',"devices":' .. #devices .. '}}'
local auditId = redis.call('XADD', KEYS[7], '*', 'e', audit)
redis.call('XADD', KEYS[8], '*', 'n', ARGV[8])
if ARGV[9] ~= '' then
  redis.call('PUBLISH', ARGV[10], string.sub(ARGV[9], 1, -3) .. id .. '"}')
end
return {1, id, auditId, devicesJson}
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
