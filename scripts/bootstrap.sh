#!/usr/bin/env bash
# Installs what a fresh Debian machine (root, Node 20) lacks for this project, then the
# lockfile's packages. Idempotent: anything already present is left alone.
#   bash scripts/bootstrap.sh            node packages, pnpm, a running redis-server
#   bash scripts/bootstrap.sh --browser  the same, plus Debian's chromium for browser tests
#   bash scripts/bootstrap.sh --bench    the same, plus chromium and wrk for `pnpm bench`
set -euo pipefail
cd "$(dirname "$0")/.."

want_browser=0
want_bench=0
case "${1:-}" in
  --browser) want_browser=1 ;;
  --bench) want_browser=1 want_bench=1 ;;
  "") ;;
  *) printf '[bootstrap] error: unknown option %s (--browser or --bench)\n' "$1" >&2; exit 2 ;;
esac

say() { printf '\033[1m[bootstrap]\033[0m %s\n' "$*"; }
die() { printf '[bootstrap] error: %s\n' "$*" >&2; exit 1; }

command -v node >/dev/null || die "Node.js 20.19+ is required (apt-get install nodejs, or nodesource)"
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
  || die "Node.js 20.19+ is required, found $(node --version)"

apt_updated=0
apt_install() {
  [[ $(id -u) -eq 0 ]] || die "need root to apt-get install $* (or install it yourself)"
  if [[ $apt_updated -eq 0 ]]; then
    say "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    apt_updated=1
  fi
  say "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

if ! command -v redis-server >/dev/null; then apt_install redis-server; fi
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  say "starting redis-server on 127.0.0.1:6379"
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no >/dev/null
  for _ in $(seq 1 50); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.1; done
  redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || die "redis-server did not start"
fi

if [[ $want_browser -eq 1 && ! -x /usr/lib/chromium/chromium ]]; then apt_install chromium; fi
# The GTR benchmark's load generator (bench/gtr.ts).
if [[ $want_bench -eq 1 ]] && ! command -v wrk >/dev/null; then apt_install wrk; fi

if ! command -v pnpm >/dev/null; then
  say "npm install -g pnpm@10"
  npm install -g pnpm@10 >/dev/null 2>&1 || die "could not install pnpm"
fi

say "pnpm install --frozen-lockfile"
pnpm install --frozen-lockfile
