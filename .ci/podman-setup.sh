#!/usr/bin/env bash
# podman-setup.sh: prepare podman as the real container engine for prodpath's tests.
#
#   .ci/podman-setup.sh            (run as root; idempotent, safe to run again)
#
# What it does:
#   1. installs podman and runc with apt-get when either is missing;
#   2. writes a private podman home ($PRODPATH_PODMAN_DIR, default /tmp/prodpath-podman)
#      with a containers.conf tuned for these machines (runc, cgroupfs, file events,
#      ulimits within the hard limits) and a private image/container store;
#   3. writes $PRODPATH_PODMAN_DIR/env.sh, which exports CONTAINERS_CONF,
#      PODMAN_FLAGS and PRODPATH_ENGINE_CONFIG (itself), so scripts can run:
#        source "$PRODPATH_PODMAN_DIR/env.sh"; podman $PODMAN_FLAGS images
#      and `prodpath build` uses the same store (it reads the file PRODPATH_ENGINE_CONFIG names);
#   4. makes the base image localhost/node:20-slim from the host's node and npm
#      (no registry is reachable), so `FROM node:20-slim` resolves with --pull=never;
#   5. makes the other recipes' base images from Debian packages: python:3.11-slim,
#      golang:1.23-bookworm (both on a debootstrap'd bookworm) and busybox:1.36; about
#      three minutes the first time, a few seconds once they exist;
#   6. installs podman-compose and makes localhost/postgres:16-bookworm, a stand-in for the
#      official image from Debian's postgresql-15, for the Compose real-run test.
#
# Environment:
#   PRODPATH_PODMAN_DIR      private podman home (default /tmp/prodpath-podman)
#   PRODPATH_PODMAN_DRIVER   storage driver, overlay (default) or vfs
#   PRODPATH_REBUILD_BASE=1  rebuild the base images even when they exist
#   PRODPATH_DEBIAN_MIRROR   Debian mirror for debootstrap and apt (default http://deb.debian.org/debian)
#
# Needs no TTY and no Docker daemon.
set -euo pipefail

log() { printf 'podman-setup: %s\n' "$*"; }
die() { printf 'podman-setup: ERROR: %s\n' "$*" >&2; exit 1; }
# install_if_changed NEW TARGET: move NEW over TARGET (mode 644) unless they are identical.
install_if_changed() {
  if [ -f "$2" ] && cmp -s "$2" "$1"; then
    rm -f "$1"
  else
    chmod 644 "$1"
    mv "$1" "$2"
    log "wrote $2"
  fi
}

[ "$(id -u)" = 0 ] || die "must run as root (rootful podman with a private store)"

PODMAN_DIR="${PRODPATH_PODMAN_DIR:-/tmp/prodpath-podman}"
DRIVER="${PRODPATH_PODMAN_DRIVER:-overlay}"
BASE_IMAGE="localhost/node:20-slim"

# --- 1. packages ------------------------------------------------------------------
# The CNI dnsname plugin gives Compose networks DNS: without it a service cannot reach another
# by its service name (issue 15: the migration waited for db:5432 forever).
if ! command -v podman >/dev/null 2>&1 || ! command -v runc >/dev/null 2>&1 || ! command -v podman-compose >/dev/null 2>&1 \
  || [ ! -x /usr/lib/cni/dnsname ]; then
  log "installing podman, runc, podman-compose and the CNI dnsname plugin with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends podman runc podman-compose golang-github-containernetworking-plugin-dnsname
fi
# An inherited CONTAINERS_CONF (e.g. from an old env.sh) must not affect the checks below.
unset CONTAINERS_CONF
log "$(podman --version), $(runc --version | head -n 1)"

# --- 2. private podman home ---------------------------------------------------------
case "$PODMAN_DIR" in
  *[[:space:]]*) die "PRODPATH_PODMAN_DIR must not contain whitespace: '$PODMAN_DIR'" ;;
esac
# runroot and tmp hold runtime state that podman expects on a tmpfs; /tmp is not one
# on every machine, so clear them after a reboot (the images in root are kept).
boot_id="$(cat /proc/sys/kernel/random/boot_id 2>/dev/null || echo unknown)"
if [ -f "$PODMAN_DIR/boot_id" ] && [ "$(cat "$PODMAN_DIR/boot_id")" != "$boot_id" ]; then
  log "machine rebooted since the last setup: clearing stale runtime state"
  rm -rf "$PODMAN_DIR/runroot" "$PODMAN_DIR/tmp"
fi
mkdir -p "$PODMAN_DIR"/{root,runroot,tmp,networks}
PODMAN_DIR="$(cd "$PODMAN_DIR" && pwd -P)"
echo "$boot_id" >"$PODMAN_DIR/boot_id"

# Never ask for more open files than the hard limit allows (runc fails otherwise).
hard_nofile="$(ulimit -Hn)"
if [ "$hard_nofile" = unlimited ] || [ "$hard_nofile" -gt 65536 ]; then
  nofile=65536
else
  nofile="$hard_nofile"
fi

# netavark (tested here) when installed, else CNI (older podman packages).
network_backend=cni
for d in /usr/local/libexec/podman /usr/local/lib/podman /usr/libexec/podman /usr/lib/podman; do
  if [ -x "$d/netavark" ]; then network_backend=netavark; break; fi
done

conf="$PODMAN_DIR/containers.conf"
conf_new="$(mktemp "$PODMAN_DIR/containers.conf.XXXXXX")"
cat >"$conf_new" <<EOF
# Written by .ci/podman-setup.sh. Used through CONTAINERS_CONF (it replaces the
# system containers.conf files entirely; built-in defaults still apply).
[containers]
# Within \`ulimit -Hn\` of the machine that ran the setup.
default_ulimits = ["nofile=${nofile}:${nofile}", "nproc=4096:4096"]
# journald is not available here.
log_driver = "k8s-file"

[network]
network_backend = "${network_backend}"
# Keep network definitions out of /etc/containers/networks.
network_config_dir = "${PODMAN_DIR}/networks"

[engine]
# crun fails on these machines (mixed cgroup v1/v2 hierarchy); runc works.
runtime = "runc"
# No systemd (and no D-Bus) to manage cgroups or hold a journal.
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "${PODMAN_DIR}/events.log"
# Keep libpod's runtime state private too (default /run/libpod).
tmp_dir = "${PODMAN_DIR}/tmp"
EOF
install_if_changed "$conf_new" "$conf"

# Storage goes on the command line: a storage.conf made every `podman run` wait 20 s.
podman_flags="--root ${PODMAN_DIR}/root --runroot ${PODMAN_DIR}/runroot --storage-driver ${DRIVER}"
env_sh="$PODMAN_DIR/env.sh"
env_new="$(mktemp "$PODMAN_DIR/env.sh.XXXXXX")"
cat >"$env_new" <<EOF
# Written by .ci/podman-setup.sh; source it, then run: podman \$PODMAN_FLAGS ...
export PRODPATH_PODMAN_DIR='${PODMAN_DIR}'
export CONTAINERS_CONF='${conf}'
export PODMAN_FLAGS='${podman_flags}'
# prodpath build reads this same file (its engine configuration) through this variable.
export PRODPATH_ENGINE_CONFIG='${env_sh}'
EOF
install_if_changed "$env_new" "$env_sh"

export CONTAINERS_CONF="$conf"
# shellcheck disable=SC2086 # PODMAN_FLAGS is a list of plain words.
p() { podman $podman_flags "$@"; }

# import_rootfs DIR IMAGE [--change ...]: replaces IMAGE with the root filesystem in DIR, with a
# default PATH and the given Dockerfile-style changes.
import_rootfs() {
  local dir="$1" image="$2"
  shift 2
  p rmi -f "$image" >/dev/null 2>&1 || true
  tar -C "$dir" --numeric-owner -cf - . | p import --quiet \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    "$@" - "$image" >/dev/null
}

# --- 3. base image localhost/node:20-slim ---------------------------------------------
node_bin="$(command -v node || true)"
[ -n "$node_bin" ] || die "node is not installed on this machine"
node_bin="$(readlink -f "$node_bin")"
node_version="$("$node_bin" --version)"
case "$node_version" in
  v20.*) ;;
  *) log "warning: host node is $node_version, but the image is tagged node:20-slim" ;;
esac

existing="$(p image inspect --format '{{ index .Labels "io.prodpath.node-version" }}' "$BASE_IMAGE" 2>/dev/null || true)"
if [ "${PRODPATH_REBUILD_BASE:-0}" != 1 ] && [ "$existing" = "$node_version" ]; then
  log "$BASE_IMAGE exists (node $node_version)"
else
# A subshell, so that its EXIT trap removes the staging folder as soon as the image is made.
(
npm_dir="$(npm root -g 2>/dev/null)/npm"
[ -f "$npm_dir/bin/npm-cli.js" ] || die "cannot find npm (looked in $npm_dir)"
npm_version="$("$node_bin" "$npm_dir/bin/npm-cli.js" --version 2>/dev/null)"
ca_bundle=/etc/ssl/certs/ca-certificates.crt

log "making $BASE_IMAGE from host node $node_version and npm $npm_version"
stage="$(mktemp -d "$PODMAN_DIR/tmp/rootfs.XXXXXX")"
trap 'rm -rf "$stage"' EXIT
r="$stage/rootfs"

# Merged-/usr layout, as in Debian bookworm.
mkdir -p "$r"/usr/{bin,sbin,lib,lib64,local/bin,local/lib/node_modules} \
  "$r"/{etc/ssl/certs,root,home/node,tmp,app,dev,proc,sys,run,var/tmp}
for d in bin sbin lib lib64; do ln -s "usr/$d" "$r/$d"; done
chmod 1777 "$r/tmp" "$r/var/tmp"
chmod 700 "$r/root"
chown 1000:1000 "$r/home/node"

# Binaries: node, npm, a POSIX shell for RUN lines and npm scripts, a few coreutils.
cp "$node_bin" "$r/usr/local/bin/node"
cp -a "$npm_dir" "$r/usr/local/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$r/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$r/usr/local/bin/npx"
shell="$(type -P dash || type -P sh)"
cp -L "$shell" "$r/usr/bin/sh"
bins=("$node_bin" "$shell")
for tool in env cat ls mkdir rm cp mv ln chmod id sleep true false uname; do
  src="$(type -P "$tool" || true)"
  [ -n "$src" ] || { log "warning: $tool not found on the host; skipped"; continue; }
  cp -L "$src" "$r/usr/bin/$tool"
  bins+=("$src")
done

# Shared libraries, at their host paths mapped into the merged /usr.
{ ldd "${bins[@]}" 2>/dev/null || true; } | grep -o '/[^ ]*' | grep -v ':$' | sort -u | while read -r lib; do
  rel="${lib#/usr}"
  dest="$r/usr/${rel#/}"
  mkdir -p "$(dirname "$dest")"
  cp -L "$lib" "$dest"
done

# Users: root and node (uid 1000). Images may also run as a numeric uid with no entry.
cat >"$r/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
node:x:1000:1000::/home/node:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
EOF
cat >"$r/etc/group" <<'EOF'
root:x:0:
node:x:1000:
nogroup:x:65534:
EOF
cat >"$r/etc/nsswitch.conf" <<'EOF'
passwd: files
group:  files
hosts:  files dns
EOF
if [ -f "$ca_bundle" ]; then
  cp -L "$ca_bundle" "$r/etc/ssl/certs/ca-certificates.crt"
else
  log "warning: no $ca_bundle on the host; npm in builds may fail TLS checks"
fi

import_rootfs "$r" "$BASE_IMAGE" \
  --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
  --change 'ENV NPM_CONFIG_UPDATE_NOTIFIER=false' \
  --change "ENV NODE_VERSION=${node_version#v}" \
  --change "LABEL io.prodpath.node-version=${node_version}" \
  --change 'CMD ["node"]'

# Smoke checks: node and npm run inside the image.
out="$(p run --rm --pull=never --network none "$BASE_IMAGE" sh -c \
  'node -e "process.stdout.write(process.version)" && echo " npm $(npm --version)"')"
log "checked $BASE_IMAGE: node $out"
)
fi

# --- 5. base images of the other recipes ------------------------------------------------
# The Python, Go and static-site recipes start FROM python:3.11-slim, golang:1.23-bookworm and
# busybox:1.36. Stand-ins are made here from Debian's own packages, so those names resolve
# with no registry:
#   localhost/prodpath-debian:bookworm  debootstrap --variant=minbase (about a minute, once)
#   localhost/python:3.11-slim          + python3, python3-venv (Debian's 3.11)
#   localhost/golang:1.23-bookworm      + golang-1.23-go from bookworm-backports
#   localhost/busybox:1.36              busybox-static alone (Debian ships BusyBox 1.35, with
#                                       the httpd and wget applets the static recipe uses)
# Each is made only when it is missing or RECIPE_IMAGES_VERSION changed (or with
# PRODPATH_REBUILD_BASE=1); later runs take a second.
RECIPE_IMAGES_VERSION=1
DEBIAN_IMAGE=localhost/prodpath-debian:bookworm
DEBIAN_MIRROR="${PRODPATH_DEBIAN_MIRROR:-http://deb.debian.org/debian}"

current() {
  [ "${PRODPATH_REBUILD_BASE:-0}" != 1 ] \
    && [ "$(p image inspect --format '{{ index .Labels "io.prodpath.recipe-images" }}' "$1" 2>/dev/null || true)" = "$RECIPE_IMAGES_VERSION" ]
}

apt_install_host() {
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q --no-install-recommends "$@" >/dev/null 2>&1 \
    || { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends "$@" >/dev/null; }
}

make_debian_image() {
  command -v debootstrap >/dev/null 2>&1 || { log "installing debootstrap with apt-get"; apt_install_host debootstrap; }
  log "making $DEBIAN_IMAGE with debootstrap (minbase, bookworm, $DEBIAN_MIRROR)"
  local dir
  dir="$(mktemp -d "$PODMAN_DIR/tmp/debian.XXXXXX")"
  if ! debootstrap --variant=minbase --include=ca-certificates bookworm "$dir/rootfs" "$DEBIAN_MIRROR" >"$dir/log" 2>&1; then
    tail -n 20 "$dir/log" >&2
    rm -rf "$dir"
    die "debootstrap failed"
  fi
  cat >"$dir/rootfs/etc/apt/sources.list" <<EOF
deb ${DEBIAN_MIRROR} bookworm main
deb ${DEBIAN_MIRROR} bookworm-updates main
deb ${DEBIAN_MIRROR%/debian}/debian-security bookworm-security main
EOF
  rm -rf "$dir"/rootfs/var/cache/apt/archives/*.deb "$dir"/rootfs/var/lib/apt/lists/*
  import_rootfs "$dir/rootfs" "$DEBIAN_IMAGE" \
    --change 'ENV LANG=C.UTF-8' \
    --change "LABEL io.prodpath.recipe-images=${RECIPE_IMAGES_VERSION}" \
    --change 'CMD ["bash"]'
  rm -rf "$dir"
}

# build_image <tag> <Dockerfile text>: builds FROM the Debian image, with network for apt-get.
build_image() {
  local dir
  dir="$(mktemp -d "$PODMAN_DIR/tmp/image.XXXXXX")"
  printf '%s\n' "$2" >"$dir/Dockerfile"
  if ! p build --format docker --pull=never --build-arg "MIRROR=${DEBIAN_MIRROR}" \
      --label "io.prodpath.recipe-images=${RECIPE_IMAGES_VERSION}" -t "$1" "$dir" >"$dir/log" 2>&1; then
    tail -n 30 "$dir/log" >&2
    rm -rf "$dir"
    die "could not build $1"
  fi
  rm -rf "$dir"
}

make_busybox_image() {
  log "making localhost/busybox:1.36 from Debian's busybox-static"
  local dir
  dir="$(mktemp -d "$PODMAN_DIR/tmp/busybox.XXXXXX")"
  ( cd "$dir" && { apt-get download busybox-static >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get download busybox-static >/dev/null 2>&1; }; } ) \
    || { rm -rf "$dir"; die "apt-get download busybox-static failed"; }
  dpkg-deb -x "$dir"/busybox-static_*.deb "$dir/deb"
  local r="$dir/rootfs"
  mkdir -p "$r"/{bin,etc,tmp,srv/www,root}
  chmod 1777 "$r/tmp"
  cp "$dir/deb/bin/busybox" "$r/bin/busybox"
  ln -s busybox "$r/bin/sh"
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$r/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$r/etc/group"
  local version
  version="$("$r/bin/busybox" 2>&1 | head -n 1 | grep -o 'v[0-9.]*' || true)"
  import_rootfs "$r" localhost/busybox:1.36 \
    --change "LABEL io.prodpath.recipe-images=${RECIPE_IMAGES_VERSION}" \
    --change "LABEL io.prodpath.busybox-version=${version}" \
    --change 'CMD ["sh"]'
  rm -rf "$dir"
}

if ! current localhost/python:3.11-slim || ! current localhost/golang:1.23-bookworm; then
  current "$DEBIAN_IMAGE" || make_debian_image
fi
if current localhost/python:3.11-slim; then
  log "localhost/python:3.11-slim exists"
else
  log "making localhost/python:3.11-slim from Debian's python3"
  build_image localhost/python:3.11-slim "FROM ${DEBIAN_IMAGE}
RUN apt-get update && apt-get install -y --no-install-recommends python3 python3-venv && rm -rf /var/lib/apt/lists/* && ln -s python3 /usr/bin/python
ENV PYTHONIOENCODING=utf-8
CMD [\"python3\"]"
fi
if current localhost/golang:1.23-bookworm; then
  log "localhost/golang:1.23-bookworm exists"
else
  log "making localhost/golang:1.23-bookworm from Debian's golang-1.23-go (bookworm-backports)"
  build_image localhost/golang:1.23-bookworm "FROM ${DEBIAN_IMAGE}
ARG MIRROR
RUN echo \"deb \${MIRROR} bookworm-backports main\" >/etc/apt/sources.list.d/backports.list && apt-get update && apt-get install -y --no-install-recommends -t bookworm-backports golang-1.23-go && rm -rf /var/lib/apt/lists/*
ENV GOPATH=/go GOTOOLCHAIN=local PATH=/go/bin:/usr/lib/go-1.23/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
WORKDIR /go"
fi
current localhost/busybox:1.36 && log "localhost/busybox:1.36 exists" || make_busybox_image

# Smoke checks: each runs what its recipe uses.
log "checked localhost/python:3.11-slim: $(p run --rm --pull=never --network none localhost/python:3.11-slim sh -c 'python3 --version && python3 -m venv /tmp/v && /tmp/v/bin/pip --version | cut -d" " -f1-2' | tr '\n' ' ')"
log "checked localhost/golang:1.23-bookworm: $(p run --rm --pull=never --network none localhost/golang:1.23-bookworm go version)"
log "checked localhost/busybox:1.36: $(p run --rm --pull=never --network none localhost/busybox:1.36 busybox 2>&1 | head -n 1)"

# --- 6. Compose: podman-compose's Postgres stand-in -------------------------------------
# The example's dev Compose file runs postgres:16-bookworm, which no registry here serves. A
# stand-in is made from Debian's postgresql-15 (the protocol and pg_isready are what matter) with
# an entrypoint that, like the official image's, creates the cluster from POSTGRES_USER,
# POSTGRES_PASSWORD and POSTGRES_DB on an empty PGDATA. It runs as uid 10999 (the Postgres
# construct's user, named in /etc/passwd as initdb requires) and keeps its sockets in /tmp: podman
# mounts a tmpfs on /run while it builds, so the image cannot ship a writable /run/postgresql.
POSTGRES_STANDIN=localhost/postgres:16-bookworm
POSTGRES_STANDIN_VERSION=1
if [ "${PRODPATH_REBUILD_BASE:-0}" != 1 ] \
  && [ "$(p image inspect --format '{{ index .Labels "io.prodpath.postgres-standin" }}' "$POSTGRES_STANDIN" 2>/dev/null || true)" = "$POSTGRES_STANDIN_VERSION" ]; then
  log "$POSTGRES_STANDIN exists"
else
  current "$DEBIAN_IMAGE" || make_debian_image
  log "making $POSTGRES_STANDIN from Debian's postgresql-15"
  pg_dir="$(mktemp -d "$PODMAN_DIR/tmp/postgres.XXXXXX")"
  cat >"$pg_dir/docker-entrypoint.sh" <<'ENTRYPOINT'
#!/bin/sh
# prodpath's stand-in for the official postgres image's entrypoint.
set -eu
: "${PGDATA:=/var/lib/postgresql/data}"
: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_DB:=$POSTGRES_USER}"
if [ "${1:-postgres}" != postgres ]; then
  exec "$@"
fi
[ "$#" -gt 0 ] && shift
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  [ -n "${POSTGRES_PASSWORD:-}" ] || { echo "entrypoint: POSTGRES_PASSWORD is not set" >&2; exit 1; }
  mkdir -p "$PGDATA"
  chmod 700 "$PGDATA"
  pwfile="$(mktemp)"
  printf '%s' "$POSTGRES_PASSWORD" >"$pwfile"
  initdb --username="$POSTGRES_USER" --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 -D "$PGDATA" >/dev/null
  rm -f "$pwfile"
  echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
  pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -c unix_socket_directories=/tmp" -w start >/dev/null
  if [ "$POSTGRES_DB" != postgres ]; then
    createdb --host=/tmp --username="$POSTGRES_USER" "$POSTGRES_DB"
  fi
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  echo "entrypoint: created the database cluster in $PGDATA"
fi
exec postgres -D "$PGDATA" -c listen_addresses='*' -c unix_socket_directories=/tmp "$@"
ENTRYPOINT
  chmod 755 "$pg_dir/docker-entrypoint.sh"
  cat >"$pg_dir/Dockerfile" <<DOCKERFILE
FROM ${DEBIAN_IMAGE}
RUN mkdir -p /etc/postgresql-common && echo 'create_main_cluster = false' >/etc/postgresql-common/createcluster.conf \\
 && apt-get update && apt-get install -y --no-install-recommends postgresql-15 && rm -rf /var/lib/apt/lists/* \\
 && echo 'pgrun:x:10999:10999::/var/lib/postgresql:/bin/sh' >>/etc/passwd && echo 'pgrun:x:10999:' >>/etc/group \\
 && mkdir -p /var/lib/postgresql/data && chmod 1777 /var/lib/postgresql/data
COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin PGDATA=/var/lib/postgresql/data
LABEL io.prodpath.postgres-standin=${POSTGRES_STANDIN_VERSION}
ENTRYPOINT ["docker-entrypoint.sh"]
STOPSIGNAL SIGINT
EXPOSE 5432
CMD ["postgres"]
DOCKERFILE
  if ! p build --format docker --pull=never -t "$POSTGRES_STANDIN" "$pg_dir" >"$pg_dir/log" 2>&1; then
    tail -n 30 "$pg_dir/log" >&2
    rm -rf "$pg_dir"
    die "could not build $POSTGRES_STANDIN"
  fi
  rm -rf "$pg_dir"
fi
log "checked $POSTGRES_STANDIN: $(p run --rm --pull=never --network none --user 10999:10999 --entrypoint postgres "$POSTGRES_STANDIN" --version)"
log "podman-compose: $(podman-compose version 2>/dev/null | grep -i 'podman-composer* version' | head -n 1 || true)"

log "done; use: source $PODMAN_DIR/env.sh && podman \$PODMAN_FLAGS images"
