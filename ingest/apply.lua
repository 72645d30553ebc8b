-- Writes a batch of accepted events, idempotently (see docs/redis.md).
-- One call handles many events, so Redis runs one script (and parses one
-- command) per batch instead of one per event.
-- KEYS[1] cameras SET, KEYS[2] agents HASH, KEYS[3] live STREAM, then one
-- group per camera (ids ZSET, state HASH, events ZSET, transitions ZSET) or
-- agent (ids ZSET, state HASH, gaps ZSET), each named once per batch.
-- ARGV: 1 now ms, 2 ids cutoff ms, 3 events cutoff ms, 4 transitions cutoff
-- ms, 5 live maxlen, 6 trim period ms, 7 agent timeout ms, 8 degraded fps
-- ratio, 9 degraded fps floor, then per event: key group index (into
-- KEYS), scope ('c' camera, 'a' agent), id, event time ms, seq, event JSON,
-- index member (camera or agent id), kind, transition member or "", derive
-- ("h:<state>" health, "s:<fps>" stats of an online camera, or ""), the
-- online member of a stats event or "", n, n state field/value items.
-- Returns one integer per event: 0 duplicate, 1 the state advanced, 2
-- stored but older than the state (seq not newer).
local now, period = tonumber(ARGV[1]), tonumber(ARGV[6])
local eventsCutoff, transCutoff = tonumber(ARGV[3]), tonumber(ARGV[4])
local timeout = tonumber(ARGV[7])
local ratio, floor = tonumber(ARGV[8]), tonumber(ARGV[9])
local lastSeq, lastTime, firstTime, trimmed, indexed = {}, {}, {}, {}, {}
local live = false

-- addGap records an agent loss [from, to) as uptime.GapMember does.
local function addGap(key, from, to)
  if to > from then
    redis.call('ZADD', key, from, string.format('%d-%d', from, to))
  end
end

-- heartbeat records the agent loss a heartbeat at t ends, so uptime
-- reports keep past losses: the agent was lost from its previous heartbeat
-- + timeout until t. A late heartbeat (its seq not newer) splits the gap it
-- falls in, or opens one before the first heartbeat on record, so the gaps
-- depend on the set of heartbeats, not on the order they were stored in.
local function heartbeat(stateKey, gapsKey, t, newer)
  local prev, first = lastTime[stateKey], firstTime[stateKey]
  if newer then
    if prev > 0 and t - prev > timeout then
      addGap(gapsKey, prev + timeout, t)
    end
    if prev == 0 then
      firstTime[stateKey] = t
      redis.call('HSET', stateKey, 'first_ms', string.format('%d', t))
    end
    return
  end
  if first > 0 and t < first then
    if first - t > timeout then
      addGap(gapsKey, t + timeout, first)
    end
    firstTime[stateKey] = t
    redis.call('HSET', stateKey, 'first_ms', string.format('%d', t))
    return
  end
  -- The gap [from, to) that t falls in has from - timeout < t < to.
  local r = redis.call('ZREVRANGEBYSCORE', gapsKey, '(' .. string.format('%d', t + timeout), '-inf', 'LIMIT', 0, 1)
  if #r == 0 then
    return
  end
  local a, b = string.match(r[1], '^(%d+)-(%d+)$')
  local from, to = tonumber(a), tonumber(b)
  if from == nil or to <= t then
    return
  end
  redis.call('ZREM', gapsKey, r[1])
  addGap(gapsKey, from, t)
  if to - t > timeout then
    addGap(gapsKey, t + timeout, to)
  end
end

-- lowFPS keeps one fps sample per hour of the last day in the state hash
-- (field fps_hours, "<hour>=<fps>,...") and reports whether fps is far
-- below their median, the camera's normal, or below the floor.
local function lowFPS(stateKey, t, fps)
  local raw = redis.call('HGET', stateKey, 'fps_hours')
  if not raw then
    raw = ''
  end
  local hour = math.floor(t / 3600000)
  local kept, vals, have = {}, {}, false
  for hs, fs in string.gmatch(raw, '(%d+)=([%d%.eE+-]+)') do
    local hh, v = tonumber(hs), tonumber(fs)
    if hh and v and hh > hour - 24 and hh <= hour then
      kept[#kept + 1] = hs .. '=' .. fs
      vals[#vals + 1] = v
      if hh == hour then
        have = true
      end
    end
  end
  if not have then
    kept[#kept + 1] = string.format('%d', hour) .. '=' .. tostring(fps)
    vals[#vals + 1] = fps
    redis.call('HSET', stateKey, 'fps_hours', table.concat(kept, ','))
  end
  table.sort(vals)
  local n = #vals
  local median = vals[math.floor((n + 1) / 2)]
  if n % 2 == 0 then
    median = (vals[n / 2] + vals[n / 2 + 1]) / 2
  end
  return fps < floor or fps < ratio * median
end

-- derive records the camera's uptime state (field ustate) from a newer
-- health or stats event; a stats event writes a degraded or online
-- transition when the state changes between the two.
local function derive(stateKey, transKey, t, d, trans, alt)
  if string.sub(d, 1, 2) == 'h:' then
    redis.call('HSET', stateKey, 'ustate', string.sub(d, 3))
    return
  end
  local fps = tonumber(string.sub(d, 3))
  if fps == nil then
    return
  end
  local state = 'online'
  if fps < 0 or lowFPS(stateKey, t, fps) then
    state = 'degraded'
  end
  local prev = redis.call('HGET', stateKey, 'ustate')
  if not prev then
    prev = 'online'
  end
  if (prev == 'online' or prev == 'degraded') and prev ~= state then
    redis.call('HSET', stateKey, 'ustate', state)
    if t >= transCutoff then
      if state == 'degraded' then
        redis.call('ZADD', transKey, t, trans)
      else
        redis.call('ZADD', transKey, t, alt)
      end
    end
  end
end

-- write stores the event whose arguments start at ARGV[i] once its id is
-- new; it returns the outcome.
local function write(i, g, camera, first, stop)
  local t, seq, json = ARGV[i + 3], tonumber(ARGV[i + 4]), ARGV[i + 5]
  local member, kind, trans = ARGV[i + 6], ARGV[i + 7], ARGV[i + 8]
  local idsKey, stateKey = KEYS[g], KEYS[g + 1]
  local last = lastSeq[stateKey]
  if last == nil then
    local h = redis.call('HMGET', stateKey, 'seq', 'trimmed_ms', 'time_ms', 'first_ms')
    last = tonumber(h[1] or '0') or 0
    trimmed[stateKey] = tonumber(h[2] or '0') or 0
    lastTime[stateKey] = tonumber(h[3] or '0') or 0
    firstTime[stateKey] = tonumber(h[4] or '0') or 0
  end
  -- Newer than the state: a higher seq, or a later time. The second case is
  -- an agent whose spool was wiped (a new disk, a reinstall): its seqs start
  -- again at 1 while its clock moves on, and its state must follow it.
  -- Within one spool seq and time rise together, so a late (older) event
  -- has neither.
  local newer = seq > last or tonumber(t) > lastTime[stateKey]
  if camera then
    -- An event already past retention would be trimmed at once: skip it.
    if tonumber(t) >= eventsCutoff then
      redis.call('ZADD', KEYS[g + 2], t, json)
    end
    if trans ~= '' and string.sub(ARGV[i + 9], 1, 2) == 'h:' and tonumber(t) >= transCutoff then
      redis.call('ZADD', KEYS[g + 3], t, trans)
    end
    -- A camera with a state hash is in the set already.
    if last == 0 and not indexed[member] then
      indexed[member] = true
      redis.call('SADD', KEYS[1], member)
    end
  else
    heartbeat(stateKey, KEYS[g + 2], tonumber(t), newer)
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
    else
      redis.call('ZREMRANGEBYSCORE', KEYS[g + 2], '-inf', '(' .. ARGV[4])
    end
    redis.call('HSET', stateKey, 'trimmed_ms', ARGV[1])
  end
  if not newer then
    return 2
  end
  lastSeq[stateKey] = seq
  lastTime[stateKey] = tonumber(t)
  if camera and ARGV[i + 9] ~= '' then
    derive(stateKey, KEYS[g + 3], tonumber(t), ARGV[i + 9], trans, ARGV[i + 10])
  end
  redis.call('HSET', stateKey, 'seq', ARGV[i + 4], 'time_ms', t, 'kind', kind, unpack(ARGV, first, stop))
  if not camera then
    redis.call('HSET', KEYS[2], member, json)
  end
  return 1
end

local out = {}
local i = 10
while i <= #ARGV do
  local g = tonumber(ARGV[i])
  local camera = ARGV[i + 1] == 'c'
  local id = ARGV[i + 2]
  local first = i + 12
  local next = first + tonumber(ARGV[i + 11])
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
