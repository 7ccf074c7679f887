// The browser app, bundled by esbuild on first start (and again whenever a source under src/studio/web/ is newer
// than the bundle) into dist/studio-web/app.js: Preact, vega-embed and vega from node_modules — no CDN, so the Studio
// works offline. tsc never sees src/studio/web/ (tsconfig excludes it); esbuild type-strips it.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root: dist/src/studio/ → three levels up. */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const WEB_SOURCE = path.join(PACKAGE_ROOT, 'src', 'studio', 'web');
export const WEB_BUNDLE = path.join(PACKAGE_ROOT, 'dist', 'studio-web', 'app.js');

function newestSource(dir: string): number {
  let t = 0;
  for (const f of readdirSync(dir)) {
    const s = statSync(path.join(dir, f));
    t = Math.max(t, s.isDirectory() ? newestSource(path.join(dir, f)) : s.mtimeMs);
  }
  return t;
}

/** Bundles the app when the bundle is missing or stale; returns the bundle's path. */
export async function ensureWebBundle(): Promise<string> {
  if (!existsSync(WEB_SOURCE)) {
    throw new Error(`refract studio: ${WEB_SOURCE} must exist (the Studio's browser sources), got no such folder — reinstall Refract`);
  }
  if (existsSync(WEB_BUNDLE) && statSync(WEB_BUNDLE).mtimeMs >= newestSource(WEB_SOURCE)) return WEB_BUNDLE;
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: [path.join(WEB_SOURCE, 'main.tsx')],
    outfile: WEB_BUNDLE,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'error',
    absWorkingDir: PACKAGE_ROOT,
  });
  return WEB_BUNDLE;
}
