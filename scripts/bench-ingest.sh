#!/usr/bin/env bash
# Aggregator ingest throughput against two peers on the same machine, in
# the same run, alternating, ROUNDS times; prints each round and medians:
#  (a) redis-benchmark -P 16 XADD of a ~200-byte value on a throwaway key
#      (and plain SET for reference),
#  (b) JetStream consume alone: Fetch(batch) + Ack of N pre-published
#      events on an embedded nats-server (BenchmarkJetStreamConsumeOnly),
#  (c) camwatch ingest: N pre-published realistic events drained by one
#      ingester into the real Redis, until all are acked
#      (BenchmarkIngestDrain).
# Needs Redis at REDIS_URL (default redis://127.0.0.1:6379/0) and
# redis-benchmark. Knobs: ROUNDS (5), N events (100000), REQUESTS for
# redis-benchmark (500000), CAMWATCH_BENCH_BATCH (256), CAMWATCH_BENCH_WORKERS
# (the ingester's default), INGEST_TEST (a prebuilt `go test -c ./ingest`
# binary, e.g. of an older commit, instead of building the working tree).
set -euo pipefail
ROUNDS=${ROUNDS:-5}; N=${N:-100000}; REQUESTS=${REQUESTS:-500000}
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/0}
hostport=${REDIS_URL#redis://}; hostport=${hostport%%/*}
RHOST=${hostport%:*}; RPORT=${hostport##*:}
cd "$(dirname "$0")/.."
work=$(mktemp -d); key="camwatch-bench-xadd-$$"
trap 'redis-cli -h "$RHOST" -p "$RPORT" DEL "$key" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
if [ -n "${INGEST_TEST:-}" ]; then cp "$INGEST_TEST" "$work/ingest.test"; else go test -c -o "$work/ingest.test" ./ingest; fi
value=$(head -c 150 /dev/urandom | base64 -w0 | head -c 200) # 200 bytes

rps() { sed -n 's/.*: \([0-9.]*\) requests per second.*/\1/p' | tail -1; }
xadd() {
  redis-cli -h "$RHOST" -p "$RPORT" DEL "$key" >/dev/null
  redis-benchmark -h "$RHOST" -p "$RPORT" -P 16 -n "$REQUESTS" -q \
    XADD "$key" MAXLEN '~' 10000 '*' event "$value" 2>/dev/null | tr '\r' '\n' | rps
}
set_() { redis-benchmark -h "$RHOST" -p "$RPORT" -P 16 -n "$REQUESTS" -q -t set 2>/dev/null | tr '\r' '\n' | rps; }
gobench() { # benchmark name -> events/s
  (cd ingest && "$work/ingest.test" -test.run '^$' -test.bench "^$1\$" -test.benchtime "${N}x") |
    awk '/events\/s/{for(i=1;i<=NF;i++) if($(i+1)=="events/s") print $i}' | tail -1
}
median() { sort -g | awk '{a[NR]=$1} END{if(NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

printf '%-6s %14s %14s %14s %14s\n' round xadd-P16/s set-P16/s jetstream/s ingest/s
for r in $(seq 1 "$ROUNDS"); do
  x=$(xadd); s=$(set_); j=$(gobench BenchmarkJetStreamConsumeOnly); i=$(gobench BenchmarkIngestDrain)
  printf '%-6s %14s %14s %14s %14s\n' "$r" "$x" "$s" "$j" "$i"
  echo "$x" >>"$work/x"; echo "$s" >>"$work/s"; echo "$j" >>"$work/j"; echo "$i" >>"$work/i"
done
X=$(median <"$work/x"); S=$(median <"$work/s"); J=$(median <"$work/j"); I=$(median <"$work/i")
printf '%-6s %14.0f %14.0f %14.0f %14.0f\n' median "$X" "$S" "$J" "$I"
awk -v i="$I" -v x="$X" -v j="$J" -v s="$S" 'BEGIN{
  printf "ingest / redis-benchmark XADD -P16: %.3f (goal >= 0.5)\n", i/x
  printf "ingest / redis-benchmark SET -P16:  %.3f\n", i/s
  printf "ingest / JetStream consume only:    %.3f\n", i/j
  printf "JetStream consume / XADD -P16:      %.3f (the most any JetStream-fed ingest could reach)\n", j/x
}'
