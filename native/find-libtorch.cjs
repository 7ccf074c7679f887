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
    return { kind: 'LIBTORCH', include: [inc, path.join(inc, 'torch/csrc/api/include')], lib, abi };
  }
  const debInc = '/usr/include/torch/csrc/api/include';
  if (fs.existsSync(debInc) && fs.existsSync('/usr/lib/x86_64-linux-gnu/libtorch.so') ||
      fs.existsSync(debInc) && fs.existsSync('/usr/lib/aarch64-linux-gnu/libtorch.so')) {
    return { kind: 'debian', include: [debInc], lib: null, abi: null };
  }
  fail('libtorch not found: install it with `apt-get install -y --no-install-recommends libtorch-dev` ' +
    '(Debian), or set LIBTORCH to a folder with include/ and lib/ (a PyTorch download or the torch package)');
}

function fail(msg) {
  process.stderr.write(`refract: ${msg}\n`);
  process.exit(1);
}

const found = locate();
const what = process.argv[2];
if (what === 'include') console.log(found.include.join(' '));
else if (what === 'libs') {
  const libs = ['-ltorch', '-ltorch_cpu', '-lc10'];
  if (found.lib) libs.unshift(`-L${found.lib}`, `-Wl,-rpath,${found.lib}`);
  console.log(libs.join(' '));
} else if (what === 'defines') console.log(found.abi !== null ? `_GLIBCXX_USE_CXX11_ABI=${found.abi}` : '');
else if (what === 'check') console.log(JSON.stringify(found));
else fail('usage: find-libtorch.cjs include|libs|defines|check');
