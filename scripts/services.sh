#!/usr/bin/env bash
# Makes sure what camwatch needs is on this machine, idempotently.
#   scripts/services.sh          the tests: build dependencies, ffmpeg, chromium, and a
#                                Redis answering at REDIS_URL (installed and
#                                started when missing)
#   scripts/services.sh build    only what building needs (gcc, pkg-config,
#                                libavcodec-dev for package decode's cgo); the
#                                demo uses an embedded Redis when none answers
# Installing needs root (apt-get); without it, a missing piece is named and
# the script fails.
set -euo pipefail
mode=${1:-test}

apt_updated=
apt_install() { # apt_install PACKAGE
  if [ "$(id -u)" != 0 ]; then echo "services: package $1 is missing; install it (apt-get install $1)" >&2; return 1; fi
  if [ -z "$apt_updated" ]; then apt-get update -qq >/dev/null; apt_updated=1; fi
  echo "services: installing $1"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >/dev/null
}
need_cmd() { command -v "$1" >/dev/null 2>&1 || apt_install "$2"; }  # need_cmd COMMAND PACKAGE
need_lib() { pkg-config --exists "$1" || apt_install "$2"; }         # need_lib PKGCONFIG-NAME PACKAGE

# Building: package decode binds libavcodec through cgo.
need_cmd gcc gcc
need_cmd pkg-config pkg-config
need_lib libavcodec libavcodec-dev
need_lib libavutil libavutil-dev
[ "$mode" = build ] && exit 0

# Testing: ffmpeg (decoding clips, the -c copy peer), chromium (the console's
# browser test) and a real Redis.
need_cmd ffmpeg ffmpeg
need_cmd chromium chromium # the console's browser test (console/browser_test.go)
# Verifying an evidence bundle by hand (api.TestEvidenceByHand, docs/evidence.md).
need_cmd openssl openssl
need_cmd jq jq
need_cmd unzip unzip
need_cmd sha256sum coreutils
# A third-party RTSP camera for the interop tests (e2e/gstreamer_test.go,
# scripts/gst-rtsp-server.py): GStreamer's gst-rtsp-server through the
# system python's gi bindings.
gst_ok() {
  /usr/bin/python3 -c 'import gi; gi.require_version("GstRtspServer", "1.0"); from gi.repository import GstRtspServer' 2>/dev/null &&
    gst-inspect-1.0 rtph265pay >/dev/null 2>&1 && gst-inspect-1.0 h265parse >/dev/null 2>&1 && gst-inspect-1.0 qtdemux >/dev/null 2>&1
}
if ! gst_ok; then
  for p in python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-tools gstreamer1.0-plugins-good gstreamer1.0-plugins-bad; do
    dpkg -s "$p" >/dev/null 2>&1 || apt_install "$p"
  done
  gst_ok || { echo "services: GStreamer's RTSP server does not load (python3-gi, gir1.2-gst-rtsp-server-1.0)" >&2; exit 1; }
fi
url=${REDIS_URL:-redis://127.0.0.1:6379/0}
hostport=${url#*://}; hostport=${hostport#*@}; hostport=${hostport%%/*}
host=${hostport%%:*}; port=${hostport##*:}; [ "$port" = "$host" ] && port=6379
redis_up() {
  if command -v redis-cli >/dev/null 2>&1; then
    redis-cli -h "$host" -p "$port" ping 2>/dev/null | grep -q PONG
  else
    (exec 3<>"/dev/tcp/$host/$port" && printf 'PING\r\n' >&3 && timeout 2 head -c 5 <&3 | grep -q PONG) 2>/dev/null
  fi
}
if ! redis_up; then
  need_cmd redis-server redis-server
  echo "services: starting redis-server on $host:$port"
  redis-server --daemonize yes --bind "$host" --port "$port" --save "" --appendonly no >/dev/null
  for _ in $(seq 50); do redis_up && break; sleep 0.1; done
  redis_up || { echo "services: redis at $host:$port does not answer" >&2; exit 1; }
fi
echo "services: redis at $host:$port answers; ffmpeg $(ffmpeg -version | head -1 | cut -d' ' -f3); libavcodec $(pkg-config --modversion libavcodec)"
