// Property-based tests of the run config parser (issue #12 §5): YAML text built from the real field names with
// arbitrary values, arbitrary text, alias bombs and deep nesting is either a valid frozen config or a ConfigError
// naming fields in a bounded message — never a crash, a hang, or a silent default run from an empty file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { ConfigError, parseConfigText } from '../../src/config/load.js';
import { runConfigSchema } from '../../src/train/config.js';
import { CASE_BUDGET_MS, MAX_CONFIG_MESSAGE, RUNS, clean } from './clean.js';

const WHERE = 'refract train (x.yaml)';
const PREFIX = /^refract train \(x\.yaml\): /;

function parse(text: string) {
  const r = clean(() => parseConfigText(runConfigSchema, text, WHERE), (e) => e instanceof ConfigError, PREFIX, MAX_CONFIG_MESSAGE);
  if (r.ok) assert.ok(Object.isFrozen(r.value), 'configs are frozen');
  return r;
}

const FIELDS = ['algorithm', 'seed', 'base', 'iterations', 'maxSamples', 'threads', 'out', 'prompts', 'rewards', 'eval', 'checkpoint', 'stopOnNonFinite', 'divergence', 'monitor', 'lora', 'grpo', 'dpo', 'audit'];
const SUB = ['every', 'keep', 'lr', 'source', 'kind', 'weight', 'options', 'perCategory', 'maxConsecutive', 'weightNormFactor', 'steps', 'mode'];
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.string({ maxLength: 12 }),
    fc.constantFrom('grpo', 'dpo', 'shapes', 'glyphs', 'shapes_gold', '1e9', '-1', ''),
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(fc.oneof(fc.constantFrom(...SUB), fc.string({ maxLength: 6 })), tie('v'), { maxKeys: 3 }),
  ),
})).v;

test('YAML built from real field names and arbitrary values: a config or a ConfigError', () => {
  const doc = fc.dictionary(fc.oneof(fc.constantFrom(...FIELDS), fc.string({ maxLength: 8 })), value, { maxKeys: 6 });
  fc.assert(fc.property(doc, (d) => void parse(stringify(d))), { numRuns: RUNS });
});

test('arbitrary text: a config or a ConfigError; empty and non-mapping files are refused', () => {
  fc.assert(fc.property(fc.string({ maxLength: 200 }), (text) => void parse(text)), { numRuns: RUNS });
  for (const text of ['', '   \n', '# only a comment\n', '~', 'null', '42', '- a\n- b\n', '"text"']) {
    const r = parse(text);
    assert.ok(!r.ok, `${JSON.stringify(text)} must be refused`);
    assert.match(r.error.message, /must be a YAML mapping of config fields/);
  }
});

test('hostile YAML: alias bombs, deep nesting, thousands of unknown keys, huge values stay bounded', () => {
  const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`)].join('\n');
  const cases = [
    bomb,
    `grpo: ${'['.repeat(20_000)}${']'.repeat(20_000)}`,
    `grpo: ${'{a: '.repeat(5_000)}1${'}'.repeat(5_000)}`,
    Array.from({ length: 5_000 }, (_, i) => `k${i}: ${i}`).join('\n'),
    `out: ${'x'.repeat(500_000)}\nseed: -1\nbase: ''\n`,
    `grpo:\n${Array.from({ length: 2_000 }, (_, i) => `  lr${i}: -1`).join('\n')}`,
  ];
  for (const text of cases) {
    const t0 = performance.now();
    const r = parse(text);
    assert.ok(performance.now() - t0 < CASE_BUDGET_MS);
    if (r.ok) assert.fail(`accepted: ${text.slice(0, 60)}`);
  }
});

test('a valid config survives arbitrary comments and key order; defaults fill the rest', () => {
  const comment = fc.string({ maxLength: 20 }).map((s) => `# ${s.replace(/[\r\n]/g, ' ')}`);
  fc.assert(
    fc.property(fc.shuffledSubarray(['algorithm: grpo', 'seed: 3', 'iterations: 5', 'out: runs/x', 'grpo: { lr: 0.001 }'], { minLength: 1 }), comment, (lines, c) => {
      const r = parse([c, ...lines, c].join('\n'));
      assert.ok(r.ok, r.ok ? '' : r.error.message);
      assert.equal(r.value.algorithm, 'grpo');
      assert.equal(r.value.checkpoint.every, 25);
    }),
    { numRuns: 50 },
  );
});
