# Shared by the clip scripts (simcam/testdata/make-clips.sh,
# quality/testdata/make-clips.sh, decode/testdata/make-qp-clips.sh): source
# it, do not run it. It defines encode, trim (which reads PREROLL and FPS)
# and still, the street picture every simulated camera looks at.

encode() { # input-args... -- output
	ffmpeg -hide_banner -loglevel error -y "$@"
}

# trim FILE: drop the first PREROLL seconds of access units (the stream has
# an AUD before each one and SPS/PPS (H.265: VPS/SPS/PPS) before each IDR,
# and PREROLL*FPS is a multiple of the GOP, so the result starts on a
# complete IDR). A .h265 file is cut at H.265 AUDs.
trim() {
	python3 - "$1" "$((PREROLL * FPS))" <<'PY'
import sys
path, skip = sys.argv[1], int(sys.argv[2])
data = open(path, "rb").read()
aud = b"\x00\x00\x00\x01\x46\x01" if path.endswith(".h265") else b"\x00\x00\x00\x01\x09"
starts = [i for i in range(len(data)) if data.startswith(aud, i)]
if len(starts) <= skip:
    sys.exit("trim: %s has only %d access units" % (path, len(starts)))
open(path, "wb").write(data[starts[skip]:])
PY
}

# still W H FILE: one frame of a street: sky, buildings with a window grid,
# sidewalk, road with lane marks, a static grain as texture.
still() {
	local w=$1 h=$2 file=$3
	local g=$((w / 40))
	encode -f lavfi -i "color=c=0x5c5c5c:s=${w}x${h}:r=1" -frames:v 1 -vf "\
drawbox=x=0:y=0:w=iw:h=ih*0.30:c=0x9fb4c8:t=fill,\
drawbox=x=0:y=ih*0.10:w=iw*0.22:h=ih*0.52:c=0x8c6f5a:t=fill,\
drawbox=x=iw*0.24:y=ih*0.04:w=iw*0.20:h=ih*0.58:c=0xb0a48a:t=fill,\
drawbox=x=iw*0.46:y=ih*0.18:w=iw*0.22:h=ih*0.44:c=0x6f7f8f:t=fill,\
drawbox=x=iw*0.70:y=ih*0.12:w=iw*0.30:h=ih*0.50:c=0x7d8a6e:t=fill,\
drawgrid=x=0:y=ih*0.10:w=${g}:h=${g}:t=2:c=0x303030@0.45,\
drawbox=x=0:y=0:w=iw*0.24:h=ih*0.10:c=0x9fb4c8:t=fill,\
drawbox=x=iw*0.24:y=0:w=iw*0.20:h=ih*0.04:c=0x9fb4c8:t=fill,\
drawbox=x=iw*0.44:y=0:w=iw*0.26:h=ih*0.18:c=0x9fb4c8:t=fill,\
drawbox=x=iw*0.70:y=0:w=iw*0.30:h=ih*0.12:c=0x9fb4c8:t=fill,\
drawbox=x=0:y=ih*0.62:w=iw:h=ih*0.08:c=0xa8a8a0:t=fill,\
drawbox=x=0:y=ih*0.70:w=iw:h=ih*0.30:c=0x4a4a4a:t=fill,\
drawbox=x=iw*0.05:y=ih*0.84:w=iw*0.12:h=ih*0.015:c=0xe0e0d0:t=fill,\
drawbox=x=iw*0.30:y=ih*0.84:w=iw*0.12:h=ih*0.015:c=0xe0e0d0:t=fill,\
drawbox=x=iw*0.55:y=ih*0.84:w=iw*0.12:h=ih*0.015:c=0xe0e0d0:t=fill,\
drawbox=x=iw*0.80:y=ih*0.84:w=iw*0.12:h=ih*0.015:c=0xe0e0d0:t=fill,\
noise=alls=10:allf=u,format=yuv420p" "$file"
}
