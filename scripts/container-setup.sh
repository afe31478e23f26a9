#!/usr/bin/env bash
# Registry-free container engine for this project's Debian 12 machines
# (root, cgroup v1 hybrid, no CAP_SYS_RESOURCE, no container registry).
# Follows ../shared/docs/containers.md. Idempotent: each step is skipped when
# its result is already there. Run as root:
#
#   bash scripts/container-setup.sh
#
# Leaves behind:
#   - podman + runc + netavark from Debian, and /etc/containers/containers.conf
#     (runc, since crun refuses hybrid cgroups; ulimits at or below the hard
#     limits root cannot raise);
#   - localhost/debian-base:bookworm  (mmdebstrap rootfs, `podman import`);
#   - localhost/node:20-bookworm      (the base plus this host's Node 20 and
#     npm: a local stand-in for docker.io/library/node:20-bookworm-slim,
#     the Containerfile's default BASE; it also trusts the host's CA bundle,
#     since npm ci inside a build goes through the same TLS egress as the host);
#   - localhost/interop-peers:bookworm (gobgpd, FRR and iproute2 baked in by
#     mmdebstrap, so no container needs the network to be built).
# CN_SETUP_PEERS=0 skips the peers image.
set -euo pipefail

SUITE=${SUITE:-bookworm}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
SECMIRROR=${SECMIRROR:-http://deb.debian.org/debian-security}
BASE_IMAGE=localhost/debian-base:$SUITE
NODE_IMAGE=localhost/node:20-$SUITE
PEERS_IMAGE=localhost/interop-peers:$SUITE
export DEBIAN_FRONTEND=noninteractive

[ "$(id -u)" = 0 ] || { echo "container-setup: run as root" >&2; exit 1; }
say() { echo "container-setup: $*" >&2; }

# 1. Packages. crun is not used (see containers.conf below), runc is.
pkgs=(podman runc conmon netavark aardvark-dns slirp4netns uidmap iptables catatonit mmdebstrap)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  say "installing ${missing[*]}"
  apt-get -o DPkg::Lock::Timeout=300 update -q
  apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends "${missing[@]}"
fi

# 2. containers.conf. Podman's default RLIMIT_NOFILE (1048576) is above the
# hard limit and root lacks CAP_SYS_RESOURCE; podman/conmon run with nproc
# hard 32768; crun fails on hybrid cgroups; without a pinned backend podman
# may fall back to CNI, whose plugins are not installed.
nofile=$(ulimit -Hn)
if [ "$nofile" = unlimited ] || [ "$nofile" -gt 65536 ]; then nofile=65536; fi
conf=$(cat <<CONF
# Written by control-node scripts/container-setup.sh
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=16384:16384"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"

[network]
network_backend = "netavark"
CONF
)
mkdir -p /etc/containers
if [ ! -f /etc/containers/containers.conf ] || [ "$(cat /etc/containers/containers.conf)" != "$conf" ]; then
  say "writing /etc/containers/containers.conf"
  printf '%s\n' "$conf" > /etc/containers/containers.conf
fi

have_image() { podman image exists "$1"; }

# Slim Debian: no docs, man pages or locales, no kept .debs. The dpkg/apt
# options stay in the image, so images built on it stay slim. (Keep-Downloaded
# as --aptopt breaks mmdebstrap itself, hence the hook.)
debstrap() {
  mmdebstrap --quiet --variant=apt --format=tar \
    --aptopt='APT::Install-Recommends "false"' \
    --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    --customize-hook='echo "APT::Keep-Downloaded-Packages \"false\";" > "$1/etc/apt/apt.conf.d/99no-keep-debs"' \
    "$@" "$SUITE" - \
    "deb $MIRROR $SUITE main" "deb $MIRROR $SUITE-updates main" "deb $SECMIRROR $SUITE-security main"
}

# 3. The Debian base image.
if ! have_image "$BASE_IMAGE"; then
  say "building $BASE_IMAGE with mmdebstrap"
  debstrap | podman import -q --change 'CMD ["/bin/bash"]' - "$BASE_IMAGE" >/dev/null
fi

# 4. A Node 20 base: Debian's nodejs is 18, so take this host's Node 20
# binary (dynamically linked against bookworm's glibc, which the base has)
# and its npm.
if ! have_image "$NODE_IMAGE"; then
  node_bin=$(command -v node)
  node_major=$("$node_bin" -p 'process.versions.node.split(".")[0]')
  [ "$node_major" = 20 ] || { say "need Node 20 on the host for $NODE_IMAGE, have $("$node_bin" --version)"; exit 1; }
  npm_dir=$(npm root -g)/npm
  [ -f "$npm_dir/bin/npm-cli.js" ] || { say "npm not found at $npm_dir"; exit 1; }
  ctx=$(mktemp -d)
  trap 'rm -rf "$ctx"' EXIT
  cp "$(readlink -f "$node_bin")" "$ctx/node"
  cp -a "$npm_dir" "$ctx/npm"
  cp /etc/ssl/certs/ca-certificates.crt "$ctx/host-ca.crt"
  cat > "$ctx/Containerfile" <<CF
FROM $BASE_IMAGE
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
COPY host-ca.crt /usr/local/share/host-ca.crt
ENV NODE_EXTRA_CA_CERTS=/usr/local/share/host-ca.crt
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \\
 && node --version && npm --version
CMD ["node"]
CF
  say "building $NODE_IMAGE from $("$node_bin" --version) and npm $(npm --version)"
  podman build -q --pull=never --network none -t "$NODE_IMAGE" "$ctx" >/dev/null
  rm -rf "$ctx"
  trap - EXIT
fi

# 5. Interop peers: gobgpd, FRR (bgpd on) and iproute2, installed by
# mmdebstrap on the host, so no container reaches out while being built.
if [ "${CN_SETUP_PEERS:-1}" != 0 ] && ! have_image "$PEERS_IMAGE"; then
  say "building $PEERS_IMAGE with mmdebstrap"
  debstrap --include=gobgpd,frr,iproute2 \
    --customize-hook='sed -i "s/^bgpd=no/bgpd=yes/" "$1/etc/frr/daemons"' \
    | podman import -q --change 'CMD ["/bin/bash"]' - "$PEERS_IMAGE" >/dev/null
fi

podman images --format '{{.Repository}}:{{.Tag}} {{.Size}}' >&2
