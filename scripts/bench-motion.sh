#!/usr/bin/env bash
# Motion detection quality against the Debian `motion` daemon as the peer
# (docs/BENCHMARKS.md, "Motion detection quality"). Every clip of
# quality/testdata is served by `camwatch simcam` as its own RTSP camera;
# one `motion` process watches them all with a generated config, its
# on_event_start/on_event_end hooks writing wall-clock timestamps. The
# events are put on the cameras' loop clock and scored by the same matcher
# as camwatch's tiers (go test -run TestPeer ./quality), and motion's CPU
# per stream is read from /proc. ROUNDS rounds, medians printed, followed
# by camwatch's own tiers (go test ./quality, BenchmarkTier).
# SET=field scores the field clips instead (quality/testdata/field:
# 640x360 dusk grain, CBR, distant walkers; motion's threshold is scaled
# to the picture so it stays 0.33 % of it, or THRESHOLD as given).
# Installs motion with apt-get when it is missing and we are root.
set -euo pipefail
ROUNDS=${ROUNDS:-3}; LOOPS=${LOOPS:-3}; BASE=${BASE_PORT:-22000}
SET=${SET:-lab}; EVENT_GAP=${EVENT_GAP:-3}
cd "$(dirname "$0")/.."
root=$(pwd)
case $SET in
lab) tdir=quality/testdata; cdir=quality/testdata/clips; settest=TestClipSet ;;
field) tdir=quality/testdata/field; cdir=quality/testdata/field; settest=TestFieldSet ;;
*) echo "bench-motion: SET must be lab or field" >&2; exit 2 ;;
esac
truth=$tdir/truth.json
read -r W H < <(python3 -c 'import json,sys;t=json.load(open(sys.argv[1]));print(t["width"],t["height"])' "$truth")
THRESHOLD=${THRESHOLD:-$((250 * W * H / (320 * 240)))}

if ! command -v motion >/dev/null; then
	if [ "$(id -u)" = 0 ]; then
		apt-get install -y -q motion >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q motion >/dev/null; }
	else
		echo "bench-motion: install the motion package (apt-get install motion)" >&2; exit 1
	fi
fi
go build -o bin/camwatch ./cmd/camwatch
work=$(mktemp -d); trap 'kill $(jobs -p) 2>/dev/null || true; sleep 1; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
hz=$(getconf CLK_TCK)
clips=($(python3 -c 'import json,sys;print(" ".join(c["name"] for c in json.load(open(sys.argv[1]))["clips"]))' "$truth"))
period=$(python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["seconds"])' "$truth")
n=${#clips[@]}

{ echo "listen: 127.0.0.1:$BASE"; echo "cameras:"
  for c in "${clips[@]}"; do echo "  - {id: $c, clip: $root/$cdir/$c.h264}"; done; } >"$work/simcam.yaml"

# The hook: motion expands %-codes in commands, so the clock is read here.
cat >"$work/hook.sh" <<'SH'
#!/bin/sh
echo "$1 $2 $(date +%s.%N)" >>"$3"
SH
chmod +x "$work/hook.sh"

now() { date +%s.%N; }
bin/camwatch simcam -config "$work/simcam.yaml" -log-level warn & simcam=$!
# The cameras' loop clock starts when their RTSP servers listen; poll the
# last one, 20 ms apart.
until (exec 3<>/dev/tcp/127.0.0.1/$((BASE + n - 1))) 2>/dev/null; do sleep 0.02; done
t0=$(now)

ticks() { set -- $(sed 's/^.*) //' /proc/$1/stat); echo $((${12} + ${13})); }
f1s=(); fas=(); ons=(); cpus=()
for r in $(seq "$ROUNDS"); do
	d="$work/round$r"; mkdir -p "$d/out"
	: >"$d/events"
	{ echo "daemon off"; echo "log_level 3"; echo "log_file $d/motion.log"; echo "target_dir $d/out"
	  echo "webcontrol_port 0"; echo "stream_port 0"
	  echo "width $W"; echo "height $H"; echo "framerate 15"
	  echo "netcam_params rtsp_transport=tcp"
	  echo "threshold $THRESHOLD"; echo "noise_tune on"; echo "despeckle_filter EedDl"
	  echo "lightswitch_percent 50"; echo "lightswitch_frames 5"
	  echo "minimum_motion_frames 2"; echo "event_gap $EVENT_GAP"; echo "pre_capture 0"; echo "post_capture 0"
	  echo "picture_output off"; echo "movie_output off"; echo "snapshot_interval 0"
	  echo "text_left"; echo "text_right"
	  i=0
	  for c in "${clips[@]}"; do
		cat >"$d/$c.conf" <<CONF
camera_id $((i + 1))
camera_name $c
netcam_url rtsp://127.0.0.1:$((BASE + i))/$c
on_event_start $work/hook.sh $c start $d/events
on_event_end $work/hook.sh $c end $d/events
CONF
		echo "camera $d/$c.conf"; i=$((i + 1))
	  done; } >"$d/motion.conf"
	motion -n -c "$d/motion.conf" >"$d/stdout" 2>&1 & m=$!
	# Score LOOPS whole loops after one loop of warm-up.
	from=$(awk -v t="$(now)" -v t0="$t0" -v p="$period" 'BEGIN{x=(t-t0)+p; printf "%d", (int(x/p)+1)*p}')
	to=$((from + LOOPS * ${period%.*}))
	sleep "$(awk -v t="$(now)" -v t0="$t0" -v f="$from" 'BEGIN{printf "%.3f", t0+f-t}')"
	a=$(ticks $m); ta=$(now)
	sleep "$(awk -v t="$(now)" -v t0="$t0" -v e="$to" 'BEGIN{printf "%.3f", t0+e-t}')"
	b=$(ticks $m); tb=$(now)
	sleep $((EVENT_GAP + 1))
	kill $m; wait $m 2>/dev/null || true
	cpu=$(awk -v d=$((b - a)) -v hz="$hz" -v s="$(awk -v a="$ta" -v b="$tb" 'BEGIN{print b-a}')" -v n="$n" 'BEGIN{printf "%.3f", d*100/hz/s/n}')
	# On the cameras' clock: an end fires EVENT_GAP after the last motion
	# (an event cut short, e.g. by a lightswitch, ends at its start).
	awk -v t0="$t0" -v gap="$EVENT_GAP" -v kill="$(now)" '
		$2=="start"{s[$1]=$3-t0; next}
		$2=="end" && ($1 in s){e=$3-t0-gap; if (e<s[$1]) e=s[$1]; printf "%s %.3f %.3f\n", $1, s[$1], e; delete s[$1]}
		END{for (c in s) printf "%s %.3f %.3f\n", c, s[c], kill-t0-gap}' "$d/events" >"$d/intervals"
	out=$(QUALITY_PEER_TRUTH="${truth#quality/}" QUALITY_PEER_EVENTS="$d/intervals" QUALITY_PEER_WINDOW="$from $to" go test -count=1 -run '^TestPeer$' -v ./quality)
	echo "$out" | sed -n '/^tier motion/,/^motion+clutter/p'
	line=$(echo "$out" | grep '^PEER')
	f1=$(echo "$line" | sed 's/.*f1=\([^ ]*\).*/\1/'); fa=$(echo "$line" | sed 's/.*clutter_false=\([^ ]*\).*/\1/')
	on=$(echo "$line" | sed 's/.*onset_max=\([^ ]*\).*/\1/')
	echo "round $r: motion F1 $f1, clutter false alarms $fa, worst onset ${on}s, CPU ${cpu}% of a core per stream ($n streams, window ${from}-${to}s)"
	f1s+=("$f1"); fas+=("$fa"); ons+=("$on"); cpus+=("$cpu")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END{print (NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2}'; }
mf=$(median "${f1s[@]}"); mfa=$(median "${fas[@]}"); mon=$(median "${ons[@]}"); mcpu=$(median "${cpus[@]}")
echo "motion, median of $ROUNDS rounds: F1 $mf, clutter false alarms $mfa, worst onset ${mon}s, CPU ${mcpu}% of a core per stream"

echo "--- camwatch tiers on the same clips (go test -v -run $settest ./quality)"
go test -count=1 -run "^$settest\$" -v ./quality | grep -E '^tier|^motion\+clutter'
[ "$SET" = lab ] || exit 0
echo "--- camwatch CPU per stream (BenchmarkTier, 15 fps in; pixel and gate decode at 5 fps)"
bench=$(go test -run '^$' -bench '^BenchmarkTier$' -benchtime 20x -count "$ROUNDS" ./quality | grep '^BenchmarkTier')
echo "$bench"
for tier in compressed pixel gate; do
	for clip in walk-normal static; do
		c=$(median $(echo "$bench" | grep "/$tier/$clip-" | awk '{for (i=1;i<NF;i++) if ($(i+1)=="%core/stream") print $i}'))
		echo "$tier on $clip: ${c}% of a core per stream, $(awk -v a="$c" -v b="$mcpu" 'BEGIN{printf "%.3f", a/b}')x motion's CPU"
	done
done
