#!/usr/bin/env node
// The package's `install` script (npm runs it on `npm install`, `npm ci` and when `npx refract` installs the
// folder). It never destroys a working addon:
//   - an addon newer than its sources (binding.gyp, native/*) is kept as is: nothing is built;
//   - otherwise the sources are copied to a private folder (.addon-build-<pid>/ in the package) and built there;
//     only a successful build replaces build/Release/refract.node, by an atomic rename;
//   - a failed build keeps the existing addon (exit 0, with the reason on stderr); with no addon to keep it exits 1.
// Progress goes to stderr. REFRACT_SKIP_ADDON_BUILD=1 skips the build; --force builds even when up to date;
// REFRACT_NODE_GYP names another node-gyp entry script (tests).
// Plain JavaScript: it runs before the TypeScript build exists.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ADDON = 'build/Release/refract.node';
/** What the addon is built from, relative to the package root (folders are walked). */
export const SOURCES = ['binding.gyp', 'native'];

/** Newest modification time (ms) among `entries` under `root` (folders walked); -Infinity when none exist. */
export function newestSourceTime(root, entries = SOURCES) {
  let newest = -Infinity;
  const visit = (p) => {
    if (!existsSync(p)) return;
    const st = statSync(p);
    if (st.isDirectory()) for (const f of readdirSync(p)) visit(path.join(p, f));
    else newest = Math.max(newest, st.mtimeMs);
  };
  for (const e of entries) visit(path.join(root, e));
  return newest;
}

/**
 * What to do, from the facts: 'skip' (with why) or 'build'. `addonTime` is the addon's mtime (null: missing),
 * `sourceTime` the newest source's.
 * @param {{ addonTime: number | null, sourceTime: number, force: boolean, skipEnv: boolean }} f
 * @returns {{ action: 'skip' | 'build', why: string }}
 */
export function decide(f) {
  if (f.skipEnv) return { action: 'skip', why: 'REFRACT_SKIP_ADDON_BUILD=1' };
  if (f.addonTime === null) return { action: 'build', why: `${ADDON} is missing` };
  if (f.force) return { action: 'build', why: '--force' };
  if (f.addonTime >= f.sourceTime) return { action: 'skip', why: `${ADDON} is up to date` };
  return { action: 'build', why: `${ADDON} is older than its sources` };
}

/** The node-gyp entry script: REFRACT_NODE_GYP, npm's own (npm_config_node_gyp), or the package's dependency. */
function nodeGypScript(root, env) {
  if (env.REFRACT_NODE_GYP) return env.REFRACT_NODE_GYP;
  if (env.npm_config_node_gyp && existsSync(env.npm_config_node_gyp)) return env.npm_config_node_gyp;
  return createRequire(path.join(root, 'package.json')).resolve('node-gyp/bin/node-gyp.js');
}

/**
 * The environment for node-gyp: when no nodedir is configured and this Node was installed with its headers (Debian's
 * nodejs puts them in /usr/include/node), point node-gyp at them. Otherwise node-gyp downloads the headers from
 * nodejs.org, which an offline machine cannot reach.
 */
export function nodeGypEnv(env, execPath = process.execPath) {
  if (env.npm_config_nodedir) return env;
  const prefix = path.dirname(path.dirname(execPath));
  if (!existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))) return env;
  return { ...env, npm_config_nodedir: prefix };
}

/**
 * Builds into a private folder and swaps the result in. Returns 0 on success or when a working addon was kept, 1 when
 * the build failed and there is no addon.
 */
export function buildAddon(root, env = process.env, log = (m) => process.stderr.write(`refract install: ${m}\n`)) {
  removeAbandonedBuilds(root);
  const tmp = path.join(root, `.addon-build-${process.pid}`);
  const addon = path.join(root, ADDON);
  rmSync(tmp, { recursive: true, force: true });
  try {
    mkdirSync(tmp);
    for (const e of SOURCES) if (existsSync(path.join(root, e))) cpSync(path.join(root, e), path.join(tmp, e), { recursive: true });
    log(`building the native addon in ${path.basename(tmp)}/ (about 30 s; the current addon stays in place until it succeeds)…`);
    const t0 = Date.now();
    const r = spawnSync(process.execPath, [nodeGypScript(root, env), 'rebuild', '--loglevel=error'], { cwd: tmp, env: nodeGypEnv(env), encoding: 'utf8', maxBuffer: 64 << 20 });
    const built = path.join(tmp, ADDON);
    if (r.status !== 0 || !existsSync(built)) {
      const why = r.error ? r.error.message : `node-gyp exited with ${r.status ?? r.signal}`;
      const tail = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
      writeFileSync(path.join(root, 'build-addon.log'), `${why}\n${r.stdout ?? ''}${r.stderr ?? ''}`);
      if (existsSync(addon)) {
        log(`the build failed (${why}) — keeping the existing ${ADDON}; details in build-addon.log:\n${tail}`);
        return 0;
      }
      log(`the build failed (${why}) and there is no addon — install libtorch (see README.md) and run \`npm run build:native\`; details in build-addon.log:\n${tail}`);
      return 1;
    }
    mkdirSync(path.dirname(addon), { recursive: true });
    renameSync(built, addon); // atomic on one filesystem: a reader sees the old addon or the new one
    log(`built ${ADDON} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    return 0;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Removes `.addon-build-<pid>/` folders of builds whose process is gone (an install killed mid-build). */
export function removeAbandonedBuilds(root) {
  for (const f of readdirSync(root)) {
    const m = /^\.addon-build-(\d+)$/.exec(f);
    if (m && Number(m[1]) !== process.pid && !alive(Number(m[1]))) rmSync(path.join(root, f), { recursive: true, force: true });
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/** The install step: decide, then build if needed. Returns the exit code. */
export function main(root, argv = process.argv.slice(2), env = process.env) {
  const addon = path.join(root, ADDON);
  const d = decide({
    addonTime: existsSync(addon) ? statSync(addon).mtimeMs : null,
    sourceTime: newestSourceTime(root),
    force: argv.includes('--force'),
    skipEnv: env.REFRACT_SKIP_ADDON_BUILD === '1',
  });
  if (d.action === 'skip') {
    process.stderr.write(`refract install: ${d.why} — not building the native addon\n`);
    return 0;
  }
  process.stderr.write(`refract install: ${d.why}\n`);
  return buildAddon(root, env);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  process.exitCode = main(root);
}
