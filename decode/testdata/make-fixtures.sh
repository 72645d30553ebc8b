#!/usr/bin/env bash
# Makes decode's H.265 fixture (the H.264 clips are simcam's): 3 s of
# ffmpeg's testsrc2 at 320x240, 15 fps, a keyframe every second, no
# B-frames. Run from this directory; needs ffmpeg with libx265.
set -euo pipefail
ffmpeg -y -v error -f lavfi -i testsrc2=size=320x240:rate=15 -t 3 \
  -c:v libx265 -x265-params keyint=15:min-keyint=15:bframes=0:log-level=error \
  -pix_fmt yuv420p testsrc-320x240.h265
