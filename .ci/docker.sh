# shellcheck shell=bash
# Sourced by .ci/run: makes docker usable for the docker/ test (tests/Host/Docker) and exports
# HFEDMOE_DOCKER=1 for it.
#
# - If HFEDMOE_DOCKER is already set, nothing is done.
# - Otherwise `docker/build.sh daemon` installs docker.io, docker-compose and debootstrap from
#   Debian's packages if missing, starts dockerd without a bridge if none answers, and makes the
#   base image local/debian:bookworm-minbase; its root file system is cached as a tarball in
#   HFEDMOE_DOCKER_CACHE (/var/cache/hfedmoe/docker), so after the first run this costs seconds.
#   A dockerd started here is stopped again: the test starts (and stops) its own.
# - Never aborts the caller: if docker cannot be made ready, a warning is printed and the
#   variable stays unset; under CI=true the docker test then FAILS (by design) instead of
#   being skipped.
#
# Usage outside CI:  source .ci/docker.sh && dotnet test tests/Host --filter Category=Docker

hfedmoe_docker_setup() {
  local pidfile rc=0
  if [ -n "${HFEDMOE_DOCKER:-}" ]; then
    echo "docker.sh: HFEDMOE_DOCKER already set; using it"
    return 0
  fi
  pidfile=$(mktemp -u /tmp/hfedmoe-ci-dockerd.XXXXXX.pid)
  HFEDMOE_DOCKERD_PIDFILE=$pidfile bash docker/build.sh daemon || rc=$?
  HFEDMOE_DOCKERD_PIDFILE=$pidfile bash docker/build.sh stop >/dev/null || true
  rm -f "${pidfile%.pid}.log"
  if [ "$rc" != 0 ]; then
    echo "docker.sh: WARNING docker could not be made ready (docker/build.sh daemon exited $rc)" >&2
    return 1
  fi
  export HFEDMOE_DOCKER=1
  echo "docker.sh: docker ready, base image made; HFEDMOE_DOCKER=1"
}

hfedmoe_docker_setup || true
unset -f hfedmoe_docker_setup
