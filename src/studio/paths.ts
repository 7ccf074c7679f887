// File paths that come from a request (a run folder, an image of a run, a pool image) are resolved inside a root
// folder: an absolute path, a `..` segment, a NUL byte or a symlink that leads outside the root is refused, so a
// client can read only what the Studio serves.
import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';

export class PathError extends Error {
  readonly statusCode = 400;
}

/** `rel` resolved inside `root`; throws PathError when it is absolute, climbs out, or (once resolved) links out. */
export function resolveInside(root: string, rel: string): string {
  if (rel.includes('\0')) throw new PathError('path must not contain NUL bytes');
  if (path.isAbsolute(rel) || /^[a-zA-Z]:/.test(rel)) throw new PathError(`path must be relative to the runs folder, got an absolute path`);
  if (rel.split(/[\\/]/).includes('..')) throw new PathError("path must stay inside the runs folder, got a '..' segment");
  const base = path.resolve(root);
  const full = path.resolve(base, rel);
  if (full !== base && !full.startsWith(base + path.sep)) throw new PathError('path must stay inside the runs folder');
  if (existsSync(full)) {
    const real = realpathSync(full);
    const realBase = realpathSync(base);
    if (real !== realBase && !real.startsWith(realBase + path.sep)) throw new PathError('path must stay inside the runs folder, got a link out of it');
  }
  return full;
}
