#!/usr/bin/env bash
# The demo from a fresh clone: installs what is missing, builds, runs `pnpm demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
pnpm --filter @universal-logout/server build
exec pnpm demo
