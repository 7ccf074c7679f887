#!/usr/bin/env bash
# scripts/gpu-check.sh — Refract on a GPU machine that has an NVIDIA GPU and the `torch` Python package (CUDA
# build, torch 2.x ships lib/ and include/) but no Node. In ≤ 5 minutes it:
#   1. unpacks the Node tarball carried in (NODE_TARBALL, e.g. node-v20.x-linux-x64.tar.xz) — or uses NODE_DIR;
#   2. builds the addon against the torch package's libtorch (LIBTORCH = its folder; native/find-libtorch.cjs adds
#      the CUDA and NCCL headers of the nvidia-* wheels beside it and links libtorch_cuda);
#   3. compiles the TypeScript and runs the engine tests: test/torch/cuda.test.ts on the GPU (ops and gradients
#      against the CPU, NCCL all-reduce), then the core engine tests on the CUDA-linked build;
#   4. runs `refract bench engine` (Refract against the same Python torch, on CPU tensors);
#   5. runs the 2-rank data-parallel smoke (configs/ddp-smoke.yaml --nproc 2) when the build has Gloo.
# The repository is the folder above this script, carried in with node_modules (`npm ci` needs the network).
# Usage: NODE_TARBALL=/path/node-v20.19.0-linux-x64.tar.xz bash scripts/gpu-check.sh
# Environment: PYTHON (default python3), NODE_TARBALL or NODE_DIR, WORK (scratch folder, default a new temp dir),
#   GPU_CHECK_CPU_OK=1 to run on a machine without a GPU up to the steps that need CUDA (a dry run: the build then
#   uses Debian's libtorch when the torch package has no include/).
set -euo pipefail

BUDGET_S=300
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
PYTHON=${PYTHON:-python3}
WORK=${WORK:-$(mktemp -d /tmp/refract-gpu-check.XXXXXX)}
cpu_ok=${GPU_CHECK_CPU_OK:-0}
failures=()

step() { printf '\n== [%3d s] %s\n' "$SECONDS" "$*"; }
fail() { printf 'gpu-check: %s\n' "$*" >&2; exit 1; }
# Runs a step under a time limit; records (does not stop on) a failure so the summary shows every result.
check() {
  local name=$1 limit=$2
  shift 2
  if timeout --signal=KILL "$limit" "$@"; then
    printf -- '-- %s: ok\n' "$name"
  else
    printf -- '-- %s: FAILED (exit %s)\n' "$name" "$?"
    failures+=("$name")
  fi
}

step "Node"
if [[ -n ${NODE_DIR:-} ]]; then
  node_dir=$NODE_DIR
elif [[ -n ${NODE_TARBALL:-} ]]; then
  [[ -f $NODE_TARBALL ]] || fail "NODE_TARBALL=$NODE_TARBALL must be a Node release tarball (node-v20.x-linux-x64.tar.xz)"
  node_dir=$WORK/node
  mkdir -p "$node_dir"
  tar -xf "$NODE_TARBALL" -C "$node_dir" --strip-components=1
else
  fail "set NODE_TARBALL to a Node ≥ 20 tarball carried in (or NODE_DIR to an unpacked one)"
fi
export PATH=$node_dir/bin:$PATH
node_major=$(node -p 'process.versions.node.split(".")[0]')
((node_major >= 20)) || fail "Node must be ≥ 20, got $(node --version)"
echo "node $(node --version) from $node_dir"
[[ -d node_modules/node-addon-api && -d node_modules/typescript ]] ||
  fail "node_modules must be carried in with the repository (run \`npm ci\` where there is network, then copy)"

step "torch and the GPU"
torch_dir=$("$PYTHON" -c 'import os, torch; print(os.path.dirname(torch.__file__))') ||
  fail "$PYTHON must import torch (pip install torch), or set PYTHON"
"$PYTHON" - <<'PY'
import torch
cuda = torch.cuda.is_available()
print(f"torch {torch.__version__}, CUDA {torch.version.cuda}, available: {cuda}")
if cuda:
    print(f"device 0: {torch.cuda.get_device_name(0)}")
PY
if command -v nvidia-smi >/dev/null; then nvidia-smi -L || true; fi
has_gpu=$("$PYTHON" -c 'import torch; print(int(torch.cuda.is_available()))')
if [[ -d $torch_dir/include/torch && -d $torch_dir/lib ]]; then
  export LIBTORCH=$torch_dir
elif [[ $cpu_ok == 1 ]]; then
  echo "the torch package at $torch_dir has no include/: building against Debian's libtorch (dry run)"
  unset LIBTORCH
else
  fail "the torch package at $torch_dir must have include/ and lib/ (torch ≥ 2.0 wheels do)"
fi
if [[ $has_gpu != 1 && $cpu_ok != 1 ]]; then
  fail "no CUDA device visible to torch (set GPU_CHECK_CPU_OK=1 for a dry run up to the CUDA steps)"
fi

step "build the addon (LIBTORCH=${LIBTORCH:-Debian})"
node native/find-libtorch.cjs check
# install-addon keeps a working addon when a build fails (exit 0): only its "built" line says this build made it.
build_out=$(npm_config_nodedir=$node_dir timeout --signal=KILL 240 node scripts/install-addon.mjs --force 2>&1) || true
printf '%s\n' "$build_out" | tail -n 5
grep -q 'built build/Release/refract.node' <<<"$build_out" || fail "the addon did not build: see $repo/build-addon.log"

step "TypeScript"
timeout --signal=KILL 120 node node_modules/typescript/bin/tsc -p tsconfig.json || fail "tsc failed"
node -e "import('./dist/src/torch/distributed/index.js').then((d) => console.log('collective backends:', d.availableBackends().join(', ') || 'none'))"

export REFRACT_THREADS=${REFRACT_THREADS:-4}
step "engine tests on CUDA"
if [[ $has_gpu == 1 ]]; then
  check "cuda.test" 90 node --test --test-reporter=spec dist/test/torch/cuda.test.js
  check "device.test" 60 node --test --test-reporter=spec dist/test/torch/device.test.js
else
  echo "no GPU: the CUDA tests would skip — stopping the CUDA part here (dry run)"
  node --test dist/test/torch/cuda.test.js | grep -E '^# (pass|skip|fail)' || true
fi
check "engine tests (CUDA-linked build, CPU tensors)" 120 node --expose-gc --test --test-reporter=dot --test-concurrency=1 \
  dist/test/torch/autograd.test.js dist/test/torch/creation-data.test.js dist/test/torch/errors.test.js \
  dist/test/torch/gradcheck.test.js dist/test/torch/indexing.test.js

step "refract bench engine"
if ((SECONDS < BUDGET_S - 60)); then
  # one thread count keeps it inside the budget (BENCH_THREADS, default 4); GPU_CHECK_QUICK=1 adds --quick
  check "bench engine" $((BUDGET_S - 30 - SECONDS)) node dist/src/cli/main.js bench engine --json \
    --threads "${BENCH_THREADS:-4}" ${GPU_CHECK_QUICK:+--quick}
else
  echo "skipped: less than 60 s of the ${BUDGET_S} s budget left"
  failures+=("bench engine (no time left)")
fi

step "data-parallel smoke (2 ranks, Gloo)"
if node -e "import('./dist/src/torch/distributed/index.js').then((d) => process.exit(d.availableBackends().includes('gloo') ? 0 : 1))"; then
  if ((SECONDS < BUDGET_S - 30)); then
    check "ddp-smoke --nproc 2" $((BUDGET_S - SECONDS)) node bin/refract.js train configs/ddp-smoke.yaml --nproc 2
  else
    echo "skipped: no time left"
  fi
else
  echo "skipped: this libtorch build has no Gloo headers (the torch wheel ships none); NCCL was checked above"
fi

step "summary"
echo "total ${SECONDS} s (budget ${BUDGET_S} s); scratch $WORK"
if ((${#failures[@]} > 0)); then
  printf 'FAILED: %s\n' "${failures[@]}"
  exit 1
fi
echo "all checks passed"
