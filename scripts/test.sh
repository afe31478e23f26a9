#!/usr/bin/env bash
# The whole test suite, as CI runs it (`npm test`): install what is missing,
# check the import layers (`npm run lint:layers`, .dependency-cruiser.cjs; a
# wrong-way import fails the run here, with the violations printed), build,
# run both vitest projects (unit and interop), then print the totals
# as `N passed, N failed`. Exits non-zero if vitest failed or ran no test.
# Extra arguments go to vitest (e.g. `npm test -- --project unit`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/install-deps.sh
npm run --silent lint:layers
npm run --silent build

results=test-results/vitest.json
mkdir -p test-results
rm -f "$results"

status=0
npx vitest run --reporter=default --reporter=json --outputFile="$results" "$@" || status=$?

node -e '
  const fs = require("node:fs");
  const file = process.argv[1];
  if (!fs.existsSync(file)) {
    console.error(`test.sh: vitest wrote no results to ${file}`);
    process.exit(1);
  }
  const r = JSON.parse(fs.readFileSync(file, "utf8"));
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed`);
  if (r.numPassedTests + r.numFailedTests === 0) {
    console.error("test.sh: no test ran");
    process.exit(1);
  }
' "$results" || status=1

exit "$status"
