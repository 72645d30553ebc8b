#!/usr/bin/env bash
# Regenerates the labelled clip set of the motion-quality benchmark from
# ffmpeg's lavfi sources (nothing is downloaded): `make quality-clips` or
# `bash quality/testdata/make-clips.sh`.
#
# Every clip: 320x240, 15 fps, 16 s, GOP 30 without B-frames, one slice
# per frame, an AUD before every access unit and SPS/PPS before every IDR,
# CRF 29 like simcam's clips, so frame sizes react to motion like a real
# camera's. Each clip is encoded PREROLL seconds longer and the head cut
# off at a keyframe (x264's rate control settles in its first seconds).
# Every clip ends as it starts, so a camera looping it shows no seam.
#
# The ground truth (motion intervals in seconds, expected tamper findings)
# is truth.json next to this script; keep both in step.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
out="$here/clips"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"

W=320 H=240 FPS=15 LEN=16 PREROLL=6


x264=(-an -c:v libx264 -profile:v main -preset medium -crf 29 -pix_fmt yuv420p
	-g 30 -keyint_min 30 -sc_threshold 0 -bf 0
	-x264-params sliced-threads=0:aud=1:repeat-headers=1
	-r "$FPS" -t "$((LEN + PREROLL))" -f h264)

# t S: clip second S as encoder time (the preroll is cut off later).
t() { echo "$(($1 + PREROLL))"; }

# encode, trim and still (the street of simcam's clips) are shared.
# shellcheck source=../../simcam/testdata/cliplib.sh
. "$here/../../simcam/testdata/cliplib.sh"

still "$W" "$H" "$tmp/street.png"
# Where a camera turned away looks: a close-up of the buildings.
encode -i "$tmp/street.png" -vf "crop=iw/2:ih/2:iw/2:ih/8,scale=${W}:${H},hflip" "$tmp/away.png"

still=(-loop 1 -framerate "$FPS" -i "$tmp/street.png")
sensor="noise=alls=2:allf=t"

# walkers NAME "FROM TO PW PH FOOT" ...: shapes (body and head) crossing the
# picture left to right, each visible from FROM to TO (clip seconds);
# FOOT is where the feet are, as a fraction of the height.
walkers() {
	local name=$1; shift
	local inputs=() graph="" last="0:v" n=1 i=0
	for w in "$@"; do
		read -r from to pw ph foot <<<"$w"
		local hw=$((pw * 6 / 10)) a b
		a=$(t "$from") b=$(t "$to")
		inputs+=(-f lavfi -i "color=c=0x23386e:s=${pw}x${ph}:r=$FPS"
			-f lavfi -i "color=c=0xc89a78:s=${hw}x${hw}:r=$FPS")
		local x="-$pw+(t-$a)*(W+$pw)/($b-$a)" on="between(t,$a,$b)"
		graph+="[$last][$n:v]overlay=x='$x':y=H*$foot-h:eval=frame:shortest=1:enable='$on'[b$i];"
		graph+="[b$i][$((n + 1)):v]overlay=x='$x+($pw-w)/2':y=H*$foot-$ph-h:eval=frame:shortest=1:enable='$on'[w$i];"
		last="w$i" n=$((n + 2)) i=$((i + 1))
	done
	encode "${still[@]}" "${inputs[@]}" -filter_complex "${graph}[$last]$sensor,format=yuv420p" \
		"${x264[@]}" "$out/$name.h264"
}

# filtered NAME FILTERS: the still street through a filter chain.
filtered() {
	encode "${still[@]}" -vf "$2,format=yuv420p" "${x264[@]}" "$out/$1.h264"
}

# Motion: people at several speeds and sizes.
walkers walk-normal "5 10 20 67 0.67"
walkers walk-slow "3 13 20 67 0.67"
walkers walk-fast "3 5 20 67 0.67" "10 12 20 67 0.67"
walkers walk-near "5 9 48 150 0.95"
walkers distant-small "4 14 8 24 0.64"

# Clutter: nothing moves, the picture changes anyway.
filtered static "$sensor"
filtered light-gradual "eq=brightness='-0.25*clip((t-$(t 2))/5,0,1)+0.25*clip((t-$(t 9))/5,0,1)':eval=frame,$sensor"
filtered light-sudden "eq=brightness=-0.18:contrast=0.8:enable='between(t,$(t 5),$(t 11))',$sensor"
filtered noise-heavy "noise=alls=10:allf=t"
filtered ir-switch "hue=s=0:enable='between(t,$(t 5),$(t 12))',eq=brightness=0.12:contrast=0.7:enable='between(t,$(t 5),$(t 12))',$sensor"
filtered shake "crop=w=iw-12:h=ih-12:x='6+if(between(t,$(t 5),$(t 10)),5*sin(2*PI*3*t),0)':y='6+if(between(t,$(t 5),$(t 10)),4*cos(2*PI*2*t),0)',scale=${W}:${H},$sensor"
# Rain: sparse dots (drawn at half size, so fewer and larger) stretched
# into short vertical streaks, new
# every frame, laid over the street as a light grey.
encode "${still[@]}" -f lavfi -i "color=c=0x7f7f7f:s=$((W / 2))x$((H / 2)):r=$FPS" \
	-f lavfi -i "color=c=0xd0d8e0:s=${W}x${H}:r=$FPS" -filter_complex "\
[1:v]format=gray,noise=alls=100:allf=t+u,lutyuv=y='if(gt(val,175),255,0)',avgblur=sizeX=1:sizeY=3,lutyuv=y='min(255,val*8)',scale=${W}:${H}[m];\
[2:v]format=yuva420p[w];[w][m]alphamerge[r];\
[0:v][r]overlay=shortest=1,$sensor,format=yuv420p" "${x264[@]}" "$out/rain.h264"

# Tamper: a covered lens, a frozen picture (its sensor noise is strong
# enough to survive the encoder, so the live picture visibly lives), a
# camera turned away.
filtered covered "drawbox=x=0:y=0:w=iw:h=ih:c=0x101010:t=fill:enable='between(t,$(t 6),$(t 14))',$sensor"
encode "${still[@]}" -filter_complex "[0:v]noise=alls=6:allf=t,split[a][b];\
[a][b]freezeframes=first=$(($(t 6) * FPS)):last=$(($(t 14) * FPS)):replace=$(($(t 6) * FPS)),format=yuv420p" \
	"${x264[@]}" "$out/frozen.h264"
encode "${still[@]}" -loop 1 -framerate "$FPS" -i "$tmp/away.png" -filter_complex "\
[0:v][1:v]overlay=enable='between(t,$(t 6),$(t 14))':shortest=1,$sensor,format=yuv420p" \
	"${x264[@]}" "$out/turned-away.h264"

for f in "$out"/*.h264; do trim "$f"; done
ls -l "$out"
du -sh "$out"
