#!/usr/bin/env bash
# Makes the local services Medic's tests and demo need available on this machine:
# Redis on 127.0.0.1:6379 without persistence, a Docker engine, and the test image
# medic-test/busybox. Reuses what already runs; installs from Debian's packages what is missing.
# Idempotent; prints what it did. Usage: scripts/services.sh [redis|docker|image|tools ...]
# (default: redis docker image; tools installs the sqlite3 and curl commands the demo uses, compose-tools
# docker-compose and debootstrap for pnpm compose-check).
set -euo pipefail

REDIS_PORT="${MEDIC_REDIS_PORT:-6379}"
TEST_IMAGE="medic-test/busybox"
STATE_DIR="${MEDIC_SERVICES_DIR:-/tmp/medic-services}"
mkdir -p "$STATE_DIR"

say() { printf '[services] %s\n' "$*"; }
die() { printf '[services] ERROR: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else die "need root to run: $*"; fi
}

APT_UPDATED=0
apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$APT_UPDATED" -eq 0 ]; then
    say "apt-get update"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    APT_UPDATED=1
  fi
  say "installing ${missing[*]} from Debian's packages"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Installs the Debian package of each command that is missing (each of these commands comes in a package of its name).
need_commands() {
  local pkgs=()
  for cmd in "$@"; do command -v "$cmd" >/dev/null 2>&1 || pkgs+=("$cmd"); done
  [ ${#pkgs[@]} -gt 0 ] && apt_install "${pkgs[@]}"
  return 0
}

redis_up() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; }

# The tests also start private redis-server processes, some with TLS from a throw-away CA made with openssl.
ensure_redis_test_tools() {
  need_commands redis-server openssl
}

ensure_redis() {
  ensure_redis_test_tools
  if command -v redis-cli >/dev/null 2>&1 && redis_up; then
    say "redis: reusing the server on 127.0.0.1:$REDIS_PORT"
    return 0
  fi
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server
  say "redis: starting redis-server on 127.0.0.1:$REDIS_PORT (no persistence)"
  as_root redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no \
    --daemonize yes --dir "$STATE_DIR" --logfile "$STATE_DIR/redis.log" --pidfile "$STATE_DIR/redis.pid"
  for _ in $(seq 1 50); do redis_up && { say "redis: ready"; return 0; }; sleep 0.1; done
  die "redis: did not answer PING on 127.0.0.1:$REDIS_PORT (see $STATE_DIR/redis.log)"
}

docker_up() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

ensure_docker() {
  if command -v docker >/dev/null 2>&1 && docker_up; then
    say "docker: reusing the engine at ${DOCKER_HOST:-unix:///var/run/docker.sock}"
    return 0
  fi
  command -v dockerd >/dev/null 2>&1 || apt_install docker.io
  say "docker: starting dockerd (no bridge, no iptables)"
  as_root sh -c "nohup dockerd --bridge=none --iptables=false --ip6tables=false >'$STATE_DIR/dockerd.log' 2>&1 &"
  for _ in $(seq 1 120); do docker_up && { say "docker: ready"; return 0; }; sleep 0.5; done
  tail -n 20 "$STATE_DIR/dockerd.log" >&2 || true
  die "docker: the engine did not come up within 60 s (see $STATE_DIR/dockerd.log)"
}

ensure_image() {
  if docker image inspect "$TEST_IMAGE" >/dev/null 2>&1; then
    say "image: reusing $TEST_IMAGE"
    return 0
  fi
  [ -x /bin/busybox ] || apt_install busybox-static
  local root="$STATE_DIR/image-root"
  rm -rf "$root"
  mkdir -p "$root/bin" "$root/tmp" "$root/etc"
  cp /bin/busybox "$root/bin/busybox"
  for applet in sh sleep true false test touch rm cat ls echo kill; do ln -s busybox "$root/bin/$applet"; done
  chmod 1777 "$root/tmp"
  say "image: building $TEST_IMAGE with docker import from Debian's busybox-static"
  tar -C "$root" -c . | docker import \
    --change 'ENV PATH=/bin' \
    --change 'CMD ["/bin/sh","-c","trap \"exit 0\" TERM INT; sleep 2147483647 & wait"]' \
    - "$TEST_IMAGE" >/dev/null
  say "image: built"
}

ensure_tools() {
  need_commands sqlite3 curl
  say "tools: sqlite3 and curl present"
}

# What pnpm compose-check needs besides Docker: docker-compose, and debootstrap for the stand-in images.
ensure_compose_tools() {
  need_commands docker-compose debootstrap
  say "compose tools: docker-compose and debootstrap present"
}

targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(redis docker image)
for t in "${targets[@]}"; do
  case "$t" in
    redis) ensure_redis ;;
    docker) ensure_docker ;;
    image) ensure_docker; ensure_image ;;
    tools) ensure_tools ;;
    compose-tools) ensure_compose_tools ;;
    *) die "unknown service '$t' (expected redis, docker, image, tools or compose-tools)" ;;
  esac
done
