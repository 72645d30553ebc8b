-- Writes accepted events of ONE camera or ONE agent, idempotently (see
-- docs/redis.md). Every key of a call shares one hash tag, so the call
-- touches one Redis Cluster slot; the global indexes (camera and agent
-- sets) are added by separate, idempotent commands next to the call.
-- KEYS, camera: 1 state HASH, 2 transitions ZSET, 3 per-minute roll-ups
-- HASH (stats samples and the seqs of every event stored; the events
-- themselves stay in JetStream).
-- KEYS, agent: 1 state HASH, 2 gaps ZSET.
-- ARGV: the call's arguments named in CALL (in that order), then per
-- event the arguments named in EVENT followed by nfields state
-- field/value items. camstate's Go builder (args.go) lays them out from
-- the same two lists, and a test holds both to this file.
-- Returns one integer per event: 0 duplicate, 1 the state advanced, 2
-- stored but older than the state (seq not newer), 3 refused: seq advances
-- by more than the bound, 4 refused: an epoch the agent has not announced,
-- 5 the state advanced into a new epoch, 6 stored in the timeline but late
-- and either old or dated before the camera's first event, so it may not
-- change the camera's status history.
-- A refused event changes nothing. Duplicates are found by seq: the state
-- hash's field done keeps, per spool epoch, the ranges of seqs stored.
local CALL = {'scope', 'now', 'events_cutoff', 'trans_cutoff', 'trim_period', 'agent_timeout', 'ratio', 'floor', 'max_jump', 'unbounded', 'epochs'}
local EVENT = {'id', 'time', 'seq', 'json', 'kind', 'trans', 'derive', 'alt', 'epoch', 'old', 'fps', 'kbps', 'nfields'}

local C = {}
for j, name in ipairs(CALL) do
  C[name] = ARGV[j]
end
local camera = C.scope == 'c'
local now, period = tonumber(C.now), tonumber(C.trim_period)
local eventsCutoff, transCutoff = tonumber(C.events_cutoff), tonumber(C.trans_cutoff)
local timeout = tonumber(C.agent_timeout)
local ratio, floor = tonumber(C.ratio), tonumber(C.floor)
local maxJump = tonumber(C.max_jump)
local unbounded = C.unbounded == '1'
local lastSeq, lastTime, firstTime, trimmed = {}, {}, {}, {}
local lastEpoch, firstSeq = {}, {}

-- announced reports whether the agent whose state hash is key has
-- announced epoch in a heartbeat (its field epochs lists the last few).
local function announced(key, epoch)
  local list
  if key then
    list = redis.call('HGET', key, 'epochs')
  else
    list = C.epochs
  end
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

-- addGap records an agent loss [from, to) as camstate's gapMember does.
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
local function judge(a, camera, stateKey)
  local t, seq, epoch = tonumber(a.time), tonumber(a.seq), a.epoch
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
  if camera and not announced(nil, epoch) then
    return false, 4, false
  end
  if t > lastTime[stateKey] then
    return true, 0, true
  end
  return false, 0, false
end

-- done: the seqs stored, per epoch, as sorted disjoint ranges {lo, hi}.
-- Field done is "<epoch>=<lo>-<hi>,<lo>-<hi>;<epoch>=..." ("-" for no
-- epoch), the current epoch first, at most 4 epochs and 1024 ranges each
-- (beyond that the two lowest ranges merge: an event later arriving in
-- the gap between them counts as a duplicate; JetStream still has it).
local done, doneOrder, doneDirty = nil, {}, false
local function loadDone(stateKey)
  done = {}
  local raw = redis.call('HGET', stateKey, 'done') or ''
  for ep, list in string.gmatch(raw, '([^=;]+)=([^;]*)') do
    local rs = {}
    for lo, hi in string.gmatch(list, '(%d+)-(%d+)') do
      rs[#rs + 1] = {tonumber(lo), tonumber(hi)}
    end
    done[ep] = rs
    doneOrder[#doneOrder + 1] = ep
  end
end

local function isDone(ep, seq)
  local rs = done[ep]
  if not rs then
    return false
  end
  for _, r in ipairs(rs) do
    if seq < r[1] then
      return false
    end
    if seq <= r[2] then
      return true
    end
  end
  return false
end

local function markDone(ep, seq)
  doneDirty = true
  local rs = done[ep]
  if not rs then
    rs = {}
    done[ep] = rs
    table.insert(doneOrder, 1, ep)
  elseif doneOrder[1] ~= ep then
    for j, e in ipairs(doneOrder) do
      if e == ep then
        table.remove(doneOrder, j)
        break
      end
    end
    table.insert(doneOrder, 1, ep)
  end
  local at = #rs + 1
  for j, r in ipairs(rs) do
    if seq < r[1] then
      at = j
      break
    end
  end
  table.insert(rs, at, {seq, seq})
  -- merge with the neighbours it touches
  if at < #rs and rs[at + 1][1] == seq + 1 then
    rs[at][2] = rs[at + 1][2]
    table.remove(rs, at + 1)
  end
  if at > 1 and rs[at - 1][2] + 1 == rs[at][1] then
    rs[at - 1][2] = rs[at][2]
    table.remove(rs, at)
  end
  while #rs > 1024 do
    rs[1][2] = rs[2][2]
    table.remove(rs, 2)
  end
end

local function saveDone(stateKey)
  if not doneDirty then
    return
  end
  local parts = {}
  for j, ep in ipairs(doneOrder) do
    if j > 4 then
      break
    end
    local rs = {}
    for _, r in ipairs(done[ep]) do
      rs[#rs + 1] = string.format('%d-%d', r[1], r[2])
    end
    parts[#parts + 1] = ep .. '=' .. table.concat(rs, ',')
  end
  redis.call('HSET', stateKey, 'done', table.concat(parts, ';'))
end

-- num formats a roll-up figure compactly.
local function num(v)
  local s = string.format('%.10g', v)
  return s
end

-- rollup records an event in its minute's entry in the hour's field of
-- the roll-ups HASH: "<minute>:<n>,<fps min>,<fps max>,<fps sum>,<kbps
-- min>,<kbps max>,<kbps sum>,<stats seqs>,<other seqs>;" per minute, seqs
-- '.'-separated. A stats event adds its sample; any other event only its
-- seq (the event itself stays in JetStream). A seq already in the entry
-- is not added twice.
local function rollup(key, t, seq, stats, fps, kbps)
  local hour = math.floor(t / 3600000)
  local minute = math.floor((t % 3600000) / 60000)
  local field = string.format('%d', hour)
  local raw = redis.call('HGET', key, field) or ''
  local tag = string.format(';%d:', minute)
  local s = ';' .. raw
  local a = string.find(s, tag, 1, true)
  local sq = string.format('%d', seq)
  local n, f1, f2, fs, b1, b2, bs, ss, os = 0, fps, fps, 0, kbps, kbps, 0, '', ''
  local b
  if a then
    b = string.find(s, ';', a + 1, true)
    local entry = string.sub(s, a + #tag, b - 1)
    local xn, x1, x2, xs, y1, y2, ys, xss, xos = string.match(entry, '^(%d+),([^,]*),([^,]*),([^,]*),([^,]*),([^,]*),([^,]*),([%d.]*),([%d.]*)$')
    if not xn then
      return
    end
    for x in string.gmatch(xss .. '.' .. xos, '%d+') do
      if x == sq then
        return
      end
    end
    n, ss, os = tonumber(xn), xss, xos
    if n > 0 then
      f1, f2, fs, b1, b2, bs = tonumber(x1), tonumber(x2), tonumber(xs), tonumber(y1), tonumber(y2), tonumber(ys)
    end
  end
  local function add(list)
    if list == '' then
      return sq
    end
    return list .. '.' .. sq
  end
  if stats then
    n = n + 1
    f1, f2, fs = math.min(f1, fps), math.max(f2, fps), fs + fps
    b1, b2, bs = math.min(b1, kbps), math.max(b2, kbps), bs + kbps
    ss = add(ss)
  else
    os = add(os)
  end
  local e
  if n > 0 then
    e = string.format('%d,%s,%s,%s,%s,%s,%s,%s,%s', n, num(f1), num(f2), num(fs), num(b1), num(b2), num(bs), ss, os)
  else
    e = ',,,,,,' .. ',,' .. os
    e = '0' .. e
  end
  if a then
    s = string.sub(s, 1, a + #tag - 1) .. e .. string.sub(s, b)
    redis.call('HSET', key, field, string.sub(s, 2))
  else
    redis.call('HSET', key, field, raw .. string.format('%d:', minute) .. e .. ';')
  end
end

-- write stores the event a once its seq is new; it returns the outcome.
local function write(a, first, stop)
  local t, seq = a.time, tonumber(a.seq)
  local stateKey = KEYS[1]
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
    loadDone(stateKey)
  end
  local ep = a.epoch
  if ep == '' then
    ep = '-'
  end
  if isDone(ep, seq) then
    return 0
  end
  local newer, refused, newEpoch = judge(a, camera, stateKey)
  if refused ~= 0 then
    return refused
  end
  local epoch = a.epoch
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
    if beforeFirst or (not newer and a.old == '1') then
      history = false
    end
  end
  if camera and (last == 0 or (history and tonumber(t) < firstTime[stateKey])) then
    firstTime[stateKey] = tonumber(t)
    firstSeq[stateKey] = seq
    redis.call('HSET', stateKey, 'first_ms', t, 'first_seq', a.seq)
  end
  if camera then
    -- An event already past retention would be trimmed at once: skip it.
    if tonumber(t) >= eventsCutoff then
      rollup(KEYS[3], tonumber(t), seq, a.kind == 'stats', tonumber(a.fps) or 0, tonumber(a.kbps) or 0)
    end
    if a.trans ~= '' and string.sub(a.derive, 1, 2) == 'h:' and tonumber(t) >= transCutoff then
      if history then
        redis.call('ZADD', KEYS[2], t, a.trans)
      else
        kept = true
      end
    end
  else
    heartbeat(stateKey, KEYS[2], tonumber(t), newer)
  end
  markDone(ep, seq)
  -- Trim by age at most once per period and key: what ages out between
  -- trims is gone within a period.
  if now - trimmed[stateKey] >= period then
    trimmed[stateKey] = now
    if camera then
      redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. C.trans_cutoff)
      local cut = math.floor(eventsCutoff / 3600000)
      for _, f in ipairs(redis.call('HKEYS', KEYS[3])) do
        local hh = tonumber(f)
        if hh == nil or hh < cut then
          redis.call('HDEL', KEYS[3], f)
        end
      end
    else
      redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. C.trans_cutoff)
    end
    redis.call('HSET', stateKey, 'trimmed_ms', C.now)
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
  if camera and a.derive ~= '' then
    derive(stateKey, KEYS[2], tonumber(t), a.derive, a.trans, a.alt, history)
  end
  redis.call('HSET', stateKey, 'seq', a.seq, 'time_ms', t, 'kind', a.kind, 'epoch', epoch, unpack(ARGV, first, stop))
  if newEpoch then
    redis.call('HSET', stateKey, 'epoch_since_ms', t)
  end
  if not camera then
    redis.call('HSET', stateKey, 'hb', a.json)
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
local i = #CALL + 1
while i <= #ARGV do
  local a = {}
  for j, name in ipairs(EVENT) do
    a[name] = ARGV[i + j - 1]
  end
  local first = i + #EVENT
  local next = first + tonumber(a.nfields)
  local ok, res = pcall(write, a, first, next - 1)
  if not ok then
    -- Redis does not roll a script back: keep what the events before
    -- this one stored (their repeats are harmless), fail the call so that
    -- the retry writes this one again.
    saveDone(KEYS[1])
    return redis.error_reply(type(res) == 'table' and res.err or tostring(res))
  end
  out[#out + 1] = res
  i = next
end
saveDone(KEYS[1])
return out
