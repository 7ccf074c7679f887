// `refract audit` at the command line: config mistakes and a missing preference file exit 2 with the field named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/cli/main.js');

function audit(yaml: string): { code: number | null; stderr: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'refract-audit-cli-'));
  try {
    const file = path.join(dir, 'audit.yaml');
    writeFileSync(file, yaml);
    const r = spawnSync(process.execPath, [MAIN, 'audit', file], {
      encoding: 'utf8',
      env: { ...process.env, REFRACT_THREADS: '1' },
    });
    return { code: r.status, stderr: r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('refract audit: bad configs and missing preference files are explained, exit 2, no stack', () => {
  const bad = audit('thresholds:\n  maxEce: -1\nrewards:\n  - name: g\n');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /field "thresholds\.maxEce"/);
  assert.match(bad.stderr, /exactly one of `reward`/);
  assert.doesNotMatch(bad.stderr, /\n\s+at /);
  const missing = audit(
    'preferences: { source: file, path: /nonexistent/prefs.jsonl }\nrewards:\n  - { name: g, reward: [{ kind: shapes_gold }] }\n',
  );
  assert.equal(missing.code, 2);
  assert.match(
    missing.stderr,
    /refract audit: preferences\.path must be an existing \.jsonl or \.sqlite file, got \/nonexistent\/prefs\.jsonl/,
  );
});
