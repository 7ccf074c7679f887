// Issue #12 defect 1: installing the package folder (`npx refract`, `npm ci`) must never destroy a working addon.
// The install script decides from modification times, builds in a private folder and swaps the result in only on
// success. node-gyp is replaced by small scripts (REFRACT_NODE_GYP) so these tests build nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const SCRIPT = path.join(ROOT, 'scripts/install-addon.mjs');

interface Facts {
  addonTime: number | null;
  sourceTime: number;
  force: boolean;
  skipEnv: boolean;
}
interface InstallScript {
  decide(f: Facts): { action: 'skip' | 'build'; why: string };
  newestSourceTime(root: string): number;
  nodeGypEnv(env: Record<string, string | undefined>, execPath?: string): Record<string, string | undefined>;
}
const install = (await import(pathToFileURL(SCRIPT).href)) as InstallScript;

test('the package install script is the guarded one, not a bare node-gyp rebuild', () => {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  assert.equal(pkg.scripts['install'], 'node scripts/install-addon.mjs');
  assert.doesNotMatch(pkg.scripts['build:native'] ?? '', /node-gyp rebuild/, 'build:native must not delete build/ before building');
  assert.doesNotMatch(readFileSync(path.join(ROOT, 'scripts/setup.sh'), 'utf8'), /node-gyp rebuild/);
});

test('decide: skip an up-to-date addon, build a missing or stale one, honour --force and the skip variable', () => {
  const base = { force: false, skipEnv: false };
  assert.equal(install.decide({ ...base, addonTime: 200, sourceTime: 100 }).action, 'skip');
  assert.equal(install.decide({ ...base, addonTime: 100, sourceTime: 100 }).action, 'skip', 'equal times: up to date');
  assert.equal(install.decide({ ...base, addonTime: 99, sourceTime: 100 }).action, 'build');
  assert.match(install.decide({ ...base, addonTime: 99, sourceTime: 100 }).why, /older than its sources/);
  assert.equal(install.decide({ ...base, addonTime: null, sourceTime: 100 }).action, 'build');
  assert.equal(install.decide({ ...base, addonTime: 200, sourceTime: 100, force: true }).action, 'build');
  assert.equal(install.decide({ ...base, addonTime: null, sourceTime: 100, skipEnv: true }).action, 'skip');
});

/** A fake package: the real install script, a binding.gyp and native/ source, and optionally an addon. */
function fakePackage(addon: 'fresh' | 'stale' | 'none'): { root: string; addon: string } {
  const root = mkdtempSync(path.join(tmpdir(), 'refract-install-'));
  mkdirSync(path.join(root, 'scripts'));
  cpSync(SCRIPT, path.join(root, 'scripts/install-addon.mjs'));
  mkdirSync(path.join(root, 'native'));
  writeFileSync(path.join(root, 'binding.gyp'), '{}\n');
  writeFileSync(path.join(root, 'native/refract.cc'), '// source\n');
  const file = path.join(root, 'build/Release/refract.node');
  const old = new Date(Date.now() - 3_600_000);
  for (const f of ['binding.gyp', 'native/refract.cc']) utimesSync(path.join(root, f), old, old);
  if (addon !== 'none') {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, 'OLD ADDON');
    const t = addon === 'fresh' ? new Date() : new Date(Date.now() - 7_200_000);
    utimesSync(file, t, t);
  }
  return { root, addon: file };
}

/** A stand-in for node-gyp: `ok` writes build/Release/refract.node in its cwd, `fail` exits 1; both leave a marker. */
function fakeNodeGyp(dir: string, kind: 'ok' | 'fail'): string {
  const file = path.join(dir, `fake-node-gyp-${kind}.mjs`);
  const body =
    kind === 'ok'
      ? "mkdirSync('build/Release', { recursive: true }); writeFileSync('build/Release/refract.node', 'NEW ADDON');"
      : "process.stderr.write('gyp: cannot find libtorch\\n'); process.exit(1);";
  writeFileSync(file, `import { mkdirSync, writeFileSync } from 'node:fs'; writeFileSync(${JSON.stringify(path.join(dir, 'ran'))}, process.cwd());\n${body}\n`);
  return file;
}

function runInstall(root: string, nodeGyp: string): { code: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(root, 'scripts/install-addon.mjs')], {
    encoding: 'utf8',
    env: { ...process.env, REFRACT_NODE_GYP: nodeGyp, REFRACT_SKIP_ADDON_BUILD: '' },
  });
  return { code: r.status, stderr: r.stderr };
}

test('an up-to-date addon is left untouched and nothing is built', () => {
  const { root, addon } = fakePackage('fresh');
  try {
    const before = statSync(addon);
    const r = runInstall(root, fakeNodeGyp(root, 'ok'));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /up to date — not building/);
    assert.ok(!existsSync(path.join(root, 'ran')), 'node-gyp must not run');
    assert.equal(readFileSync(addon, 'utf8'), 'OLD ADDON');
    assert.equal(statSync(addon).ino, before.ino);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a failed build keeps the working addon, says why on stderr and leaves no build folder', () => {
  const { root, addon } = fakePackage('stale');
  try {
    const r = runInstall(root, fakeNodeGyp(root, 'fail'));
    assert.equal(r.code, 0, 'a kept addon is a usable install');
    assert.match(r.stderr, /building the native addon/);
    assert.match(r.stderr, /the build failed .* keeping the existing build\/Release\/refract\.node/);
    assert.match(r.stderr, /cannot find libtorch/);
    assert.equal(readFileSync(addon, 'utf8'), 'OLD ADDON');
    assert.ok(existsSync(path.join(root, 'ran')), 'the build was attempted');
    assert.notEqual(readFileSync(path.join(root, 'ran'), 'utf8'), root, 'the build ran in a private folder, not the package root');
    assert.deepEqual(readdirSync(root).filter((f) => f.startsWith('.addon-build-')), []);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a failed build with no addon to keep exits 1 with the fix', () => {
  const { root, addon } = fakePackage('none');
  try {
    const r = runInstall(root, fakeNodeGyp(root, 'fail'));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /there is no addon — install libtorch .*npm run build:native/);
    assert.ok(!existsSync(addon));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a successful build replaces a stale addon in one rename, and clears builds abandoned by killed installs', () => {
  const { root, addon } = fakePackage('stale');
  try {
    const dead = 2 ** 22 + 4321; // above the default pid_max: never a live process
    mkdirSync(path.join(root, `.addon-build-${dead}`));
    const r = runInstall(root, fakeNodeGyp(root, 'ok'));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(addon, 'utf8'), 'NEW ADDON');
    assert.match(r.stderr, /built build\/Release\/refract\.node/);
    assert.ok(install.newestSourceTime(root) <= statSync(addon).mtimeMs, 'the next install sees it up to date');
    assert.deepEqual(readdirSync(root).filter((f) => f.startsWith('.addon-build-')), []);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('node-gyp is pointed at the headers installed beside node (offline builds), unless a nodedir is configured', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'refract-nodedir-'));
  try {
    const node = path.join(dir, 'bin', 'node');
    assert.equal(install.nodeGypEnv({}, node).npm_config_nodedir, undefined, 'no headers: node-gyp decides');
    mkdirSync(path.join(dir, 'include', 'node'), { recursive: true });
    writeFileSync(path.join(dir, 'include', 'node', 'node_api.h'), '');
    assert.equal(install.nodeGypEnv({ PATH: '/bin' }, node).npm_config_nodedir, dir);
    assert.equal(install.nodeGypEnv({ npm_config_nodedir: '/elsewhere' }, node).npm_config_nodedir, '/elsewhere');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
