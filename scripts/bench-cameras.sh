#!/usr/bin/env bash
# Detection CPU per camera and cameras per edge (docs/BENCHMARKS.md,
# "Cameras per edge"), in one run, ROUNDS times, alternating:
#   1. quality.BenchmarkStream: the edge's own pipeline (package detect)
#      with the default detector (auto) and the pixel tier, per 15 fps
#      stream, on quiet and busy 640x360 clips, H.264 and H.265 (the busy
#      clip re-encoded to H.265 at about the same bitrate here, x265);
#   2. the peer: `ffmpeg -threads 1 -c:v h264|hevc -i CLIP -f null -`, the
#      full decode of the same clips, user+sys CPU per 15 fps stream;
#   3. detect.BenchmarkSnapshot (colour snapshot, thumbnail) and
#      detect.BenchmarkUHDStream (a 4K stream on a camera detecting at
#      320 px).
# Prints every figure and the medians. Run it under nice on a shared
# machine; the ratios are the figures to read.
set -euo pipefail
ROUNDS=${ROUNDS:-3}
cd "$(dirname "$0")/.."
root=$(pwd)
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
sim=simcam/testdata/clips

# The busy grain (530 kbit/s H.264) as a camera sending H.265 would: x265
# at about the same bitrate, same GOP, no B-frames, AUDs and parameter sets
# before each IDR.
ffmpeg -nostdin -v error -i "$sim/busy-640x360.h264" -an -c:v libx265 -preset medium -b:v 450k \
	-x265-params "keyint=30:min-keyint=30:scenecut=0:bframes=0:aud=1:repeat-headers=1:log-level=error" \
	-f hevc "$work/busy-640x360.h265"
echo "busy-640x360.h265: $(($(stat -c %s "$work/busy-640x360.h265") * 8 / 10 / 1000)) kbit/s"

go test -c -o "$work/quality.test" ./quality
go test -c -o "$work/detect.test" ./detect
hz=$(getconf CLK_TCK)

clips=("$sim/static-640x360.h264" "$sim/busy-640x360.h264" "$work/busy-640x360.h265" "$sim/walk-640x360.h264"
	"$sim/walk-640x360.h265" quality/testdata/field/dusk-static-crf26.h264 quality/testdata/field/dusk-walk-cbr800.h264)
ffcpu() { # clip -> % of a core per 15 fps stream, full decode
	local codec=h264 t frames
	case $1 in *.h265) codec=hevc ;; esac
	frames=$(python3 -c 'import sys;d=open(sys.argv[1],"rb").read();print(d.count(b"\x00\x00\x00\x01\x46\x01") if sys.argv[1].endswith(".h265") else d.count(b"\x00\x00\x00\x01\x09"))' "$1")
	t=$( { /usr/bin/time -f "%U %S" ffmpeg -nostdin -v error -threads 1 -c:v $codec -i "$1" -f null - ; } 2>&1 | tail -1)
	awk -v t="$t" -v n="$frames" 'BEGIN{split(t,a," "); printf "%.3f", (a[1]+a[2])/n*15*100}'
}

out="$work/results"; : >"$out"
for r in $(seq "$ROUNDS"); do
	(cd quality && QUALITY_BENCH_CLIPS="$work/busy-640x360.h265" "$work/quality.test" -test.run '^$' \
		-test.bench '^BenchmarkStream$' -test.benchtime 3x) | awk -v r="$r" '/^BenchmarkStream/{
		name=$1; sub(/^BenchmarkStream\//,"",name); sub(/-[0-9]+$/,"",name)
		for (i=1;i<NF;i++) if ($(i+1)=="%core/stream") c=$i; else if ($(i+1)=="decoded/unit") d=$i
		printf "round %d camwatch %s %s %s\n", r, name, c, d}' | tee -a "$out"
	for c in "${clips[@]}"; do
		echo "round $r ffmpeg $(basename "$c") $(ffcpu "$c")" | tee -a "$out"
	done
	(cd detect && "$work/detect.test" -test.run '^$' -test.bench '^Benchmark(Snapshot|UHDStream)$' -test.benchtime 20x) |
		awk -v r="$r" '/^Benchmark/{name=$1; sub(/-[0-9]+$/,"",name); printf "round %d %s %s ns/op", r, name, $3
		for (i=4;i<NF;i++) if ($(i+1)=="bytes" || $(i+1)=="%core/stream") printf " %s %s", $i, $(i+1); print ""}' | tee -a "$out"
done

echo "--- medians of $ROUNDS rounds"
median() { sort -g | awk '{a[NR]=$1} END{if (NR) print (NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2}'; }
for name in $(awk '$3=="camwatch"{print $4}' "$out" | sort -u); do
	m=$(awk -v n="$name" '$3=="camwatch" && $4==n{print $5}' "$out" | median)
	d=$(awk -v n="$name" '$3=="camwatch" && $4==n{print $6}' "$out" | median)
	echo "camwatch $name: ${m}% of a core per stream, $d of the units decoded"
done
for c in "${clips[@]}"; do
	b=$(basename "$c")
	m=$(awk -v n="$b" '$3=="ffmpeg" && $4==n{print $5}' "$out" | median)
	echo "ffmpeg full decode $b: ${m}% of a core per stream"
done
for name in $(awk '$3 ~ /^Benchmark/{print $3}' "$out" | sort -u); do
	m=$(awk -v n="$name" '$3==n{print $4}' "$out" | median)
	x=$(awk -v n="$name" '$3==n{print $6}' "$out" | median)
	echo "$name: ${m} ns/op, $x $(awk -v n="$name" '$3==n{print $7; exit}' "$out")"
done
