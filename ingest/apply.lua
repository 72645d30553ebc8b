-- Writes one accepted event, atomically and idempotently (see docs/redis.md).
-- KEYS[1] ids ZSET (dedupe), KEYS[2] state HASH, KEYS[3] index (SET of
-- cameras or HASH of agents), KEYS[4] live STREAM, KEYS[5] events ZSET,
-- KEYS[6] transitions ZSET. Heartbeats pass only KEYS[1..4].
-- ARGV: 1 id, 2 event time ms, 3 seq, 4 event JSON, 5 now ms,
-- 6 ids cutoff ms, 7 events cutoff ms, 8 transitions cutoff ms,
-- 9 live maxlen, 10 index member, 11 kind, 12 transition member or "",
-- 13.. state field/value pairs.
-- Returns 0 for a duplicate, 1 when the state advanced, 2 when the event
-- was stored but older than the state (seq not newer).
if redis.call('ZADD', KEYS[1], 'NX', ARGV[5], ARGV[1]) == 0 then
  return 0
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[6])
local camera = #KEYS >= 6
if camera then
  redis.call('ZADD', KEYS[5], ARGV[2], ARGV[4])
  redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', '(' .. ARGV[7])
  if ARGV[12] ~= '' then
    redis.call('ZADD', KEYS[6], ARGV[2], ARGV[12])
    redis.call('ZREMRANGEBYSCORE', KEYS[6], '-inf', '(' .. ARGV[8])
  end
  redis.call('SADD', KEYS[3], ARGV[10])
end
redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[9], '*', 'kind', ARGV[11], 'event', ARGV[4])
local last = tonumber(redis.call('HGET', KEYS[2], 'seq') or '0') or 0
if tonumber(ARGV[3]) <= last then
  return 2
end
local fields = {}
for i = 13, #ARGV do
  fields[#fields + 1] = ARGV[i]
end
redis.call('HSET', KEYS[2], 'seq', ARGV[3], 'time_ms', ARGV[2], 'kind', ARGV[11], unpack(fields))
if not camera then
  redis.call('HSET', KEYS[3], ARGV[10], ARGV[4])
end
return 1
