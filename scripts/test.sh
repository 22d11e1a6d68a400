#!/usr/bin/env bash
# Everything CI runs, from a fresh clone: set-up, lint, typecheck, build, unit, integration and
# browser tests. Ends with one line "N passed, N failed" summed over every suite (lint and
# typecheck count as one check each). Exits non-zero when anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/bootstrap.sh --browser || { echo "0 passed, 1 failed"; exit 1; }

results=$(mktemp -d)
passed=0
failed=0

check() {
  local name=$1
  shift
  printf '\n\033[1m== %s\033[0m\n' "$name"
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "[test] $name failed"; fi
}

check lint pnpm lint
check typecheck pnpm typecheck
check build pnpm build
check 'web-ext lint (Firefox build)' pnpm --filter @universal-logout/extension lint:firefox

printf '\n\033[1m== tests\033[0m\n'
pnpm exec vitest run --reporter=default --reporter=json --outputFile.json="$results/vitest.json"
vitest_status=$?
if [[ -s "$results/vitest.json" ]]; then
  read -r vp vf < <(node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    // Suites that failed to load count as failures too: they ran none of their tests.
    const broken = r.testResults.filter((f) => f.status === "failed" && f.assertionResults.length === 0).length;
    console.log(r.numPassedTests, r.numFailedTests + broken);
  ' "$results/vitest.json")
  passed=$((passed + vp))
  failed=$((failed + vf))
  if [[ $vitest_status -ne 0 && $vf -eq 0 ]]; then failed=$((failed + 1)); fi
else
  echo "[test] vitest wrote no results"
  failed=$((failed + 1))
fi

echo
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
