// Locates libtorch for binding.gyp: $LIBTORCH (a folder with include/ and lib/, as in a PyTorch download or the
// `torch` Python package) first, else Debian's libtorch-dev. Prints one gyp list, or fails with what to install.
// Usage: node native/find-libtorch.cjs include|libs|defines|check
const fs = require('node:fs');
const path = require('node:path');

function locate() {
  const env = process.env.LIBTORCH;
  if (env) {
    const inc = path.join(env, 'include');
    const lib = path.join(env, 'lib');
    if (!fs.existsSync(path.join(inc, 'torch')) || !fs.existsSync(lib)) {
      fail(`LIBTORCH=${env} must be a folder with include/torch and lib/ (a PyTorch libtorch download or ` +
        `site-packages/torch); unset it to use Debian's libtorch-dev`);
    }
    // PyTorch builds record which C++ ABI they use; match it or linking fails with missing std::string symbols.
    let abi = null;
    const cfg = path.join(env, 'share', 'cmake', 'Torch', 'TorchConfig.cmake');
    if (fs.existsSync(cfg)) {
      const m = fs.readFileSync(cfg, 'utf8').match(/_GLIBCXX_USE_CXX11_ABI=(\d)/);
      if (m) abi = m[1];
    }
    const cuda = fs.existsSync(path.join(lib, 'libtorch_cuda.so'));
    const include = [inc, path.join(inc, 'torch/csrc/api/include'), ...(cuda ? cudaIncludes(env) : [])];
    return { kind: cuda ? 'LIBTORCH (CUDA)' : 'LIBTORCH', include, lib, abi, cuda, gloo: hasGloo([inc]),
      nccl: cuda && include.some((d) => fs.existsSync(path.join(d, 'nccl.h'))) };
  }
  const debInc = '/usr/include/torch/csrc/api/include';
  if (fs.existsSync(debInc) && fs.existsSync('/usr/lib/x86_64-linux-gnu/libtorch.so') ||
      fs.existsSync(debInc) && fs.existsSync('/usr/lib/aarch64-linux-gnu/libtorch.so')) {
    return { kind: 'debian', include: [debInc], lib: null, abi: null, cuda: false, gloo: hasGloo(['/usr/include', '/usr/local/include']), nccl: false };
  }
  fail('libtorch not found: install it with `apt-get install -y --no-install-recommends libtorch-dev` ' +
    '(Debian), or set LIBTORCH to a folder with include/ and lib/ (a PyTorch download or the torch package)');
}

// ProcessGroupGloo.hpp includes Gloo's own headers: Debian ships them in libgloo-dev, not in libtorch-dev. A
// LIBTORCH build takes only its own (the class layout must match the Gloo it was built with).
function hasGloo(includes) {
  return includes.some((d) => fs.existsSync(path.join(d, 'gloo', 'algorithm.h')));
}

// A CUDA libtorch's headers include the CUDA runtime's, cuBLAS's, ... and c10d's NCCL header includes nccl.h. The
// torch wheel finds them in the nvidia-* wheels beside it (site-packages/nvidia/<lib>/include); a libtorch
// download with a CUDA toolkit has them in $CUDA_HOME/include.
function cudaIncludes(libtorch) {
  const dirs = [];
  const nvidia = path.join(libtorch, '..', 'nvidia');
  if (fs.existsSync(nvidia)) {
    for (const d of fs.readdirSync(nvidia).sort()) {
      const inc = path.join(nvidia, d, 'include');
      if (fs.existsSync(inc)) dirs.push(inc);
    }
  }
  for (const home of [process.env.CUDA_HOME, '/usr/local/cuda']) {
    if (home && fs.existsSync(path.join(home, 'include', 'cuda_runtime_api.h'))) dirs.push(path.join(home, 'include'));
  }
  return dirs;
}

function fail(msg) {
  process.stderr.write(`refract: ${msg}\n`);
  process.exit(1);
}

const found = locate();
const what = process.argv[2];
if (what === 'include') console.log(found.include.join(' '));
else if (what === 'libs') {
  // --no-as-needed: nothing references libtorch_cuda's symbols directly, but loading it is what registers the CUDA
  // kernels with the dispatcher; an as-needed link would drop it and every CUDA op would fail.
  const libs = found.cuda
    ? ['-Wl,--no-as-needed', '-ltorch', '-ltorch_cuda', '-ltorch_cpu', '-lc10_cuda', '-lc10', '-Wl,--as-needed']
    : ['-ltorch', '-ltorch_cpu', '-lc10'];
  if (found.lib) libs.unshift(`-L${found.lib}`, `-Wl,-rpath,${found.lib}`);
  console.log(libs.join(' '));
} else if (what === 'defines') {
  const defs = [];
  if (found.abi !== null) defs.push(`_GLIBCXX_USE_CXX11_ABI=${found.abi}`);
  if (found.gloo) defs.push('REFRACT_GLOO');
  if (found.cuda) defs.push('REFRACT_CUDA');
  if (found.nccl) defs.push('USE_C10D_NCCL');
  console.log(defs.join(' '));
} else if (what === 'check') console.log(JSON.stringify(found));
else fail('usage: find-libtorch.cjs include|libs|defines|check');
