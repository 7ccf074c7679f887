// Each testbed's training batch: shapes, value ranges, tokenization, determinism in (seed, step).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { Rng } from '../../src/data/rng.js';
import { WordVocabulary } from '../../src/data/vocabulary.js';
import { tokenizePrompts } from '../../src/data/shapes/batch.js';
import { SHAPES_VOCABULARY } from '../../src/data/shapes/vocab.js';
import { FASHION_MNIST_PROMPTS, MNIST_PROMPTS } from '../../src/data/class-prompts.js';
import { parseMovingPrompt } from '../../src/data/moving-shapes/grammar.js';
import { TESTBEDS, type TestbedName } from '../../src/pretrain/testbeds/index.js';
import { mergeDeep } from '../../src/pretrain/loop.js';
import { testbedOfCheckpoint } from '../../src/pretrain/testbeds/of-checkpoint.js';
import { tinyConfig } from './fixtures.js';

torch.setNumThreads(1);

interface Seen {
  shape: number[];
  min: number;
  max: number;
  tokens: Int32Array;
  tokenShape: number[];
  x: Float32Array;
}

function draw(name: TestbedName, seed: number, B: number, condDropout = 0): Seen {
  const base = tinyConfig(name, '/tmp/unused');
  const config = { ...base, training: { ...base.training, condDropout } };
  return torch.scope(() => {
    const b = TESTBEDS[name].batch(new Rng(seed), B, config);
    assert.equal(b.x.dtype, 'float32');
    assert.equal(b.tokens.dtype, 'int64');
    const out: Seen = {
      shape: b.x.shape,
      min: b.x.min().item(),
      max: b.x.max().item(),
      tokens: Int32Array.from(b.tokens.toTypedArray() as BigInt64Array, Number),
      tokenShape: b.tokens.shape,
      x: b.x.toTypedArray() as Float32Array,
    };
    b.x.dispose();
    b.tokens.dispose();
    return out;
  });
}

function rows(t: Int32Array, L: number): Int32Array[] {
  return Array.from({ length: t.length / L }, (_, i) => t.slice(i * L, (i + 1) * L));
}

test('WordVocabulary: tokenize pads, round-trips, and names unknown words', () => {
  const v = new WordVocabulary('toy', ['<pad>', '<unk>', 'a', 'red', 'circle'], 4);
  assert.deepEqual([...v.tokenize('a red circle')], [2, 3, 4, 0]);
  assert.equal(v.detokenize(v.tokenize('A  red circle')), 'a red circle');
  assert.throws(() => v.tokenize('a blue circle'), /every word must be in the toy vocabulary, got "blue"/);
  assert.throws(() => v.tokenize('a a a a a'), /at most 4 words, got 5/);
  assert.deepEqual(v.unknownWords('a blue square'), ['blue', 'square']);
});

test('the Shapes vocabulary gives the ids of the Shapes tokenizer', () => {
  const prompts = ['two red circles', 'a blue square to the left of a green cross', ''];
  torch.scope(() => {
    const a = SHAPES_VOCABULARY.tokenizeBatch(prompts).toTypedArray();
    const b = tokenizePrompts(prompts).toTypedArray();
    assert.deepEqual(a, b);
  });
});

test('shapes batch: [B, 3, 32, 32] in [−1, 1] with Shapes tokens', () => {
  const s = draw('shapes', 1, 3);
  assert.deepEqual(s.shape, [3, 3, 32, 32]);
  assert.ok(s.min >= -1 && s.max <= 1);
  assert.deepEqual(s.tokenShape, [3, SHAPES_VOCABULARY.maxTokens]);
});

for (const [name, prompts] of [
  ['fashion_mnist', FASHION_MNIST_PROMPTS],
  ['mnist', MNIST_PROMPTS],
] as const) {
  test(`${name} batch: 1-channel 32×32 (28 padded with black), in [−1, 1], class prompts`, () => {
    const tb = TESTBEDS[name];
    const s = draw(name, 2, 6);
    assert.deepEqual(s.shape, [6, 1, 32, 32]);
    assert.ok(s.min >= -1 && s.max <= 1 && s.max > 0, `range [${s.min}, ${s.max}]`);
    for (let i = 0; i < 6; i++) {
      for (let k = 0; k < 32; k++) {
        // the 2-pixel pad border is black (−1)
        assert.equal(s.x[i * 1024 + k], -1);
        assert.equal(s.x[i * 1024 + k * 32 + 31], -1);
      }
    }
    assert.deepEqual(s.tokenShape, [6, tb.vocabulary.maxTokens]);
    for (const r of rows(s.tokens, tb.vocabulary.maxTokens)) assert.ok(prompts.includes(tb.vocabulary.detokenize(r)));
  });
}

test('class prompts tokenize within their vocabularies', () => {
  for (const p of FASHION_MNIST_PROMPTS)
    assert.equal(TESTBEDS.fashion_mnist.vocabulary.detokenize(TESTBEDS.fashion_mnist.vocabulary.tokenize(p)), p);
  for (const p of MNIST_PROMPTS)
    assert.equal(TESTBEDS.mnist.vocabulary.detokenize(TESTBEDS.mnist.vocabulary.tokenize(p)), p);
});

test('moving_shapes batch: clips [B, 3, 8, 32, 32] in [−1, 1], prompts in the moving-shapes grammar', () => {
  const s = draw('moving_shapes', 3, 3);
  assert.deepEqual(s.shape, [3, 3, 8, 32, 32]);
  assert.ok(s.min >= -1 && s.max <= 1 && s.max > 0.9, `range [${s.min}, ${s.max}]`);
  const v = TESTBEDS.moving_shapes.vocabulary;
  assert.deepEqual(s.tokenShape, [3, v.maxTokens]);
  for (const r of rows(s.tokens, v.maxTokens)) assert.doesNotThrow(() => parseMovingPrompt(v.detokenize(r)));
  assert.deepEqual(v.unknownWords('a red circle bouncing and a blue square moving left'), []);
});

test('batches are a function of the rng seed; condDropout 1 gives null prompts', () => {
  for (const name of ['shapes', 'fashion_mnist', 'mnist', 'moving_shapes'] as const) {
    const a = draw(name, 11, 2);
    const b = draw(name, 11, 2);
    assert.deepEqual(a.x, b.x, name);
    assert.deepEqual(a.tokens, b.tokens, name);
    assert.ok(
      draw(name, 11, 2, 1).tokens.every((t) => t === 0),
      `${name}: all pad with condDropout 1`,
    );
  }
});

test('createModel refuses an encoder too small for the vocabulary', () => {
  const tb = TESTBEDS.moving_shapes;
  const config = mergeDeep(tb.defaultModelConfig, { encoder: { vocabSize: 8 } });
  assert.throws(() => tb.createModel(config, 'refract pretrain: model'), /encoder must hold vocabSize ≥ 22 .* got 8/);
});

test('testbedOfCheckpoint: recorded testbed first, then the pretrain config, then by kind', () => {
  assert.equal(testbedOfCheckpoint('text-to-image', { testbed: 'mnist' }).name, 'mnist');
  assert.equal(testbedOfCheckpoint('text-to-image', { pretrain: { testbed: 'fashion_mnist' } }).name, 'fashion_mnist');
  assert.equal(testbedOfCheckpoint('text-to-image', {}).name, 'shapes');
  assert.equal(testbedOfCheckpoint('text-to-video', { testbed: 'no-such' }).name, 'moving_shapes');
});
