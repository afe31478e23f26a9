#!/usr/bin/env bash
# `npm run test:containers` (also run by `npm test`, after the unit and interop
# projects): set up podman and the
# local base images (scripts/container-setup.sh, a no-op once done), build the
# control-node image (`npm run image`), then run the container tests in the
# interop lab (containers/*.test.ts). Root. Extra arguments go to vitest.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/container-setup.sh
CN_IMAGE=${CN_IMAGE:-localhost/control-node:$(node -p 'require("./package.json").version')}
export CN_IMAGE
bash scripts/image.sh -q >/dev/null
npx vitest run --config vitest.containers.config.ts "$@"
