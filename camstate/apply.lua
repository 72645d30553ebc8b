-- Writes a batch of accepted events, idempotently (see docs/redis.md).
-- One call handles many events, so Redis runs one script (and parses one
-- command) per batch instead of one per event.
-- KEYS[1] cameras SET, KEYS[2] agents HASH, KEYS[3] live STREAM, then one
-- group per camera (ids ZSET, state HASH, events ZSET, transitions ZSET) or
-- agent (ids ZSET, state HASH, gaps ZSET), each named once per batch.
-- ARGV: 1 now ms, 2 ids cutoff ms, 3 events cutoff ms, 4 transitions cutoff
-- ms, 5 live maxlen, 6 trim period ms, 7 agent timeout ms, 8 degraded fps
-- ratio, 9 degraded fps floor, 10 max seq advance, 11 '1' to turn the seq,
-- epoch and history bounds off (only the benchmark's peer does), then
-- per event: key group index (into KEYS), scope ('c' camera, 'a' agent),
-- id, event time ms, seq, event JSON, index member (camera or agent id),
-- kind, transition member or "", derive ("h:<state>" health, "s:<fps>"
-- stats of an online camera, or ""), the online member of a stats event or
-- "", spool epoch or "", old ('1': the event was older than the age bound
-- when the stream stored it, else ''), n, n state field/value items.
-- A camera group's fifth key is its agent's state hash, where heartbeats
-- record the epochs the agent announced; its sixth the marks ZSET (the
-- events ZSET without stats, for timelines).
-- Returns one integer per event: 0 duplicate, 1 the state advanced, 2
-- stored but older than the state (seq not newer), 3 refused: seq advances
-- by more than the bound, 4 refused: an epoch the agent has not announced,
-- 5 the state advanced into a new epoch, 6 stored in the timeline but late
-- and either old or dated before the camera's first event, so it may not
-- change the camera's status history.
-- A refused event changes nothing (its id is forgotten too).
local now, period = tonumber(ARGV[1]), tonumber(ARGV[6])
local eventsCutoff, transCutoff = tonumber(ARGV[3]), tonumber(ARGV[4])
local timeout = tonumber(ARGV[7])
local ratio, floor = tonumber(ARGV[8]), tonumber(ARGV[9])
local maxJump = tonumber(ARGV[10])
local unbounded = ARGV[11] == '1'
local lastSeq, lastTime, firstTime, trimmed, indexed = {}, {}, {}, {}, {}
local lastEpoch, firstSeq = {}, {}

-- announced reports whether the agent whose state hash is key has
-- announced epoch in a heartbeat (its field epochs lists the last few).
local function announced(key, epoch)
  local list = redis.call('HGET', key, 'epochs')
  if not list then
    return false
  end
  for e in string.gmatch(list, '[^,]+') do
    if e == epoch then
      return true
    end
  end
  return false
end

-- announce records a heartbeat's epoch in its agent's list (last 8).
local function announce(key, epoch)
  local list = redis.call('HGET', key, 'epochs')
  local kept = {epoch}
  if list then
    for e in string.gmatch(list, '[^,]+') do
      if e ~= epoch and #kept < 8 then
        kept[#kept + 1] = e
      end
    end
  end
  redis.call('HSET', key, 'epochs', table.concat(kept, ','))
end
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
local function derive(stateKey, transKey, t, d, trans, alt, history)
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
    if t >= transCutoff and history then
      if state == 'degraded' then
        redis.call('ZADD', transKey, t, trans)
      else
        redis.call('ZADD', transKey, t, alt)
      end
    end
  end
end

-- judge decides, before anything is written, whether the event at ARGV[i]
-- is newer than its camera's (or agent's) state, late, or refused, from its
-- seq and spool epoch; it returns newer (bool), a refusal code or 0, and
-- whether it starts a new epoch.
local function judge(i, g, camera, stateKey)
  local t, seq, epoch = tonumber(ARGV[i + 3]), tonumber(ARGV[i + 4]), ARGV[i + 11]
  local last, prevEpoch = lastSeq[stateKey], lastEpoch[stateKey]
  if last == 0 then
    return true, 0, false
  end
  if unbounded then
    return seq > last or t > lastTime[stateKey], 0, false
  end
  if epoch == '' or prevEpoch == '' or epoch == prevEpoch then
    -- One spool: seq and time rise together, by a bounded step.
    if seq > last then
      if seq - last > maxJump then
        return false, 3, false
      end
      return true, 0, false
    end
    return false, 0, false
  end
  -- Another spool epoch: a wiped spool numbers from 1 again, so time
  -- decides, and only for an epoch its agent announced in a heartbeat (a
  -- heartbeat announces its own).
  if camera and not announced(KEYS[g + 4], epoch) then
    return false, 4, false
  end
  if t > lastTime[stateKey] then
    return true, 0, true
  end
  return false, 0, false
end

-- write stores the event whose arguments start at ARGV[i] once its id is
-- new; it returns the outcome.
local function write(i, g, camera, first, stop)
  local t, seq, json = ARGV[i + 3], tonumber(ARGV[i + 4]), ARGV[i + 5]
  local member, kind, trans = ARGV[i + 6], ARGV[i + 7], ARGV[i + 8]
  local epoch = ARGV[i + 11]
  local idsKey, stateKey = KEYS[g], KEYS[g + 1]
  local last = lastSeq[stateKey]
  if last == nil then
    local h = redis.call('HMGET', stateKey, 'seq', 'trimmed_ms', 'time_ms', 'first_ms', 'epoch', 'first_seq')
    last = tonumber(h[1] or '0') or 0
    lastSeq[stateKey] = last
    trimmed[stateKey] = tonumber(h[2] or '0') or 0
    lastTime[stateKey] = tonumber(h[3] or '0') or 0
    firstTime[stateKey] = tonumber(h[4] or '0') or 0
    lastEpoch[stateKey] = h[5] or ''
    firstSeq[stateKey] = tonumber(h[6] or '0') or 0
  end
  local newer, refused, newEpoch = judge(i, g, camera, stateKey)
  if refused ~= 0 then
    return refused
  end
  -- history: may a late event of this camera change its status history?
  -- Not when it is dated before the camera's first event (unless its seq
  -- says it really came first), nor when it was already old when it
  -- arrived (no spool holds it that long; a rebuild replays the stored
  -- arrival times, so it decides the same).
  -- A newer event dated before the first one (a clock set back, or a
  -- forgery) may move the state but not write history there either.
  local history, kept = true, false
  if camera and last > 0 and not unbounded then
    local tn = tonumber(t)
    local sameSpool = epoch == '' or lastEpoch[stateKey] == '' or epoch == lastEpoch[stateKey]
    local beforeFirst = firstTime[stateKey] > 0 and tn < firstTime[stateKey] and
      not (sameSpool and seq < firstSeq[stateKey])
    if beforeFirst or (not newer and ARGV[i + 12] == '1') then
      history = false
    end
  end
  if camera and (last == 0 or (history and tonumber(t) < firstTime[stateKey])) then
    firstTime[stateKey] = tonumber(t)
    firstSeq[stateKey] = seq
    redis.call('HSET', stateKey, 'first_ms', t, 'first_seq', ARGV[i + 4])
  end
  if camera then
    -- An event already past retention would be trimmed at once: skip it.
    if tonumber(t) >= eventsCutoff then
      redis.call('ZADD', KEYS[g + 2], t, json)
      if kind ~= 'stats' then
        redis.call('ZADD', KEYS[g + 5], t, json)
      end
    end
    if trans ~= '' and string.sub(ARGV[i + 9], 1, 2) == 'h:' and tonumber(t) >= transCutoff then
      if history then
        redis.call('ZADD', KEYS[g + 3], t, trans)
      else
        kept = true
      end
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
      redis.call('ZREMRANGEBYSCORE', KEYS[g + 5], '-inf', '(' .. ARGV[3])
      redis.call('ZREMRANGEBYSCORE', KEYS[g + 3], '-inf', '(' .. ARGV[4])
    else
      redis.call('ZREMRANGEBYSCORE', KEYS[g + 2], '-inf', '(' .. ARGV[4])
    end
    redis.call('HSET', stateKey, 'trimmed_ms', ARGV[1])
  end
  if not newer then
    if kept then
      return 6
    end
    return 2
  end

  lastSeq[stateKey] = seq
  lastTime[stateKey] = tonumber(t)
  lastEpoch[stateKey] = epoch
  if not camera and epoch ~= '' and not announced(stateKey, epoch) then
    announce(stateKey, epoch)
  end
  if camera and ARGV[i + 9] ~= '' then
    derive(stateKey, KEYS[g + 3], tonumber(t), ARGV[i + 9], trans, ARGV[i + 10], history)
  end
  redis.call('HSET', stateKey, 'seq', ARGV[i + 4], 'time_ms', t, 'kind', kind, 'epoch', epoch, unpack(ARGV, first, stop))
  if newEpoch then
    redis.call('HSET', stateKey, 'epoch_since_ms', t)
  end
  if not camera then
    redis.call('HSET', KEYS[2], member, json)
  end
  if newEpoch then
    return 5
  end
  if kept then
    return 6
  end
  return 1
end

local out = {}
local i = 12
while i <= #ARGV do
  local g = tonumber(ARGV[i])
  local camera = ARGV[i + 1] == 'c'
  local id = ARGV[i + 2]
  local first = i + 14
  local next = first + tonumber(ARGV[i + 13])
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
    if res == 3 or res == 4 then
      redis.call('ZREM', KEYS[g], id)
    end
    out[#out + 1] = res
  end
  i = next
end
if live then
  redis.call('XTRIM', KEYS[3], 'MAXLEN', '~', ARGV[5])
end
return out
