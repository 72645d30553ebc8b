-- Writes a batch of accepted events, idempotently (see docs/redis.md).
-- One call handles many events, so Redis runs one script (and parses one
-- command) per batch instead of one per event.
-- KEYS[1] cameras SET, KEYS[2] agents HASH, KEYS[3] live STREAM, then one
-- group per camera (ids ZSET, state HASH, events ZSET, transitions ZSET) or
-- agent (ids ZSET, state HASH), each named once per batch.
-- ARGV: 1 now ms, 2 ids cutoff ms, 3 events cutoff ms, 4 transitions cutoff
-- ms, 5 live maxlen, 6 trim period ms, then per event: key group index
-- (into KEYS), scope ('c' camera, 'a' agent), id, event time ms, seq, event
-- JSON, index member (camera or agent id), kind, transition member or "",
-- n, n state field/value items.
-- Returns one integer per event: 0 duplicate, 1 the state advanced, 2
-- stored but older than the state (seq not newer).
local now, period = tonumber(ARGV[1]), tonumber(ARGV[6])
local eventsCutoff, transCutoff = tonumber(ARGV[3]), tonumber(ARGV[4])
local lastSeq, trimmed, indexed = {}, {}, {}
local live = false

-- write stores the event whose arguments start at ARGV[i] once its id is
-- new; it returns the outcome.
local function write(i, g, camera, first, stop)
  local t, seq, json = ARGV[i + 3], tonumber(ARGV[i + 4]), ARGV[i + 5]
  local member, kind, trans = ARGV[i + 6], ARGV[i + 7], ARGV[i + 8]
  local idsKey, stateKey = KEYS[g], KEYS[g + 1]
  local last = lastSeq[stateKey]
  if last == nil then
    local h = redis.call('HMGET', stateKey, 'seq', 'trimmed_ms')
    last = tonumber(h[1] or '0') or 0
    trimmed[stateKey] = tonumber(h[2] or '0') or 0
  end
  if camera then
    -- An event already past retention would be trimmed at once: skip it.
    if tonumber(t) >= eventsCutoff then
      redis.call('ZADD', KEYS[g + 2], t, json)
    end
    if trans ~= '' and tonumber(t) >= transCutoff then
      redis.call('ZADD', KEYS[g + 3], t, trans)
    end
    -- A camera with a state hash is in the set already.
    if last == 0 and not indexed[member] then
      indexed[member] = true
      redis.call('SADD', KEYS[1], member)
    end
  end
  redis.call('XADD', KEYS[3], '*', 'kind', kind, 'event', json)
  live = true
  -- Trim by age at most once per period and key: what ages out between
  -- trims is gone within a period.
  if now - trimmed[stateKey] >= period then
    trimmed[stateKey] = now
    redis.call('ZREMRANGEBYSCORE', idsKey, '-inf', '(' .. ARGV[2])
    if camera then
      redis.call('ZREMRANGEBYSCORE', KEYS[g + 2], '-inf', '(' .. ARGV[3])
      redis.call('ZREMRANGEBYSCORE', KEYS[g + 3], '-inf', '(' .. ARGV[4])
    end
    redis.call('HSET', stateKey, 'trimmed_ms', ARGV[1])
  end
  if seq <= last then
    return 2
  end
  lastSeq[stateKey] = seq
  redis.call('HSET', stateKey, 'seq', ARGV[i + 4], 'time_ms', t, 'kind', kind, unpack(ARGV, first, stop))
  if not camera then
    redis.call('HSET', KEYS[2], member, json)
  end
  return 1
end

local out = {}
local i = 7
while i <= #ARGV do
  local g = tonumber(ARGV[i])
  local camera = ARGV[i + 1] == 'c'
  local id = ARGV[i + 2]
  local first = i + 10
  local next = first + tonumber(ARGV[i + 9])
  if redis.call('ZADD', KEYS[g], 'NX', ARGV[1], id) == 0 then
    out[#out + 1] = 0
  else
    local ok, res = pcall(write, i, g, camera, first, next - 1)
    if not ok then
      -- Redis does not roll a script back: forget the id, so that the
      -- retry writes the event again instead of calling it a duplicate.
      redis.call('ZREM', KEYS[g], id)
      return redis.error_reply(type(res) == 'table' and res.err or tostring(res))
    end
    out[#out + 1] = res
  end
  i = next
end
if live then
  redis.call('XTRIM', KEYS[3], 'MAXLEN', '~', ARGV[5])
end
return out
