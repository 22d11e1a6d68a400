-- wrk script for the GTR benchmark. Each request carries the next pre-signed token and its
-- subject (one "token<TAB>email" line each in the file given after --), so every call has a
-- fresh jti. The thread stops after `count` responses; the file holds a few more tokens than
-- that for the requests still in flight then, so no token is ever sent twice. wrk reports its
-- whole -d duration, so the thread keeps its own clock: first request to last counted response.
-- With a rate (4th argument, calls a second; 0 or none: as fast as answers come back), the
-- requests leave on a fixed schedule, one every 1/rate s across all connections: wrk calls
-- delay() before each request, and each call takes the next slot of the schedule.
-- Arguments after --: tokens file, path, count[, rate].
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } ul_timespec;
  int clock_gettime(int clock, ul_timespec *tp);
]]
local ts = ffi.new("ul_timespec")
local function micros()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1000000 + math.floor(tonumber(ts.tv_nsec) / 1000)
end

local lines = {}
local index = 0
local path
local count
-- Read back from the thread by done() (thread:get); globals of the thread's own Lua state.
responses = 0
first = 0
last = 0

local interval
local slot = 0
local startedMs

local function paced()
  local now = micros() / 1000
  if startedMs == nil then startedMs = now end
  local due = startedMs + slot * interval
  slot = slot + 1
  if due <= now then return 0 end
  return due - now
end

init = function(args)
  for line in io.lines(args[1]) do lines[#lines + 1] = line end
  path = args[2]
  count = tonumber(args[3])
  local rate = tonumber(args[4] or "0")
  -- Defined only when pacing: wrk asks whether the script has delay() after init.
  if rate > 0 then
    interval = 1000 / rate
    delay = paced
  end
end

request = function()
  if index == 0 then first = micros() end
  index = index + 1
  if index > #lines then error("out of tokens: the file must hold more than count lines") end
  local line = lines[index]
  local tab = line:find("\t", 1, true)
  return wrk.format("POST", path, {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. line:sub(1, tab - 1),
  }, '{"sub_id":{"format":"email","email":"' .. line:sub(tab + 1) .. '"}}')
end

response = function(status, headers, body)
  responses = responses + 1
  if responses == count then
    last = micros()
    wrk.thread:stop()
  end
end

local threads = {}
setup = function(thread) threads[#threads + 1] = thread end

done = function(summary, latency, requests)
  local t = threads[1]
  io.write(string.format(
    '{"responses":%d,"elapsedUs":%d,"p50":%d,"p90":%d,"p99":%d,"max":%d,"status":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d}\n',
    t:get("responses"), t:get("last") - t:get("first"), latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, summary.errors.status, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.timeout))
end
