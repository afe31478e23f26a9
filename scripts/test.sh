#!/usr/bin/env bash
# The whole test suite, as CI runs it (`npm test`): install what is missing,
# check the import layers (`npm run lint:layers`, .dependency-cruiser.cjs; a
# wrong-way import fails the run here, with the violations printed), build,
# run both vitest projects (unit and interop), then the container tests
# (scripts/test-containers.sh: podman, the control-node image and the peers as
# containers in the lab; skipped only when the run is narrowed by arguments),
# then print the totals of both as `N passed, N failed, N skipped`
# (scripts/test-summary.mjs). Exits
# non-zero if vitest failed, ran no test, skipped any test, or a suite failed
# to load or in a hook. Extra arguments go to vitest (e.g. `npm test --
# --project unit`); the run is then "narrowed" and may skip tests.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# CN_IMPL=gobgpd swaps our binary for gobgpd in the interop lab (the oracle
# check, scripts/test-oracle.sh); the test command always tests our binary.
unset CN_IMPL

bash scripts/install-deps.sh
npm run --silent lint:layers
npm run --silent build

results=test-results/vitest.json
containers=test-results/containers.json
mkdir -p test-results
rm -f "$results" "$containers"

status=0
npx vitest run --reporter=default --reporter=json --outputFile="$results" "$@" || status=$?

if [ $# -eq 0 ]; then
  bash scripts/test-containers.sh --reporter=default --reporter=json --outputFile="$containers" || status=$?
  node scripts/test-summary.mjs "$results" "$containers" || status=1
else
  node scripts/test-summary.mjs "$results" "$@" || status=1
fi

exit "$status"
