#!/usr/bin/env bash
# Makes sure what the tests need is on this machine and running, idempotently:
# a Redis server answering at REDIS_URL (installed with apt-get and started
# when missing, if we are root) and ffmpeg (for tests that compare against it).
set -euo pipefail
url=${REDIS_URL:-redis://127.0.0.1:6379/0}
hostport=${url#*://}; hostport=${hostport#*@}; hostport=${hostport%%/*}
host=${hostport%%:*}; port=${hostport##*:}; [ "$port" = "$host" ] && port=6379

apt_updated=
need_pkg() { # need_pkg COMMAND PACKAGE
  command -v "$1" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" != 0 ]; then echo "services: $1 is missing; install package $2" >&2; return 1; fi
  if [ -z "$apt_updated" ]; then apt-get update -qq >/dev/null; apt_updated=1; fi
  echo "services: installing $2"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
}

redis_up() {
  if command -v redis-cli >/dev/null 2>&1; then
    redis-cli -h "$host" -p "$port" ping 2>/dev/null | grep -q PONG
  else
    (exec 3<>"/dev/tcp/$host/$port" && printf 'PING\r\n' >&3 && timeout 2 head -c 5 <&3 | grep -q PONG) 2>/dev/null
  fi
}

if ! redis_up; then
  need_pkg redis-server redis-server
  echo "services: starting redis-server on $host:$port"
  redis-server --daemonize yes --bind "$host" --port "$port" --save "" --appendonly no >/dev/null
  for _ in $(seq 50); do redis_up && break; sleep 0.1; done
  redis_up || { echo "services: redis at $host:$port does not answer" >&2; exit 1; }
fi
need_pkg ffmpeg ffmpeg
# package decode binds libavcodec through cgo: go vet and go test need its
# headers and pkg-config files.
need_pkg pkg-config pkg-config
need_lib() { # need_lib PKGCONFIG-NAME PACKAGE
  pkg-config --exists "$1" && return 0
  if [ "$(id -u)" != 0 ]; then echo "services: $1 is missing; install package $2" >&2; return 1; fi
  if [ -z "$apt_updated" ]; then apt-get update -qq >/dev/null; apt_updated=1; fi
  echo "services: installing $2"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
}
need_lib libavcodec libavcodec-dev
need_lib libavutil libavutil-dev
command -v gcc >/dev/null 2>&1 || need_pkg gcc gcc
echo "services: redis at $host:$port answers; ffmpeg $(ffmpeg -version | head -1 | cut -d' ' -f3)"
