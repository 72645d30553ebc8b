-- Writes a batch of accepted events, idempotently (see docs/redis.md).
-- One call handles many events, so Redis runs one script (and parses one
-- command) per batch instead of one per event.
-- KEYS[1] cameras SET, KEYS[2] agents HASH, KEYS[3] live STREAM, then one
-- group per camera (ids ZSET, state HASH, events ZSET, transitions ZSET) or
-- agent (ids ZSET, state HASH), each named once per batch.
-- ARGV: 1 now ms, 2 ids cutoff ms, 3 events cutoff ms, 4 transitions cutoff
-- ms, 5 live maxlen, then per event: key group index (into KEYS), scope
-- ('c' camera, 'a' agent), id, event time ms, seq, event JSON, index member
-- (camera or agent id), kind, transition member or "", n, n state
-- field/value items.
-- Returns one integer per event: 0 duplicate, 1 the state advanced, 2
-- stored but older than the state (seq not newer).
local out = {}
local idsTrimmed, eventsKeys, transKeys, indexed, lastSeq = {}, {}, {}, {}, {}
local live = false
local i = 6
while i <= #ARGV do
  local g = tonumber(ARGV[i])
  local camera = ARGV[i + 1] == 'c'
  local id, t, seq, json = ARGV[i + 2], ARGV[i + 3], ARGV[i + 4], ARGV[i + 5]
  local member, kind, trans = ARGV[i + 6], ARGV[i + 7], ARGV[i + 8]
  local first = i + 10
  i = first + tonumber(ARGV[i + 9])
  local idsKey, stateKey = KEYS[g], KEYS[g + 1]
  if redis.call('ZSCORE', idsKey, id) then
    out[#out + 1] = 0
  else
    -- Read before writing, so a damaged state key fails before any write.
    local last = lastSeq[stateKey]
    if last == nil then
      last = tonumber(redis.call('HGET', stateKey, 'seq') or '0') or 0
    end
    if camera then
      redis.call('ZADD', KEYS[g + 2], t, json)
      eventsKeys[KEYS[g + 2]] = true
      if trans ~= '' then
        redis.call('ZADD', KEYS[g + 3], t, trans)
        transKeys[KEYS[g + 3]] = true
      end
      if not indexed[member] then
        indexed[member] = true
        redis.call('SADD', KEYS[1], member)
      end
    end
    redis.call('XADD', KEYS[3], '*', 'kind', kind, 'event', json)
    live = true
    if tonumber(seq) <= last then
      out[#out + 1] = 2
    else
      lastSeq[stateKey] = tonumber(seq)
      redis.call('HSET', stateKey, 'seq', seq, 'time_ms', t, 'kind', kind, unpack(ARGV, first, i - 1))
      if not camera then
        redis.call('HSET', KEYS[2], member, json)
      end
      out[#out + 1] = 1
    end
    -- The id goes in last: should a write above fail (Redis does not roll
    -- a script back), the retry finds no id and writes the event again
    -- instead of calling it a duplicate.
    redis.call('ZADD', idsKey, ARGV[1], id)
    -- Ids added now score "now", so one trim per key and batch suffices.
    if not idsTrimmed[idsKey] then
      idsTrimmed[idsKey] = true
      redis.call('ZREMRANGEBYSCORE', idsKey, '-inf', '(' .. ARGV[2])
    end
  end
end
-- Trimming by age after the batch leaves the same sets as trimming after
-- every write: no read above depends on these keys.
for k in pairs(eventsKeys) do
  redis.call('ZREMRANGEBYSCORE', k, '-inf', '(' .. ARGV[3])
end
for k in pairs(transKeys) do
  redis.call('ZREMRANGEBYSCORE', k, '-inf', '(' .. ARGV[4])
end
if live then
  redis.call('XTRIM', KEYS[3], 'MAXLEN', '~', ARGV[5])
end
return out
