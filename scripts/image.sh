#!/usr/bin/env bash
# `npm run image`: build the control-node image from ./Containerfile with
# podman, or docker when podman is not installed. Extra arguments go to the
# build command.
#
#   CN_IMAGE    tag to build (default localhost/control-node:<package version>)
#   CN_BASE     BASE build argument; default: localhost/node:20-bookworm when
#               that image exists (scripts/container-setup.sh makes it, for
#               machines without a registry), else the Containerfile's own.
#   CN_ENGINE   podman | docker (default: podman if installed)
#   CN_BUILD_NETWORK  network of the build's RUN steps (default host: npm ci
#               needs the npm registry, and host networking leaves the
#               firewall and ip_forward alone, unlike podman's bridge)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

engine=${CN_ENGINE:-}
if [ -z "$engine" ]; then
  if command -v podman >/dev/null; then engine=podman
  elif command -v docker >/dev/null; then engine=docker
  else echo "npm run image: neither podman nor docker is installed (see scripts/container-setup.sh)" >&2; exit 1
  fi
fi

version=$(node -p 'require("./package.json").version')
image=${CN_IMAGE:-localhost/control-node:$version}
args=(build -f Containerfile -t "$image" --network "${CN_BUILD_NETWORK:-host}")

base=${CN_BASE:-}
if [ -z "$base" ] && "$engine" image inspect localhost/node:20-bookworm >/dev/null 2>&1; then
  base=localhost/node:20-bookworm
fi
[ -n "$base" ] && args+=(--build-arg "BASE=$base")

if [ "$engine" = podman ]; then
  # OCI images (podman's default format) have no HEALTHCHECK; docker format
  # keeps it. A local BASE must never be looked up in a registry.
  args+=(--format docker)
  case "$base" in localhost/*) args+=(--pull=never) ;; esac
fi

echo "npm run image: $engine ${args[*]} $* ." >&2
"$engine" "${args[@]}" "$@" .
echo "$image"
