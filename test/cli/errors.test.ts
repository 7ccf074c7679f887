// User errors at the command line: a clear message naming the field and the fix, exit code 2, no stack trace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/cli/main.js');

function run(args: string[]): { code: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8' });
  return { code: r.status, stderr: r.stderr };
}

test('a bad config names each bad field and exits 2', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'refract-cli-'));
  try {
    const file = path.join(dir, 'bad.yaml');
    writeFileSync(file, 'grpo:\n  lr: -1\n  sampler:\n    steps: 0\nbogus: 1\n');
    const r = run(['train', file]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /"bogus"/);
    const typed = run(['train', (writeFileSync(file, 'grpo:\n  lr: -1\n  sampler:\n    steps: 0\n'), file)]);
    assert.equal(typed.code, 2);
    assert.match(typed.stderr, /field "grpo\.lr"/);
    assert.match(typed.stderr, /field "grpo\.sampler\.steps"/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace for a user error');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a missing config file and an unknown prompt word are explained', () => {
  const missing = run(['pretrain', '/nonexistent/config.yaml']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /does not exist/);
  const word = run(['sample', '--checkpoint', 'assets/base/shapes', '--prompt', 'a purple elephant', '--n', '1']);
  assert.equal(word.code, 2);
  assert.match(word.stderr, /unknown word\(s\) "elephant"/);
});
