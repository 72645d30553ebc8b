#!/usr/bin/env bash
# Extra load of probing offline cameras (docs/BENCHMARKS.md, "Offline
# probing"): an edge agent watching N cameras that all refuse connections
# (nothing listens on their ports), for SECONDS, with the probe interval
# under test and, as the peer in the same run, with probing effectively off
# (probe_interval: 1h: no probe, no redial of a refusing camera). CPU is the
# edge process's utime+stime; packets are the TCP segments sent in a private
# network namespace (so nobody else's traffic counts), both sides included.
# Needs root (unshare -n). Usage: scripts/bench-probing.sh [N] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100}
SECS=${2:-60}
BIN=${BIN:-$(mktemp -d)/camwatch}
[ -x "$BIN" ] || go build -o "$BIN" ./cmd/camwatch
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

run() { # $1 = probe interval; prints "cpu_s segments"
  local cfg="$TMP/edge-$1.yaml"
  {
    echo "site: bench"
    echo "agent: bench-edge"
    echo "nats: {url: nats://127.0.0.1:1}"
    echo "spool_dir: $TMP/spool-$1"
    echo "timing: {probe_interval: $1}"
    echo "cameras:"
    for i in $(seq 1 "$N"); do echo "  - {id: cam-$i, url: rtsp://127.0.0.1:$((20000 + i))/cam}"; done
  } >"$cfg"
  unshare -n bash -c '
    ip link set lo up
    "$0" edge -config "$1" -log-level error >/dev/null 2>&1 &
    pid=$!
    sleep 5 # past the first dials
    seg0=$(awk "/^Tcp:/ && ++n == 2 {print \$12}" /proc/net/snmp)
    read -r u0 s0 < <(awk "{print \$14, \$15}" /proc/$pid/stat)
    sleep "$2"
    seg1=$(awk "/^Tcp:/ && ++n == 2 {print \$12}" /proc/net/snmp)
    read -r u1 s1 < <(awk "{print \$14, \$15}" /proc/$pid/stat)
    kill $pid; wait $pid 2>/dev/null || true
    hz=$(getconf CLK_TCK)
    echo "$(( (u1 + s1 - u0 - s0) )) $hz $((seg1 - seg0))"
  ' "$BIN" "$cfg" "$SECS"
}

printf "%d refusing cameras, %d s\n" "$N" "$SECS"
printf "%-16s %14s %22s %26s\n" "probe_interval" "cpu % of core" "cpu ms / camera / min" "segments / camera / min"
for p in 1h 1s 500ms 200ms; do
  read -r ticks hz segs < <(run "$p")
  awk -v p="$p" -v t="$ticks" -v hz="$hz" -v s="$segs" -v n="$N" -v d="$SECS" 'BEGIN {
    cpu = t / hz
    printf "%-16s %14.2f %22.2f %26.1f\n", p, 100 * cpu / d, 1000 * cpu / n / (d / 60), s / n / (d / 60)
  }'
done
