// The glyph testbed: its vocabulary and training batch, the OCR evaluation run in a child process, and the
// evaluation of a (tiny, untrained) model end to end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { Rng } from '../../src/data/rng.js';
import { allCharacterPrompts, parseGlyphPrompt, renderText } from '../../src/data/glyphs/index.js';
import { createImage } from '../../src/data/image.js';
import { GLYPH_CHARACTER_VOCABULARY } from '../../src/data/glyphs/vocabulary.js';
import { glyphTensorBatch } from '../../src/data/glyphs/batch.js';
import { TESTBEDS, glyphEvalPrompts, ocrScoreSync } from '../../src/pretrain/testbeds/index.js';
import { mergeDeep } from '../../src/pretrain/loop.js';
import { testbedOfCheckpoint } from '../../src/pretrain/testbeds/of-checkpoint.js';
import type { TextToImageModel } from '../../src/models/text-to-image.js';
import { tinyConfig, tinyModel } from './fixtures.js';

torch.setNumThreads(1);

test('glyph vocabulary: every character prompt tokenizes to three ids and back', () => {
  const prompts = allCharacterPrompts();
  assert.equal(prompts.length, 36);
  for (const p of prompts) {
    const ids = GLYPH_CHARACTER_VOCABULARY.tokenize(p.text);
    assert.equal(ids.length, 3);
    assert.ok(
      ids.every((id) => id >= 2),
      `${p.text}: no pad or unknown ids`,
    );
    assert.equal(GLYPH_CHARACTER_VOCABULARY.detokenize(ids), p.text.toLowerCase());
  }
  assert.equal(
    new Set(prompts.map((p) => GLYPH_CHARACTER_VOCABULARY.tokenize(p.text).join())).size,
    36,
    'distinct ids',
  );
  assert.throws(
    () => GLYPH_CHARACTER_VOCABULARY.tokenize('the word "CAT"'),
    /every word must be in the glyphs vocabulary/,
  );
});

test('glyph batch: [B, 1, 32, 32] in [−1, 1], glyph prompts, a function of the seed; condDropout 1 gives null prompts', () => {
  const draw = (seed: number, condDropout: number) =>
    torch.scope(() => {
      const b = glyphTensorBatch(new Rng(seed), 6, GLYPH_CHARACTER_VOCABULARY, { condDropout });
      return {
        shape: b.images.shape,
        min: b.images.min().item(),
        max: b.images.max().item(),
        x: b.images.toTypedArray() as Float32Array,
        tokens: Int32Array.from(b.tokens.toTypedArray() as BigInt64Array, Number),
        prompts: b.prompts,
      };
    });
  const a = draw(3, 0);
  assert.deepEqual(a.shape, [6, 1, 32, 32]);
  assert.ok(a.min >= -1 && a.max <= 1 && a.max > 0.5 && a.min < -0.9, `ink and background: [${a.min}, ${a.max}]`);
  for (const p of a.prompts) assert.ok(['letter', 'digit'].includes(parseGlyphPrompt(p).kind));
  assert.deepEqual(draw(3, 0), a, 'same seed, same batch');
  assert.notDeepEqual(draw(4, 0).x, a.x);
  const dropped = draw(3, 1);
  assert.ok(dropped.tokens.every((id) => id === 0));
  assert.deepEqual(dropped.prompts, Array(6).fill(''));
  assert.throws(
    () => glyphTensorBatch(new Rng(0), 8, GLYPH_CHARACTER_VOCABULARY, { kinds: ['letter', 'word'] }),
    /batch kinds must share one canvas size, got 32×32 and 64×32 for \[letter, word\]/,
  );
});

test('glyphs testbed: batches through the registry; recorded testbed resolves to it', () => {
  const tb = TESTBEDS.glyphs;
  const config = tinyConfig('glyphs', '/tmp/unused');
  torch.scope(() => {
    const b = tb.batch(new Rng(1), 4, config);
    assert.deepEqual(b.x.shape, [4, 1, 32, 32]);
    assert.deepEqual(b.tokens.shape, [4, 3]);
  });
  assert.equal(testbedOfCheckpoint('text-to-image', { testbed: 'glyphs' }), tb);
  const model = tb.createModel(mergeDeep(tb.defaultModelConfig, {}), 'test');
  assert.equal((model as TextToImageModel).sampleShape[0], 1);
  model.dispose();
});

test('ocrScoreSync: tesseract (in a child process) reads clean glyphs and nothing from a blank canvas', () => {
  const r = ocrScoreSync(
    [renderText('A'), renderText('7'), renderText('Q'), createImage(32, 32)],
    ['A', '7', 'K', 'B'],
  );
  assert.deepEqual([...r.read.slice(0, 2)], ['A', '7']);
  assert.equal(r.perTarget.A, 1);
  assert.equal(r.perTarget['7'], 1);
  assert.equal(r.perTarget.K, 0, 'a Q is not a K');
  assert.equal(r.perTarget.B, 0, 'a blank canvas reads as nothing');
  assert.equal(r.accuracy, 0.5);
  assert.throws(() => ocrScoreSync([renderText('A')], []), /one target per image/);
});

test('glyphs testbed: evaluate (OCR on 36 samples) of a tiny untrained model', () => {
  const tb = TESTBEDS.glyphs;
  torch.manualSeed(0);
  const model = tb.createModel(mergeDeep(tb.defaultModelConfig, tinyModel('glyphs')), 'test') as TextToImageModel;
  try {
    model.eval();
    assert.equal(glyphEvalPrompts(2).length, 72);
    assert.throws(() => glyphEvalPrompts(0), /positive integer, got 0/);
    const r = tb.evaluate(model, { n: 1, sampling: { steps: 2, guidance: 3, sde: 'ode' } });
    assert.equal(r.metric, 'OCR accuracy');
    assert.ok(
      r.overall >= 0 && r.overall <= 0.2,
      `an untrained model writes (almost) nothing legible, got ${r.overall}`,
    );
    assert.ok(r.details.letters! >= 0 && r.details.digits! >= 0);
  } finally {
    model.dispose();
  }
});
