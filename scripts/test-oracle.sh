#!/usr/bin/env bash
# The oracle check: runs the route-reflector interop tests with gobgpd as the
# route reflector instead of our binary (CN_IMPL=gobgpd, interop/lab/dut.ts),
# to show that the lab and its expectations are right independently of our
# code. Not part of `npm test`, which always tests our binary.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/install-deps.sh
npm run --silent build
CN_IMPL=gobgpd npx vitest run --project interop interop/route-reflector.test.ts "$@"
