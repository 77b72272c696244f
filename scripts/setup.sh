#!/usr/bin/env bash
# One-command set-up for a fresh Debian 12 machine with Node 20 and npm:
#   - the Mesa lavapipe Vulkan driver from bookworm-backports, when no WebGPU adapter is found
#   - Bun (from npm, into .tools/) and the workspace's packages
#   - with --torch: PyTorch from Debian (dev/bench only: golden fixtures and the benchmark peer)
# Safe to run again: each step checks whether it is already done.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WITH_TORCH=0
for arg in "$@"; do
  case "$arg" in
    --torch) WITH_TORCH=1 ;;
    *) echo "setup: unknown option $arg (known: --torch)" >&2; exit 2 ;;
  esac
done
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp/xdg-$(id -u)}"
mkdir -p "$XDG_RUNTIME_DIR"

# 1. Bun, from the npm registry (the binary ships inside @oven/bun-linux-x64; no download script needed).
BUN="$ROOT/.tools/node_modules/.bin/bun"
if [ ! -x "$BUN" ] || [ "$("$BUN" --version)" != "1.4.4" ]; then
  echo "setup: installing bun 1.4.4 from npm into .tools/"
  mkdir -p .tools
  npm install --prefix .tools --no-audit --no-fund --loglevel=error bun@1.4.4 >/dev/null
fi

# 2. The workspace's packages.
echo "setup: bun install"
"$BUN" install --frozen-lockfile
# The packages' JavaScript (dist/node, dist/browser) for the `sae` bin under Node (`bunx sae`, `npx sae`); Bun
# itself runs the TypeScript sources. `bun scripts/build.ts` again after changing a package's source.
"$BUN" scripts/build.ts --js-only

# 3. System packages from Debian, each only when missing: a Vulkan driver Dawn accepts (Mesa >= 23 lavapipe from
#    bookworm-backports) when no WebGPU adapter is found; Chromium for the dashboard's browser test;
#    with --torch, PyTorch for fixtures and benchmarks (never a runtime dependency).
probe() { node packages/tensor-core/scripts/probe-adapter.mjs >/dev/null 2>&1; }
APT_UPDATED=0
apt_install() { # [-t suite] packages...
  if [ "$APT_UPDATED" = 0 ]; then $SUDO apt-get update -qq; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
if probe; then
  echo "setup: WebGPU adapter found: $(node packages/tensor-core/scripts/probe-adapter.mjs 2>/dev/null)"
else
  echo "setup: no WebGPU adapter; installing Mesa lavapipe from bookworm-backports"
  if [ ! -f /etc/apt/sources.list.d/bookworm-backports.sources ]; then
    $SUDO tee /etc/apt/sources.list.d/bookworm-backports.sources >/dev/null <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  fi
  apt_install -t bookworm-backports mesa-vulkan-drivers libvulkan1
  if probe; then
    echo "setup: WebGPU adapter found: $(node packages/tensor-core/scripts/probe-adapter.mjs 2>/dev/null)"
  else
    echo "setup: still no WebGPU adapter after installing lavapipe:" >&2
    node packages/tensor-core/scripts/probe-adapter.mjs >&2 || true
    exit 1
  fi
fi
if ! command -v chromium >/dev/null 2>&1; then
  echo "setup: installing Debian's chromium (headless dashboard test)"
  apt_install chromium
fi
if [ "$WITH_TORCH" = 1 ]; then
  if ! /usr/bin/python3 -c "import torch" 2>/dev/null; then
    echo "setup: installing python3-torch and libopenblas0-pthread from Debian"
    apt_install python3-torch libopenblas0-pthread python3-numpy
  fi
  echo "setup: torch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)')"
fi
echo "setup: done. Run the tests with: npm test"
