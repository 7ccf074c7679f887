#!/usr/bin/env node
// Entry point of the `refract` command: runs the compiled CLI (build with `npm run build`).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const main = path.join(root, 'dist/src/cli/main.js');
if (!existsSync(main)) {
  process.stderr.write('refract: the TypeScript build is missing (dist/) — run `npm run build` first\n');
  process.exit(1);
}
await import(pathToFileURL(main).href);
