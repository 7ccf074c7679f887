// Issue #12 defect 4 and the CLI half of defect 5: one error policy. Every error prints one line
// "refract <command>: <what> must be <expected>, got <actual> — <fix>" with values cut to 80 characters; exit 2 for
// usage/config errors, 1 for runtime errors; a stack only with --debug or REFRACT_DEBUG=1; no temp files left.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatCliError, EXIT } from '../../src/cli/errors.js';
import { parseIntOption, parsePositiveNumber, parsePromptOption } from '../../src/cli/options.js';
import { UsageError, quoteValue } from '../../src/config/errors.js';
import { ConfigError } from '../../src/config/load.js';

const MAIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/cli/main.js');

function run(args: string[], env: Record<string, string> = {}): { code: number | null; stderr: string; lines: string[] } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', env: { ...process.env, REFRACT_THREADS: '1', REFRACT_DEBUG: '', ...env } });
  return { code: r.status, stderr: r.stderr, lines: r.stderr.split('\n').filter((l) => l.length > 0) };
}

/** One line, no stack frame, the command's prefix ("refract train:" or "refract train (<config file>):"). */
function assertOneLine(r: { stderr: string; lines: string[] }, command: string): string {
  assert.equal(r.lines.length, 1, r.stderr);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.ok(r.lines[0]!.startsWith(`refract ${command}: `) || r.lines[0]!.startsWith(`refract ${command} (`), r.lines[0]);
  return r.lines[0]!;
}

test('quoteValue cuts long values to 80 characters and states their length; control characters stay escaped', () => {
  assert.equal(quoteValue('abc'), '"abc"');
  assert.equal(quoteValue('x'.repeat(50_000_000).slice(0, 100)), `"${'x'.repeat(80)}…" (100 chars)`);
  assert.equal(quoteValue('a\nb'), '"a\\nb"');
  assert.equal(quoteValue(undefined), 'nothing');
  assert.equal(quoteValue(12n), '12');
  assert.match(quoteValue({ a: 'y'.repeat(200) }), /^\{"a":"y+… \(\d+ chars\)$/);
});

test('formatCliError: one line, the command as prefix, exit 2 for usage errors and 1 otherwise, a stack only in debug', () => {
  const usage = formatCliError('sample', new UsageError('refract sample: --n must be an integer, got "x" — e.g. --n 4'), false);
  assert.deepEqual(usage, { text: 'refract sample: --n must be an integer, got "x" — e.g. --n 4\n', exitCode: EXIT.usage });
  const raw = Object.assign(new Error("EISDIR: illegal operation on a directory, open 'out'"), { code: 'EISDIR' });
  const f = formatCliError('sample', raw, false);
  assert.equal(f.exitCode, EXIT.runtime);
  assert.equal(f.text, "refract sample: EISDIR: illegal operation on a directory, open 'out' — rerun with --debug for the stack trace\n");
  const component = formatCliError('train', new Error('refract checkpoint: latest.json must be JSON, got "x" — delete it'), false);
  assert.equal(component.text, 'refract train: latest.json must be JSON, got "x" — delete it\n', 'the component prefix becomes the command');
  const syntax = formatCliError('train', new SyntaxError('Unexpected end of JSON input'), false);
  assert.match(syntax.text, /^refract train: SyntaxError: Unexpected end of JSON input — rerun with --debug/);
  assert.match(formatCliError('train', raw, true).text, /\n {4}at /, 'debug shows the stack');
  const many = formatCliError('train', new ConfigError('refract train (x.yaml)', ['field "a" bad', 'field "b" bad']), false);
  assert.equal(many.text, 'refract train (x.yaml): invalid config (2 problems): field "a" bad; field "b" bad\n');
  assert.equal(many.exitCode, EXIT.usage);
  const huge = formatCliError('train', new Error(`refract train: ${'z'.repeat(5_000_000)}`), false);
  assert.ok(huge.text.length <= 601, 'a runaway message is cut');
});

test('option parsers accept exactly what they promise', () => {
  assert.equal(parseIntOption('sample', '--n', '16', { min: 1, max: 1024 }), 16);
  for (const bad of ['abc', '', '1.5', '1e3', '0x10', '2000', '0', ' ', '16abc']) {
    assert.throws(() => parseIntOption('sample', '--n', bad, { min: 1, max: 1024 }), /^Error|refract sample: --n must be an integer in 1\.\.1024, got/, bad);
  }
  assert.equal(parsePositiveNumber('sample', '--guidance', '3.5'), 3.5);
  for (const bad of ['NaN', 'Infinity', '-1', '0', 'abc', '']) assert.throws(() => parsePositiveNumber('sample', '--guidance', bad), /must be a positive number/);
  assert.equal(parsePromptOption('sample', '--prompt', '  two red circles '), 'two red circles');
  assert.throws(() => parsePromptOption('sample', '--prompt', '   '), /--prompt must be a non-empty prompt, got "   "/);
  assert.throws(() => parsePromptOption('sample', '--prompt', 'a\nb'), /must be one line/);
  assert.throws(() => parsePromptOption('sample', '--prompt', 'w '.repeat(10_000)), /--prompt must be at most 1000 characters, got "(w ){40}…" \(20000 chars\)/);
});

test('sample: --n 100000, --seed abc, an empty or 100 kB prompt and --out on a folder are usage errors (exit 2), one short line, no temp file', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'refract-cli-policy-'));
  try {
    const base = ['sample', '--checkpoint', 'assets/base/shapes'];
    const cases: [string[], RegExp][] = [
      [[...base, '--prompt', 'a red circle', '--n', '100000'], /--n must be an integer in 1\.\.1024, got "100000" — draw more with several runs/],
      [[...base, '--prompt', 'a red circle', '--seed', 'abc'], /--seed must be an integer in 0\.\.4294967295, got "abc"/],
      [[...base, '--prompt', ''], /--prompt must be a non-empty prompt, got ""/],
      [[...base, '--prompt', 'a'.repeat(100_000)], /--prompt must be at most 1000 characters, got "a{80}…" \(100000 chars\)/],
      [[...base, '--prompt', 'a red circle', '--out', dir], /--out must be a file ending in \.png or \.gif, got /],
      [[...base, '--prompt', 'a red circle', '--out', (mkdirSync(path.join(dir, 'x.png')), path.join(dir, 'x.png'))], /--out must be a file, got ".*x\.png", which is a folder/],
      [[...base, '--prompt', 'x', '--bogus'], /unknown option '--bogus' — see `refract sample --help`/],
    ];
    for (const [args, message] of cases) {
      const r = run(args);
      assert.equal(r.code, 2, r.stderr);
      assert.match(assertOneLine(r, 'sample'), message);
      assert.ok(r.stderr.length < 400, `short: ${r.stderr.length} bytes`);
    }
    assert.deepEqual(readdirSync(dir), ['x.png']);
    assert.deepEqual(readdirSync(path.join(dir, 'x.png')), [], 'no orphan temp file');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

