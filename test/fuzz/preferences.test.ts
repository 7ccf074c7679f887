// Property-based tests of the preference JSONL parser (issue #12 §5): arbitrary lines, JSON objects with arbitrary
// and near-valid fields, and very long lines are parsed into checked preferences or refused with an error naming
// the line in a bounded message; valid preferences survive export → import unchanged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parsePreferencesJsonl, preferencesToJsonl } from '../../src/store/run-store-preference-io.js';
import { MAX_PREFERENCE_LINE_CHARS, MAX_PREFERENCE_PROMPT_CHARS, type PreferenceRow } from '../../src/store/run-store-preferences.js';
import { RUNS, clean } from './clean.js';

const WHERE = 'preference pairs fuzz.jsonl';
const PREFIX = /^refract preference pairs fuzz\.jsonl: line \d+: /;

function parse(text: string) {
  return clean(() => parsePreferencesJsonl(text, WHERE), (e) => e instanceof Error && !(e instanceof TypeError) && !(e instanceof RangeError), PREFIX);
}

const nonEmpty = fc.string({ minLength: 1, maxLength: 20 }).filter((s) => s.trim().length > 0);
const row = fc.record({
  prompt: fc.oneof(nonEmpty, fc.constantFrom('', ' ', 'a red circle')),
  a_path: fc.option(fc.oneof(nonEmpty, fc.constant('')), { nil: null }),
  a_ref: fc.option(nonEmpty, { nil: null }),
  b_path: fc.option(nonEmpty, { nil: null }),
  b_ref: fc.option(fc.oneof(nonEmpty, fc.integer()), { nil: null }),
  winner: fc.constantFrom('a', 'b', 'tie', 'A', '', 'c'),
  source: fc.oneof(nonEmpty, fc.constant('')),
  labeler: fc.option(nonEmpty, { nil: null }),
  created_at: fc.oneof(fc.constant('2026-01-01T00:00:00.000Z'), fc.string({ maxLength: 10 })),
});
const anyField = fc.dictionary(fc.oneof(fc.constantFrom('prompt', 'winner', 'source', 'a_path', 'extra', '__proto__'), fc.string({ maxLength: 6 })), fc.anything({ maxDepth: 2 }), { maxKeys: 5 });

test('arbitrary text: checked preferences or an error naming the line', () => {
  fc.assert(fc.property(fc.string({ maxLength: 300 }), (text) => void parse(text)), { numRuns: RUNS });
});

test('near-valid and arbitrary JSON objects, one per line: every accepted row satisfies the format', () => {
  const lines = fc.array(fc.oneof(row.map((r) => JSON.stringify(r)), anyField.map((r) => JSON.stringify(r)), fc.json({ maxDepth: 2 })), { maxLength: 5 });
  fc.assert(
    fc.property(lines, (ls) => {
      const r = parse(ls.join('\n'));
      if (!r.ok) return;
      for (const p of r.value) {
        assert.ok(typeof p.prompt === 'string' && p.prompt.trim().length > 0);
        assert.ok(['a', 'b', 'tie'].includes(p.winner));
        assert.ok((p.aPath ?? p.aRef) && (p.bPath ?? p.bRef), 'each side names an image');
      }
    }),
    { numRuns: RUNS },
  );
});

test('a line over the limit or an over-long prompt is refused without echoing it', () => {
  const long = fc.integer({ min: MAX_PREFERENCE_LINE_CHARS + 1, max: MAX_PREFERENCE_LINE_CHARS * 40 });
  fc.assert(
    fc.property(long, fc.constantFrom('x', '{"prompt":"', ' '), (n, head) => {
      const r = parse(`${head}${'y'.repeat(n)}`);
      assert.ok(!r.ok);
      assert.match(r.error.message, new RegExp(`line 1: must be at most ${MAX_PREFERENCE_LINE_CHARS} characters`));
    }),
    { numRuns: 20 },
  );
  const prompt = 'z'.repeat(MAX_PREFERENCE_PROMPT_CHARS + 1);
  const r = parse(JSON.stringify({ prompt, a_ref: 'a', b_ref: 'b', winner: 'a', source: 'human' }));
  assert.ok(!r.ok);
  assert.match(r.error.message, /prompt must be at most 1000 characters, got "z{80}…" \(1001 chars\)/);
});

test('valid preferences survive export and import unchanged', () => {
  const valid = fc.record({
    prompt: nonEmpty,
    aPath: fc.option(nonEmpty, { nil: null }),
    aRef: nonEmpty,
    bPath: nonEmpty,
    bRef: fc.option(nonEmpty, { nil: null }),
    winner: fc.constantFrom('a' as const, 'b' as const, 'tie' as const),
    source: nonEmpty,
    labeler: fc.option(nonEmpty, { nil: null }),
  });
  fc.assert(
    fc.property(fc.array(valid, { maxLength: 4 }), (ps) => {
      const rows: PreferenceRow[] = ps.map((p, i) => ({ ...p, id: i + 1, createdAt: '2026-12-05T00:00:00.000Z' }));
      const back = parsePreferencesJsonl(preferencesToJsonl(rows), WHERE);
      assert.deepEqual(
        back.map((b) => ({ ...b })),
        rows.map(({ id: _id, ...r }) => r),
      );
    }),
    { numRuns: RUNS },
  );
});
