#!/usr/bin/env bash
# Makes decode's slice-QP fixtures (raw Annex-B H.264, one slice per frame,
# an AUD before every access unit, SPS/PPS before every IDR):
#   qp20-*, qp34-*  ffmpeg's testsrc2 at constant QP 20 / 34 (x264 qp=N):
#                   every slice must read back exactly that QP; main
#                   profile at preset medium, so P slices carry weighted
#                   prediction tables and several reference frames; the
#                   high-profile one uses CABAC and 8x8 transforms.
#   cbr-walk-${w}x${h}, cbr-static-${w}x${h}
#                   simcam's walk and static scene (the same recipe as
#                   simcam/testdata/make-clips.sh, 20 s at 15 fps, a
#                   person-sized shape walking from 6 s to 12 s) encoded
#                   at constant bit rate (25 kbit/s with a 12 kbit buffer, nal-hrd=cbr: a starved uplink, so the rate control has to move the QP) instead
#                   of constant quality: frame sizes stay flat and the
#                   slice QP moves instead.
#   cbr-walknear-${w}x${h}
#                   the same walk with a nearer person (w/6 x 0.55 h
#                   instead of w/16 x 0.28 h), at the same starved rate.
# Run from anywhere; needs ffmpeg with libx264 and python3.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

encode() { ffmpeg -hide_banner -loglevel error -y "$@"; }

common=(-an -c:v libx264 -pix_fmt yuv420p -g 30 -keyint_min 30 -sc_threshold 0 -bf 0 -f h264)

for qp in 20 34; do
	encode -f lavfi -i testsrc2=size=320x240:rate=15 -t 3 "${common[@]}" \
		-profile:v main -preset medium \
		-x264-params "qp=$qp:sliced-threads=0:aud=1:repeat-headers=1" "$here/qp$qp-main.h264"
done
encode -f lavfi -i testsrc2=size=320x240:rate=15 -t 3 "${common[@]}" \
	-profile:v high -preset medium \
	-x264-params "qp=27:sliced-threads=0:aud=1:repeat-headers=1:cabac=1:8x8dct=1:ref=4" "$here/qp27-high.h264"
encode -f lavfi -i testsrc2=size=320x240:rate=15 -t 3 "${common[@]}" \
	-profile:v baseline -preset fast \
	-x264-params "qp=40:sliced-threads=0:aud=1:repeat-headers=1:slices=3" "$here/qp40-baseline-slices.h264"

FPS=15
SECONDS_LONG=20
WALK_FROM=6
WALK_TO=12
PREROLL=6
cbr=(-an -c:v libx264 -profile:v main -preset medium -pix_fmt yuv420p
	-b:v "${CBR_RATE:-25k}" -maxrate "${CBR_RATE:-25k}" -bufsize "${CBR_BUF:-12k}"
	-g 30 -keyint_min 30 -sc_threshold 0 -bf 0
	-x264-params nal-hrd=cbr:force-cfr=1:sliced-threads=0:aud=1:repeat-headers=1
	-r "$FPS" -t "$((SECONDS_LONG + PREROLL))" -f h264)

# The still scene is simcam's (its clip library).
# shellcheck source=../../simcam/testdata/cliplib.sh
. "$here/../../simcam/testdata/cliplib.sh"
w=${CBR_W:-320} h=${CBR_H:-240}
still "$w" "$h" "$tmp/still.png"

encode -loop 1 -framerate "$FPS" -i "$tmp/still.png" \
	-vf "noise=alls=2:allf=t,format=yuv420p" "${cbr[@]}" "$tmp/cbr-static-${w}x${h}.h264"

# walk NAME PW PH GRAIN: the walking shape (body PW x PH, head 0.6 PW
# square), its clothes textured with GRAIN (ffmpeg noise strength, fixed
# per frame pattern: 0 is a flat colour, cheap to code however large).
walk() {
	local name=$1 pw=$2 ph=$3 grain=$4
	local hw=$((pw * 6 / 10)) hh=$((pw * 6 / 10))
	local from=$((WALK_FROM + PREROLL)) to=$((WALK_TO + PREROLL))
	local move="-w+(t-$from)*(W+w)/($to-$from)"
	local on="between(t,$from,$to)"
	encode -loop 1 -framerate "$FPS" -i "$tmp/still.png" \
		-f lavfi -i "color=c=0x23386e:s=${pw}x${ph}:r=$FPS,noise=alls=$grain:allf=t+u" \
		-f lavfi -i "color=c=0xc89a78:s=${hw}x${hh}:r=$FPS" \
		-filter_complex "\
[0:v][1:v]overlay=x='$move':y=H*0.67-h:eval=frame:shortest=1:enable='$on'[a];\
[a][2:v]overlay=x='-$pw+(t-$from)*(W+$pw)/($to-$from)+($pw-w)/2':y=H*0.67-$ph-h:eval=frame:shortest=1:enable='$on',\
noise=alls=2:allf=t,format=yuv420p" "${cbr[@]}" "$tmp/$name-${w}x${h}.h264"
}
# simcam's person (w/16 x 0.28 h: far from the camera) and one close to it
# (w/6 x 0.55 h), the subject a doorway or alley camera sees.
walk cbr-walk $((w / 16)) $((h * 28 / 100)) 0
walk cbr-walknear $((w / 6)) $((h * 55 / 100)) "${CBR_GRAIN:-30}"

# Drop the rate control's settling head (PREROLL s, a whole number of GOPs).
for f in "$tmp"/cbr-*.h264; do
	python3 - "$f" "$((PREROLL * FPS))" "$here/$(basename "$f")" <<'PY'
import sys
src, skip, dst = sys.argv[1], int(sys.argv[2]), sys.argv[3]
data = open(src, "rb").read()
aud = b"\x00\x00\x00\x01\x09"
starts = [i for i in range(len(data)) if data.startswith(aud, i)]
if len(starts) <= skip:
    sys.exit("trim: %s has only %d access units" % (src, len(starts)))
open(dst, "wb").write(data[starts[skip]:])
PY
done
ls -l "$here"
