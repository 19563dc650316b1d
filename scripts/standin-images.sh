#!/usr/bin/env bash
# Builds local stand-ins for the images the Dockerfile and docker-compose.yaml name, for a machine that reaches no
# container registry, only Debian's packages and the npm registry:
#   medic-standin/debian:bookworm  Debian bookworm (minbase) made with debootstrap from this machine's Debian archive
#   node:20-bookworm-slim          that, plus Node 20 (npm package node-linux-<arch>), npm 10 and the user "node"
#   redis:7-alpine                 that, plus Debian's redis-server
# An image that already has its tag is reused (a real one from a registry, or a stand-in built before), so only the
# first run pays for debootstrap. Needs root (debootstrap) and a Docker engine. Prints what it did.
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
BASE="medic-standin/debian:bookworm"
NODE_IMAGE="node:20-bookworm-slim"
REDIS_IMAGE="redis:7-alpine"

say() { printf '[standin-images] %s\n' "$*"; }
die() { printf '[standin-images] ERROR: %s\n' "$*" >&2; exit 1; }
have_image() { docker image inspect "$1" >/dev/null 2>&1; }

WORK="$(mktemp -d /tmp/medic-standin.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT

# The Debian repositories this machine's APT uses for bookworm, as "URI SUITE" lines (main, -updates, -security).
debian_repos() {
  apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(ORIGIN)' 2>/dev/null \
    | awk '$3 == "Debian" && $2 ~ /^bookworm(-updates|-security)?$/ { print $1, $2 }' | sort -u
}

build_base() {
  [ "$(id -u)" -eq 0 ] || die "debootstrap needs root"
  command -v debootstrap >/dev/null 2>&1 || die "debootstrap is missing (apt-get install debootstrap)"
  local repos mirror root="$WORK/rootfs"
  repos="$(debian_repos)"
  mirror="$(awk '$2 == "bookworm" { print $1; exit }' <<<"$repos")"
  [ -n "$mirror" ] || die "this machine's APT has no Debian bookworm repository to debootstrap from"
  say "$BASE: debootstrap --variant=minbase bookworm from this machine's Debian archive"
  debootstrap --variant=minbase bookworm "$root" "$mirror" >"$WORK/debootstrap.log" 2>&1 \
    || { tail -n 20 "$WORK/debootstrap.log" >&2; die "debootstrap failed"; }
  # APT inside the image uses the same repositories and the same Acquire settings (validity checks, proxies).
  rm -f "$root/etc/apt/sources.list"
  while read -r uri suite; do
    printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n\n' "$uri" "$suite"
  done <<<"$repos" >"$root/etc/apt/sources.list.d/debian.sources"
  apt-config dump Acquire::Check-Valid-Until Acquire::Check-Date Acquire::http::Proxy Acquire::https::Proxy \
    >"$root/etc/apt/apt.conf.d/90medic-standin"
  # As in Debian's official images: no downloaded .deb files or package caches left in image layers.
  cat >"$root/etc/apt/apt.conf.d/docker-clean" <<'CONF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
CONF
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
    "$root"/var/log/* "$root"/etc/hostname "$root"/etc/resolv.conf
  tar -C "$root" --numeric-owner --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' -c . \
    | docker import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'CMD ["bash"]' --change 'LABEL medic.standin=debian:bookworm' - "$BASE" >/dev/null
  rm -rf "$root"
  say "$BASE: built"
}

ensure_base() { have_image "$BASE" || build_base; }

npm_arch() {
  case "$(uname -m)" in
    x86_64) echo x64 ;;
    aarch64) echo arm64 ;;
    *) die "no node-linux package for $(uname -m)" ;;
  esac
}

build_node() {
  ensure_base
  local ctx="$WORK/node" pkg
  mkdir -p "$ctx/node" "$ctx/npm"
  pkg="node-linux-$(npm_arch)@20"
  say "$NODE_IMAGE: npm pack $pkg and npm@10"
  (cd "$WORK" && npm pack --silent "$pkg" "npm@10" >/dev/null)
  tar -xzf "$WORK"/node-linux-*.tgz -C "$ctx/node" --strip-components=1 package/bin package/include package/share
  tar -xzf "$WORK"/npm-*.tgz -C "$ctx/npm" --strip-components=1
  # npm inside the image must trust what npm here trusts (a TLS-inspecting proxy's CA, for instance).
  local ca="${NODE_EXTRA_CA_CERTS:-$(npm config get cafile 2>/dev/null)}" extra_ca=""
  mkdir -p "$ctx/ca"
  if [ -n "$ca" ] && [ "$ca" != null ] && [ -r "$ca" ]; then
    cp "$ca" "$ctx/ca/host-extra-ca.crt"
    extra_ca=/usr/local/share/ca-certificates/host-extra-ca.crt
    say "$NODE_IMAGE: trusting this machine's extra certificate authorities ($ca)"
  fi
  docker build -q --force-rm --build-arg EXTRA_CA="$extra_ca" -f "$REPO/scripts/standins/node.Dockerfile" -t "$NODE_IMAGE" "$ctx" >"$WORK/node.log" 2>&1 \
    || { tail -n 20 "$WORK/node.log" >&2; die "docker build of $NODE_IMAGE failed"; }
  say "$NODE_IMAGE: built ($(docker run --rm --network none --name "medic-test-$$-node" "$NODE_IMAGE" node --version))"
}

build_redis() {
  ensure_base
  say "$REDIS_IMAGE: Debian's redis-server (docker build --network host, for apt-get)"
  mkdir -p "$WORK/redis"
  docker build -q --force-rm --network host -f "$REPO/scripts/standins/redis.Dockerfile" -t "$REDIS_IMAGE" "$WORK/redis" >"$WORK/redis.log" 2>&1 \
    || { tail -n 20 "$WORK/redis.log" >&2; die "docker build of $REDIS_IMAGE failed"; }
  say "$REDIS_IMAGE: built ($(docker run --rm --network none --name "medic-test-$$-redis" "$REDIS_IMAGE" redis-server --version | cut -d' ' -f1-3))"
}

have_image "$NODE_IMAGE" && say "$NODE_IMAGE: reusing" || build_node
have_image "$REDIS_IMAGE" && say "$REDIS_IMAGE: reusing" || build_redis
