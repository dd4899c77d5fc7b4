#!/usr/bin/env bash
# A one-node Docker Swarm on this machine (Debian's docker.io, dockerd 20.10), for the tests and
# for anyone following the README: its own data root, exec root, pid file and socket in one
# folder, the vfs storage driver, no iptables and no bridge (so it changes nothing on the host),
# stopped by its pid.
#
#   bash .ci/swarm.sh start [DIR]   start dockerd and `docker swarm init`; prints DIR/env.sh
#   source DIR/env.sh               DOCKER_HOST=unix://DIR/docker.sock, ...
#   bash .ci/swarm.sh stop DIR      leave the swarm, stop dockerd by its pid, remove DIR
#
# Needs root. Images come from a registry (a local one: .ci/registry.sh; dockerd pulls from
# 127.0.0.0/8 over plain HTTP by default). Port publishing through the ingress is not set up.
set -euo pipefail

die() { echo "swarm.sh: $*" >&2; exit 1; }
DOCKER="${PRODPATH_DOCKER_CLI:-$(command -v docker || true)}"

start() {
  local dir="${1:-}"
  command -v dockerd >/dev/null \
    || die "dockerd is not installed. Fix: apt-get install -y --no-install-recommends docker.io"
  [ -n "$DOCKER" ] || die "the docker command is not installed. Fix: apt-get install -y --no-install-recommends docker.io"
  [ "$(id -u)" = 0 ] || die "dockerd needs root"
  [ -n "$dir" ] || dir="$(mktemp -d "${TMPDIR:-/tmp}/prodpath-swarm-XXXXXX")"
  mkdir -p "$dir/data" "$dir/exec"
  dir="$(cd "$dir" && pwd)"
  if [ -f "$dir/dockerd.pid" ] && kill -0 "$(cat "$dir/dockerd.pid")" 2>/dev/null; then
    die "a dockerd already runs from $dir (pid $(cat "$dir/dockerd.pid")). Fix: bash .ci/swarm.sh stop $dir"
  fi
  # The socket path must stay short (108 bytes for a unix socket).
  local sock="$dir/docker.sock"
  dockerd --data-root "$dir/data" --exec-root "$dir/exec" --pidfile "$dir/dockerd.pid" \
    --host "unix://$sock" --iptables=false --ip6tables=false --bridge=none \
    --storage-driver=vfs >"$dir/dockerd.log" 2>&1 &
  local pid=$!
  echo "$pid" >"$dir/dockerd.launch.pid"
  # Bounded wait: up to 60 s for the daemon to answer.
  local ok=false
  for _ in $(seq 1 120); do
    kill -0 "$pid" 2>/dev/null || break
    if DOCKER_HOST="unix://$sock" "$DOCKER" version >/dev/null 2>&1; then ok=true; break; fi
    sleep 0.5
  done
  $ok || die "dockerd did not answer within 60 s; its log ($dir/dockerd.log) ends with: $(tail -n 5 "$dir/dockerd.log")"
  DOCKER_HOST="unix://$sock" "$DOCKER" swarm init --advertise-addr 127.0.0.1 >/dev/null \
    || die "docker swarm init failed; see $dir/dockerd.log"
  {
    echo "# Written by .ci/swarm.sh; stop it with: bash .ci/swarm.sh stop $dir"
    echo "export DOCKER_HOST='unix://$sock'"
    echo "export PRODPATH_SWARM_DIR='$dir'"
    echo "export PRODPATH_DOCKERD_PID='$pid'"
  } >"$dir/env.sh"
  cat "$dir/env.sh"
}

stop() {
  local dir="${1:-}"
  [ -n "$dir" ] && [ "$dir" != / ] || die "usage: swarm.sh stop DIR"
  local sock="$dir/docker.sock" pid=""
  [ -f "$dir/dockerd.launch.pid" ] && pid="$(cat "$dir/dockerd.launch.pid")"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    # Stacks and the swarm go first, while the daemon still runs (bounded by timeout).
    for s in $(DOCKER_HOST="unix://$sock" timeout 20 "$DOCKER" stack ls --format '{{.Name}}' 2>/dev/null); do
      DOCKER_HOST="unix://$sock" timeout 30 "$DOCKER" stack rm "$s" >/dev/null 2>&1 || true
    done
    DOCKER_HOST="unix://$sock" timeout 30 "$DOCKER" swarm leave --force >/dev/null 2>&1 || true
    kill "$pid" 2>/dev/null || true
    # Bounded: up to 30 s for dockerd to stop its containers and exit, then SIGKILL.
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  # containerd-shim processes dockerd started exit with it; its mounts go before the folder.
  grep -F " $dir/" /proc/mounts | awk '{print $2}' | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
  [ ! -d "$dir/data" ] || rm -rf "$dir"
}

case "${1:-}" in
  start) shift; start "$@" ;;
  stop) shift; stop "$@" ;;
  *) die "usage: swarm.sh start [DIR] | stop DIR" ;;
esac
