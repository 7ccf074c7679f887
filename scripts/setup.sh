#!/usr/bin/env bash
# Idempotent setup, run before `npm test` and `npm run demo`: installs what is missing and nothing else.
# - libtorch (Debian's libtorch-dev) unless LIBTORCH names a PyTorch folder
# - npm dependencies (npm ci) when node_modules is missing or older than package-lock.json
# - the native addon (scripts/install-addon.mjs) when missing or older than its sources, never destroying a working one
set -euo pipefail
cd "$(dirname "$0")/.."

apt_install() {
  local pkgs=("$@")
  local sudo=""
  if [ "$(id -u)" != "0" ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      echo "refract setup: missing Debian packages: ${pkgs[*]} — install them as root: apt-get install -y --no-install-recommends ${pkgs[*]}" >&2
      exit 1
    fi
  fi
  echo "refract setup: installing ${pkgs[*]} (apt)…" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
}

need=()
if [ -z "${LIBTORCH:-}" ] && [ ! -e /usr/include/torch/csrc/api/include/torch/torch.h ]; then need+=(libtorch-dev); fi
# Debian's libtorch calls BLAS through libblas.so.3; without OpenBLAS that is netlib's reference BLAS, 8–10×
# slower on the matmuls of attention and linear layers (measured: [8192,64]×[64,64] 12 ms vs 1.4 ms).
[ -e /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3 ] || [ -e /usr/lib/aarch64-linux-gnu/openblas-pthread/libblas.so.3 ] || need+=(libopenblas0-pthread)
command -v g++ >/dev/null 2>&1 || need+=(g++)
command -v make >/dev/null 2>&1 || need+=(make)
command -v python3 >/dev/null 2>&1 || need+=(python3)
# Fonts for the glyph/OCR testbed and Fashion-MNIST's IDX files for the real-data testbed.
[ -d /usr/share/fonts/truetype/dejavu ] || need+=(fonts-dejavu-core)
[ -d /usr/share/datasets/fashion-mnist ] || need+=(dataset-fashion-mnist)
[ -e /usr/share/unifont/unifont.hex ] || need+=(unifont)
# Gloo's headers for the c10d binding (torch.distributed): Debian ships them apart from libtorch-dev.
[ -n "${LIBTORCH:-}" ] || [ -e /usr/include/gloo/algorithm.h ] || need+=(libgloo-dev)
if [ ${#need[@]} -gt 0 ]; then apt_install "${need[@]}"; fi

# Chromium for the Studio's browser tests (they skip, saying why, when it is missing): best effort, never fatal.
if ! command -v chromium >/dev/null 2>&1 && [ "${REFRACT_SKIP_CHROMIUM:-}" != "1" ]; then
  ( apt_install chromium ) || echo "refract setup: chromium could not be installed; the Studio's browser tests will skip" >&2
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "refract setup: npm ci…" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi

# The native addon: built only when missing or older than its sources, in a private folder, and swapped in only
# when the build succeeded (scripts/install-addon.mjs, also the package's install script).
node scripts/install-addon.mjs
