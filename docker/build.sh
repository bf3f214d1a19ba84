#!/usr/bin/env bash
# Builds the hfedmoe and PostgreSQL images on this machine, from nothing but Debian's packages
# and the .NET SDK (no image registry needed):
#   1. installs docker.io, docker-compose and debootstrap with apt if they are missing (as root);
#   2. starts dockerd without a bridge (--bridge=none --iptables=false) if no daemon answers, and
#      records its PID in $HFEDMOE_DOCKERD_PIDFILE so `docker/build.sh stop` stops it again;
#   3. makes the base image local/debian:bookworm-minbase once (debootstrap --variant=minbase, then
#      docker import), keeping its root file system as a tarball in $HFEDMOE_DOCKER_CACHE so a new
#      docker data root re-imports it in seconds instead of bootstrapping again;
#   4. publishes src/Host self-contained for linux-x64 (no .NET in the image);
#   5. builds hfedmoe:latest (docker/Dockerfile) and hfedmoe-postgres:15 (docker/postgres/).
# With HFEDMOE_DOCKER_BASE=debian:bookworm-slim (or any image you can pull) step 3 is skipped
# and that image is the base of both.
#
# Usage: docker/build.sh [build]   everything above (the default)
#        docker/build.sh daemon    steps 1-3 only: docker ready and the base image there
#        docker/build.sh stop      stop the dockerd this script started (if any), and wait for it
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${HFEDMOE_DOCKER_CACHE:-/var/cache/hfedmoe/docker}
pidfile=${HFEDMOE_DOCKERD_PIDFILE:-/run/hfedmoe-dockerd.pid}
context=${HFEDMOE_DOCKER_CONTEXT:-$repo/artifacts${HFEDMOE_BUILD_SLOT:-}/docker}
local_base=local/debian:bookworm-minbase
base=${HFEDMOE_DOCKER_BASE:-$local_base}
image=${HFEDMOE_IMAGE:-hfedmoe:latest}
pg_image=${HFEDMOE_PG_IMAGE:-hfedmoe-postgres:15}
# The legacy builder: it honours --network host on every daemon (BuildKit needs an entitlement),
# and apt inside the build needs the host's network when there is no bridge.
export DOCKER_BUILDKIT=0

say() { echo "docker/build.sh: $*"; }
die() { echo "docker/build.sh: $*" >&2; exit 1; }

install_missing() {
  local missing=()
  command -v dockerd >/dev/null || missing+=(docker.io)
  command -v docker-compose >/dev/null || missing+=(docker-compose)
  if [ "$base" = "$local_base" ]; then command -v debootstrap >/dev/null || missing+=(debootstrap); fi
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" = 0 ] || die "needs ${missing[*]} and is not root; install them (apt-get install ${missing[*]})"
  say "installing ${missing[*]} from apt"
  (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}") >/dev/null \
    || die "apt-get install ${missing[*]} failed"
}

daemon_answers() { docker info >/dev/null 2>&1; }

start_daemon() {
  if daemon_answers; then
    say "a docker daemon answers; using it"
    return 0
  fi
  [ "$(id -u)" = 0 ] || die "no docker daemon answers and not root: cannot start dockerd"
  mkdir -p "$(dirname "$pidfile")"
  local log="${pidfile%.pid}.log"
  # No bridge and no iptables rules: no private-range network is created; containers use the
  # host's network (compose.host.yaml) or none. dockerd writes and removes the PID file itself.
  nice -n 10 dockerd --bridge=none --iptables=false --pidfile "$pidfile" >"$log" 2>&1 &
  local pid=$! waited=0
  until daemon_answers; do
    kill -0 "$pid" 2>/dev/null || die "dockerd exited at start-up; its log ($log):$(echo; tail -n 20 "$log")"
    [ $waited -lt 600 ] || { kill "$pid"; die "dockerd did not answer within 60 s; log: $log"; }
    sleep 0.1
    waited=$((waited + 1))
  done
  say "started dockerd (pid $pid, PID file $pidfile, log $log)"
}

stop_daemon() {
  [ -s "$pidfile" ] || { say "no dockerd started by this script is running ($pidfile absent)"; return 0; }
  local pid
  pid=$(cat "$pidfile")
  if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" != dockerd ]; then
    say "$pidfile names pid $pid, which is not dockerd; removing the stale file"
    rm -f "$pidfile"
    return 0
  fi
  kill -TERM "$pid"
  # dockerd stops its containers and its containerd, then exits; wait for that (at most 60 s).
  local waited=0
  while kill -0 "$pid" 2>/dev/null; do
    [ $waited -lt 600 ] || die "dockerd (pid $pid) still running 60 s after SIGTERM"
    sleep 0.1
    waited=$((waited + 1))
  done
  rm -f "$pidfile"
  say "stopped dockerd (pid $pid)"
}

debian_mirror() {
  if [ -n "${HFEDMOE_DEBIAN_MIRROR:-}" ]; then echo "$HFEDMOE_DEBIAN_MIRROR"; return; fi
  # The mirror this machine's apt uses (deb822 .sources first, then one-line sources.list).
  local uri
  uri=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  [ -n "$uri" ] || uri=$(awk '$1 == "deb" && $3 ~ /^bookworm$/ { print $2; exit }' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true)
  echo "${uri:-http://deb.debian.org/debian}"
}

make_base() {
  if [ "$base" != "$local_base" ]; then
    say "base image $base (HFEDMOE_DOCKER_BASE); not making one"
    return 0
  fi
  if docker image inspect "$local_base" >/dev/null 2>&1; then
    say "base image $local_base is there"
    return 0
  fi
  local tarball="$cache/debian-bookworm-minbase.tar"
  if [ ! -s "$tarball" ]; then
    local mirror rootfs
    mirror=$(debian_mirror)
    rootfs=$(mktemp -d)
    say "debootstrap --variant=minbase bookworm from $mirror (about a minute)"
    nice -n 10 debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$rootfs.log" 2>&1 \
      || { rm -rf "$rootfs"; die "debootstrap failed; log: $rootfs.log"; }
    mkdir -p "$cache"
    tar -C "$rootfs" -c . >"$tarball.tmp"
    mv "$tarball.tmp" "$tarball"
    rm -rf "$rootfs" "$rootfs.log"
  fi
  docker import "$tarball" "$local_base" >/dev/null
  say "imported $local_base from $tarball"
}

publish() {
  say "publishing src/Host (self-contained, linux-x64) to $context/app"
  rm -rf "$context/app"
  nice -n 10 dotnet publish "$repo/src/Host" -c Release -r linux-x64 --self-contained -o "$context/app" -v quiet -nologo \
    || die "dotnet publish src/Host failed"
}

build_images() {
  say "building $image (base $base)"
  nice -n 10 docker build --network host --build-arg "BASE=$base" -t "$image" -f "$repo/docker/Dockerfile" "$context" \
    || die "docker build of $image failed"
  say "building $pg_image (base $base)"
  nice -n 10 docker build --network host --build-arg "BASE=$base" -t "$pg_image" "$repo/docker/postgres" \
    || die "docker build of $pg_image failed"
  say "images ready: $image, $pg_image"
}

case "${1:-build}" in
  build) install_missing; start_daemon; make_base; publish; build_images ;;
  daemon) install_missing; start_daemon; make_base ;;
  stop) stop_daemon ;;
  *) die "unknown command '$1'; valid commands: build, daemon, stop" ;;
esac
