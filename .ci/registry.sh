#!/usr/bin/env bash
# A real container registry on 127.0.0.1 (Debian's docker-registry, distribution 2.8), for the
# tests and for anyone following the README: temporary storage, a free port, stopped by its pid.
#
#   bash .ci/registry.sh start [DIR] [--read-only]   start one; prints the lines of DIR/env.sh
#   source DIR/env.sh                                 PRODPATH_REGISTRY=127.0.0.1:<port>, ...
#   bash .ci/registry.sh stop DIR                     stop it by its pid and remove DIR
#
# DIR defaults to a new folder under ${TMPDIR:-/tmp}. Images are pushed over plain HTTP, which
# podman needs told (`--tls-verify=false`; prodpath build does it for 127.0.0.0/8) and docker
# allows for 127.0.0.0/8 by default. `--read-only` starts a registry that refuses every push
# (distribution's maintenance read-only mode), for tests of a refused push.
set -euo pipefail

die() { echo "registry.sh: $*" >&2; exit 1; }

start() {
  local dir="" readonly=false
  for a in "$@"; do
    case "$a" in
      --read-only) readonly=true ;;
      -*) die "unknown option $a" ;;
      *) dir="$a" ;;
    esac
  done
  command -v docker-registry >/dev/null \
    || die "docker-registry is not installed. Fix: apt-get install -y --no-install-recommends docker-registry"
  [ -n "$dir" ] || dir="$(mktemp -d "${TMPDIR:-/tmp}/prodpath-registry-XXXXXX")"
  mkdir -p "$dir/storage"
  dir="$(cd "$dir" && pwd)"
  [ ! -f "$dir/registry.pid" ] || ! kill -0 "$(cat "$dir/registry.pid")" 2>/dev/null \
    || die "a registry already runs from $dir (pid $(cat "$dir/registry.pid")). Fix: bash .ci/registry.sh stop $dir"
  local attempt port pid
  for attempt in 1 2 3 4 5; do
    # A free port, chosen by the kernel; another process may take it before the registry binds
    # it, so a registry that exits at once is started again on another one.
    port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
    cat >"$dir/config.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $dir/storage
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
    readonly:
      enabled: $readonly
http:
  addr: 127.0.0.1:$port
EOF
    docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 &
    pid=$!
    echo "$pid" >"$dir/registry.pid"
    # Bounded wait: up to 10 s for /v2/ to answer.
    for _ in $(seq 1 50); do
      if ! kill -0 "$pid" 2>/dev/null; then
        break
      fi
      if curl -fsS --max-time 1 "http://127.0.0.1:$port/v2/" >/dev/null 2>&1; then
        {
          echo "# Written by .ci/registry.sh; stop it with: bash .ci/registry.sh stop $dir"
          echo "export PRODPATH_REGISTRY='127.0.0.1:$port'"
          echo "export PRODPATH_REGISTRY_DIR='$dir'"
          echo "export PRODPATH_REGISTRY_PID='$pid'"
        } >"$dir/env.sh"
        cat "$dir/env.sh"
        return 0
      fi
      sleep 0.2
    done
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    rm -f "$dir/registry.pid"
  done
  die "the registry did not answer on 127.0.0.1 after 5 attempts; its log ($dir/registry.log) ends with: $(tail -n 5 "$dir/registry.log" 2>/dev/null)"
}

stop() {
  local dir="${1:-}"
  [ -n "$dir" ] || die "usage: registry.sh stop DIR"
  if [ -f "$dir/registry.pid" ]; then
    local pid
    pid="$(cat "$dir/registry.pid")"
    if kill "$pid" 2>/dev/null; then
      # Bounded: up to 5 s for it to exit, then SIGKILL.
      for _ in $(seq 1 25); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      kill -9 "$pid" 2>/dev/null || true
    fi
  fi
  case "$dir" in
    /|"") die "refusing to remove $dir" ;;
  esac
  [ ! -f "$dir/config.yml" ] || rm -rf "$dir"
}

case "${1:-}" in
  start) shift; start "$@" ;;
  stop) shift; stop "$@" ;;
  *) die "usage: registry.sh start [DIR] [--read-only] | stop DIR" ;;
esac
