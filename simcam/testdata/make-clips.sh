#!/usr/bin/env bash
# Regenerates the simulated cameras' clips (raw Annex-B H.264) from ffmpeg's
# lavfi sources, so nothing is downloaded. Run from anywhere: `make clips`.
#
# Every clip: 15 fps, 20 s, GOP 30 without B-frames, one slice per frame,
# an AUD before every access unit and SPS/PPS before every IDR, constant
# quality (CRF) so that frame sizes react to motion like a real camera's.
#   static-*  a still street-like picture with light sensor noise
#   walk-*    the same picture; a person-sized shape walks across from
#             t=6 s to t=12 s and nothing moves outside that interval
#   dark-*    the street at night: nearly black with faint noise
#   busy-640x360  the street with heavy sensor grain (a camera at night with
#             high gain): about 600 kbit/s, 10 s, for load benchmarks
#   *.h265    static-640x360 and walk-640x360 again in H.265 (x265, the
#             default codec of many current cameras), same GOP, AUDs and
#             VPS/SPS/PPS before every IDR
# The ground truth is written to clips/clips.json.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
out="$here/clips"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"
# shellcheck source=cliplib.sh
. "$here/cliplib.sh"

FPS=15
SECONDS_LONG=20
WALK_FROM=6
WALK_TO=12
# x264 spends its first seconds settling its rate control (P-frames drift
# by 2-3x), which a looping camera would show as motion at every loop.
# So every clip is encoded PREROLL seconds longer and that head is cut off
# at a keyframe: the loop then starts on an IDR of a settled encoder.
PREROLL=6


x264=(-an -c:v libx264 -profile:v main -preset medium -crf 29 -pix_fmt yuv420p
	-g 30 -keyint_min 30 -sc_threshold 0 -bf 0
	-x264-params sliced-threads=0:aud=1:repeat-headers=1
	-r "$FPS" -t "$((SECONDS_LONG + PREROLL))" -f h264)
x265=(-an -c:v libx265 -preset medium -crf 30 -pix_fmt yuv420p
	-x265-params "keyint=30:min-keyint=30:scenecut=0:bframes=0:repeat-headers=1:aud=1:frame-threads=1:pools=none:log-level=error"
	-r "$FPS" -t "$((SECONDS_LONG + PREROLL))" -f hevc)



for size in 640x360 320x240; do
	w=${size%x*}
	h=${size#*x}
	still "$w" "$h" "$tmp/still-$size.png"

	# static: the still with temporal sensor noise.
	encode -loop 1 -framerate "$FPS" -i "$tmp/still-$size.png" \
		-vf "noise=alls=2:allf=t,format=yuv420p" "${x264[@]}" "$out/static-$size.h264"
	codecs=(x264)
	[ "$size" = 640x360 ] && codecs+=(x265)

	# walk: a person-sized shape (body and head) crosses the sidewalk.
	pw=$((w / 16)) ph=$((h * 28 / 100))
	hw=$((pw * 6 / 10)) hh=$((pw * 6 / 10))
	from=$((WALK_FROM + PREROLL)) to=$((WALK_TO + PREROLL))
	move="-w+(t-$from)*(W+w)/($to-$from)"
	on="between(t,$from,$to)"
	for enc in "${codecs[@]}"; do
		if [ "$enc" = x265 ]; then args=("${x265[@]}") ext=h265; else args=("${x264[@]}") ext=h264; fi
		encode -loop 1 -framerate "$FPS" -i "$tmp/still-$size.png" \
			-f lavfi -i "color=c=0x23386e:s=${pw}x${ph}:r=$FPS" \
			-f lavfi -i "color=c=0xc89a78:s=${hw}x${hh}:r=$FPS" \
			-filter_complex "\
[0:v][1:v]overlay=x='$move':y=H*0.67-h:eval=frame:shortest=1:enable='$on'[a];\
[a][2:v]overlay=x='-$pw+(t-$from)*(W+$pw)/($to-$from)+($pw-w)/2':y=H*0.67-$ph-h:eval=frame:shortest=1:enable='$on',\
noise=alls=2:allf=t,format=yuv420p" "${args[@]}" "$out/walk-$size.$ext"
	done
	if [ "$size" = 640x360 ]; then
		encode -loop 1 -framerate "$FPS" -i "$tmp/still-$size.png" \
			-vf "noise=alls=2:allf=t,format=yuv420p" "${x265[@]}" "$out/static-$size.h265"
	fi

	# dark: the street at night, nearly black, faint noise.
	encode -loop 1 -framerate "$FPS" -i "$tmp/still-$size.png" \
		-vf "lutyuv=y=16+val*0.06:u=128:v=128,noise=alls=2:allf=t,format=yuv420p" \
		"${x264[@]}" "$out/dark-$size.h264"
done

# busy: heavy temporal grain and a lower CRF, so the bitrate is that of a
# real sub-stream; 10 s keeps the file small.
BUSY_SECONDS=10
encode -loop 1 -framerate "$FPS" -i "$tmp/still-640x360.png" \
	-vf "noise=alls=8:allf=t,format=yuv420p" \
	"${x264[@]}" -crf 26 -t "$((BUSY_SECONDS + PREROLL))" "$out/busy-640x360.h264"

for f in "$out"/*.h264 "$out"/*.h265; do trim "$f"; done

{
	echo '['
	first=1
	for size in 640x360 320x240; do
		w=${size%x*}
		h=${size#*x}
		for kind in static walk dark; do
			motion='[]'
			[ "$kind" = walk ] && motion="[[${WALK_FROM}, ${WALK_TO}]]"
			[ $first = 1 ] || echo ','
			first=0
			printf '  {"name": "%s-%s", "width": %d, "height": %d, "fps": %d, "seconds": %d, "motion": %s}' \
				"$kind" "$size" "$w" "$h" "$FPS" "$SECONDS_LONG" "$motion"
		done
	done
	printf ',\n  {"name": "busy-640x360", "width": 640, "height": 360, "fps": %d, "seconds": %d, "motion": []}' "$FPS" "$BUSY_SECONDS"
	printf ',\n  {"name": "static-640x360-h265", "file": "static-640x360.h265", "codec": "h265", "width": 640, "height": 360, "fps": %d, "seconds": %d, "motion": []}' "$FPS" "$SECONDS_LONG"
	printf ',\n  {"name": "walk-640x360-h265", "file": "walk-640x360.h265", "codec": "h265", "width": 640, "height": 360, "fps": %d, "seconds": %d, "motion": [[%d, %d]]}\n' "$FPS" "$SECONDS_LONG" "$WALK_FROM" "$WALK_TO"
	echo ']'
} >"$out/clips.json"

ls -l "$out"
