#!/usr/bin/env bash
# Regenerates the field clip set of the motion-quality benchmark (issue 11)
# from ffmpeg's lavfi sources (nothing is downloaded):
# `bash quality/testdata/make-field-clips.sh`.
#
# Where clips/ (make-clips.sh) is a clean 320x240 CRF 29 lab, these are
# what cheap street cameras send on their sub-stream: 640x360, 15 fps, GOP
# 30 without B-frames, a dusk picture (darker, flatter, half the colour)
# with the sensor noise of a camera at high gain, encoded at CRF 26 and 30
# (constant quality) and at CBR 800 kbit/s (rate control: frame sizes do
# not follow motion), plus distant walkers of 0.125 % and 0.1 % of the
# picture (12x24 and 10x23 px) in daylight. 12 s each, encoded PREROLL
# seconds longer and the head cut at a keyframe (x264's rate control
# settles). Every clip ends as it starts (a looping camera shows no seam).
#
# The ground truth is field/truth.json next to this script; keep both in
# step. Run it under `nice`: it encodes for about a minute on two cores.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
out="$here/field"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"

W=640 H=360 FPS=15 LEN=12 PREROLL=6

common=(-an -c:v libx264 -profile:v main -preset medium -pix_fmt yuv420p
	-g 30 -keyint_min 30 -sc_threshold 0 -bf 0 -r "$FPS" -t "$((LEN + PREROLL))" -f h264)
hdr=sliced-threads=0:aud=1:repeat-headers=1
crf() { echo "${common[@]}" -crf "$1" -x264-params "$hdr"; }
# CBR as a camera's encoder does it: a constant rate at a small buffer.
cbr() { echo "${common[@]}" -b:v "$1" -minrate "$1" -maxrate "$1" -bufsize "$(( ${1%k} / 2 ))k" -x264-params "$hdr:nal-hrd=cbr:force-cfr=1"; }

t() { echo "$(($1 + PREROLL))"; }

# shellcheck source=../../simcam/testdata/cliplib.sh
. "$here/../../simcam/testdata/cliplib.sh"

still "$W" "$H" "$tmp/street.png"
still=(-loop 1 -framerate "$FPS" -i "$tmp/street.png")
# Dusk at high gain: darker and flatter, colours fading, grain in every
# frame (strong enough to survive CRF 26).
dusk="eq=brightness=-0.20:contrast=0.70:saturation=0.5,noise=alls=7:allf=t"
day="noise=alls=2:allf=t"

# walkers NAME LOOK "ENCODER ARGS" "FROM TO PW PH FOOT" ...: shapes (body
# and head) crossing left to right, each visible from FROM to TO (clip
# seconds), FOOT the height of the feet as a fraction of the picture's; LOOK
# is the filter chain laid over the whole picture after them.
walkers() {
	local name=$1 look=$2 enc=$3; shift 3
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
	# shellcheck disable=SC2086
	encode "${still[@]}" "${inputs[@]}" -filter_complex "${graph}[$last]$look,format=yuv420p" \
		$enc "$out/$name.h264"
}

# still NAME LOOK "ENCODER ARGS": nothing moves.
quiet() {
	# shellcheck disable=SC2086
	encode "${still[@]}" -vf "$2,format=yuv420p" $3 "$out/$1.h264"
}

# A pedestrian of 30x90 px (about 1.2 % of the picture) on the sidewalk,
# 3 s to 9 s; the same scene at three encoder settings.
person="3 9 30 90 0.68"
walkers dusk-walk-crf26 "$dusk" "$(crf 26)" "$person"
walkers dusk-walk-crf30 "$dusk" "$(crf 30)" "$person"
walkers dusk-walk-cbr800 "$dusk" "$(cbr 800k)" "$person"

# Distant people on the far pavement, slow (9 s across the picture).
walkers distant-12x24 "$day" "$(crf 26)" "2 11 12 24 0.64"
walkers distant-10x23 "$day" "$(crf 26)" "2 11 10 23 0.64"
walkers dusk-distant-12x24 "$dusk" "$(crf 26)" "2 11 12 24 0.64"

# Clutter: the dusk grain alone, at each encoder setting.
quiet dusk-static-crf26 "$dusk" "$(crf 26)"
quiet dusk-static-crf30 "$dusk" "$(crf 30)"
quiet dusk-static-cbr800 "$dusk" "$(cbr 800k)"

for f in "$out"/*.h264; do trim "$f"; done
for f in "$out"/*.h264; do
	printf '%-28s %7d bytes %6.0f kbit/s\n' "$(basename "$f")" "$(stat -c %s "$f")" "$(echo "$(stat -c %s "$f") * 8 / $LEN / 1000" | bc -l)"
done
du -sh "$out"
