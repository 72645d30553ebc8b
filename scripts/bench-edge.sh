#!/usr/bin/env bash
# Edge CPU per stream: N simulated 640x360 15 fps cameras read by one
# camwatch edge agent (health + the default motion detector, auto since issue 11, + spool + NATS),
# against one `ffmpeg -rtsp_transport tcp -i URL -c copy -f null -` per
# stream, in the same run, alternating, ROUNDS times. Prints medians.
# Needs: ffmpeg, Redis at 127.0.0.1:6379, nats-server with JetStream at
# 127.0.0.1:4222 (both started by the machine or scripts/services.sh).
set -euo pipefail
N=${N:-100}; SECONDS_MEASURE=${MEASURE:-60}; WARMUP=${WARMUP:-10}; ROUNDS=${ROUNDS:-3}
BASE=${BASE_PORT:-21000}
cd "$(dirname "$0")/.."
go build -o bin/camwatch ./cmd/camwatch
work=$(mktemp -d); trap 'kill $(jobs -p) 2>/dev/null || true; sleep 1; rm -rf "$work"' EXIT
hz=$(getconf CLK_TCK)

# MIX=clip:weight,... gives the cameras a mix of clips in those proportions
# (MIX=static-640x360:9,walk-640x360:1 is one busy camera in ten);
# otherwise every camera plays CLIP (default busy-640x360).
mix=()
for cw in $(echo "${MIX:-${CLIP:-busy-640x360}:1}" | tr ',' ' '); do
  for _ in $(seq "${cw##*:}"); do mix+=("${cw%%:*}"); done
done
{ echo "listen: 127.0.0.1:$BASE"; echo "cameras:"
  for i in $(seq 0 $((N-1))); do
    echo "  - {id: cam$i, clip: ${mix[$((i % ${#mix[@]}))]}}"
  done; } > "$work/simcam.yaml"
{ echo "site: bench"; echo "agent: edge-bench"; echo "nats: {url: nats://127.0.0.1:4222}"
  echo "spool_dir: $work/spool"; echo "cameras:"
  for i in $(seq 0 $((N-1))); do echo "  - {id: cam$i, url: 'rtsp://127.0.0.1:$((BASE+i))/cam$i'}"; done; } > "$work/edge.yaml"
cat > "$work/aggregator.yaml" <<YAML
nats: {url: nats://127.0.0.1:4222}
redis: {url: redis://127.0.0.1:6379/0, prefix: camwatch-bench}
listen: 127.0.0.1:0
stream: {name: CAMWATCH_EVENTS, max_age: 1h}
consumer: {durable: bench}
YAML

bin/camwatch simcam -config "$work/simcam.yaml" -log-level warn & simcam=$!
bin/camwatch aggregator -config "$work/aggregator.yaml" -log-level warn & agg=$!
sleep 3

ticks() { # total utime+stime of the given pids
  local t=0
  for p in "$@"; do
    [ -r /proc/$p/stat ] || continue
    set -- $(sed 's/^.*) //' /proc/$p/stat)
    t=$((t + ${12} + ${13}))
  done
  echo $t
}
rss_mb() { local k=0; for p in "$@"; do k=$((k + $(awk '/VmRSS/{print $2}' /proc/$p/status 2>/dev/null || echo 0))); done; echo $((k/1024)); }
measure() { # pids... -> percent of one core, per stream
  local a b; a=$(ticks "$@"); sleep "$SECONDS_MEASURE"; b=$(ticks "$@")
  awk -v d=$((b-a)) -v hz="$hz" -v s="$SECONDS_MEASURE" -v n="$N" 'BEGIN{printf "%.3f", d*100/hz/s/n}'
}

edge_res=(); ff_res=(); sim_res=()
for r in $(seq "$ROUNDS"); do
  bin/camwatch edge -config "$work/edge.yaml" -log-level error & edge=$!
  sleep "$WARMUP"
  e=$(measure $edge); erss=$(rss_mb $edge)
  kill $edge; wait $edge 2>/dev/null || true
  pids=()
  for i in $(seq 0 $((N-1))); do
    ffmpeg -nostdin -loglevel error -rtsp_transport tcp -i "rtsp://127.0.0.1:$((BASE+i))/cam$i" -c copy -f null - & pids+=($!)
  done
  sleep "$WARMUP"
  f=$(measure "${pids[@]}"); frss=$(rss_mb "${pids[@]}")
  kill "${pids[@]}"; wait "${pids[@]}" 2>/dev/null || true
  echo "round $r: edge ${e}%/stream (RSS ${erss} MB total), ffmpeg -c copy ${f}%/stream (RSS ${frss} MB total)"
  edge_res+=("$e"); ff_res+=("$f")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END{print (NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2}'; }
me=$(median "${edge_res[@]}"); mf=$(median "${ff_res[@]}")
echo "median over $ROUNDS rounds, $N streams, ${SECONDS_MEASURE}s each: edge ${me}% of a core per stream, ffmpeg ${mf}%, ratio $(awk -v a="$me" -v b="$mf" 'BEGIN{printf "%.2f", a/b}')x"
