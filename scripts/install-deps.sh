#!/usr/bin/env bash
# Installs what the build and the tests need, and nothing that is already there:
#   - npm packages: `npm ci` when node_modules is missing or does not match
#     package-lock.json (`npm install` only if there is no lock file);
#   - the interop lab's daemons and tools from Debian, as root, for whichever of
#     gobgpd, FRR's bgpd, bird, tshark and ip is missing;
#   - Debian's chromium, which the web viewer's browser test drives through
#     playwright-core (a pinned devDependency; it never downloads a browser).
# Idempotent and quiet; on failure it prints the failing tool's output and exits non-zero.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

log() { printf 'install-deps: %s\n' "$*" >&2; }

# Runs a command with its output kept aside; shows it only if the command fails.
quietly() {
  local out
  out="$(mktemp)"
  if ! "$@" >"$out" 2>&1; then
    log "FAILED: $*"
    cat "$out" >&2
    rm -f "$out"
    exit 1
  fi
  rm -f "$out"
}

# True when every package the lock file pins is installed at the pinned version
# (npm records what it installed in node_modules/.package-lock.json).
npm_in_sync() {
  [ -f node_modules/.package-lock.json ] || return 1
  node -e '
    const fs = require("node:fs");
    const want = JSON.parse(fs.readFileSync("package-lock.json", "utf8")).packages ?? {};
    const have = JSON.parse(fs.readFileSync("node_modules/.package-lock.json", "utf8")).packages ?? {};
    for (const [where, pkg] of Object.entries(want)) {
      if (where === "" || pkg.link) continue;
      const got = have[where];
      if (got === undefined ? !pkg.optional : got.version !== pkg.version) process.exit(1);
    }
  '
}

install_npm() {
  if [ ! -f package-lock.json ]; then
    log "no package-lock.json: npm install"
    quietly npm install --no-audit --no-fund
  elif [ ! -d node_modules ] || ! npm_in_sync; then
    log "node_modules missing or stale: npm ci"
    quietly npm ci --no-audit --no-fund
  fi
}

install_apt() {
  local missing=()
  command -v gobgpd >/dev/null 2>&1 || missing+=(gobgpd)
  [ -x /usr/lib/frr/bgpd ] || missing+=(frr)
  command -v bird >/dev/null 2>&1 || missing+=(bird2)
  command -v tshark >/dev/null 2>&1 || missing+=(tshark)
  command -v ip >/dev/null 2>&1 || missing+=(iproute2)
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  [ "${#missing[@]}" -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    log "not root: not installing ${missing[*]} (the interop tests and the browser test need them, and root)"
    return 0
  fi
  log "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  echo 'wireshark-common wireshark-common/install-setuid boolean false' | quietly debconf-set-selections
  quietly apt-get update
  quietly apt-get install -y --no-install-recommends "${missing[@]}"
}

install_npm
install_apt
