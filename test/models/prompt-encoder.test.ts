import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import {
  PromptEncoder,
  SHAPES_PROMPT_ENCODER_CONFIG,
  nullTokens,
  parsePromptEncoderConfig,
} from '../../src/models/prompt-encoder.js';
import { MAX_TOKENS, VOCAB, tokenize } from '../../src/data/shapes/vocab.js';
import { TINY_ENCODER, maxAbsDiff, tokens } from './fixtures.js';

torch.setNumThreads(1); // tiny tensors: a second thread only adds synchronisation

test('PromptEncoder: context [B, L+1, D] with a start token, mask true at real positions, pooled [B, D]', () => {
  torch.manualSeed(0);
  const enc = new PromptEncoder(TINY_ENCODER);
  torch.scope(() => {
    const { context, mask, pooled } = enc.forward(tokens([[3, 4, 5], [6]], 5));
    assert.deepEqual(context.shape, [2, 6, 32]);
    assert.deepEqual(pooled.shape, [2, 32]);
    assert.deepEqual(mask.tolist(), [
      [1, 1, 1, 1, 0, 0],
      [1, 1, 0, 0, 0, 0],
    ]);
    // Pad positions are exactly zero in the context; pooled is the mean over real positions.
    assert.equal(context.index(0, torch.slice(4)).abs().sum().item(), 0);
    const expected = context.index(1, torch.slice(0, 2)).mean(0);
    assert.ok(maxAbsDiff(pooled.select(0, 1), expected) < 1e-6);
  });
  enc.dispose();
});

test('PromptEncoder: the null (all-pad) prompt gives a finite context, identical for every sample', () => {
  torch.manualSeed(1);
  const enc = new PromptEncoder(TINY_ENCODER);
  torch.scope(() => {
    const { context, mask, pooled } = enc.forward(nullTokens(3, 6));
    assert.equal(context.isfinite().all().item(), 1);
    assert.equal(pooled.isfinite().all().item(), 1);
    assert.equal(mask.sum().item(), 3, 'only the start token is real');
    assert.ok(maxAbsDiff(pooled.select(0, 0), pooled.select(0, 2)) === 0);
  });
  enc.dispose();
});

test('PromptEncoder: trailing pad tokens change nothing at real positions', () => {
  torch.manualSeed(2);
  const enc = new PromptEncoder(TINY_ENCODER);
  torch.noGrad(() =>
    torch.scope(() => {
      const short = enc.forward(tokens([[3, 9, 2]], 3));
      const long = enc.forward(tokens([[3, 9, 2]], 8));
      assert.ok(maxAbsDiff(short.pooled, long.pooled) < 1e-5);
      assert.ok(maxAbsDiff(short.context, long.context.narrow(1, 0, 4)) < 1e-5);
    }),
  );
  enc.dispose();
});

test('PromptEncoder: bad token ids and lengths fail with the offending values', () => {
  const enc = new PromptEncoder(TINY_ENCODER);
  torch.scope(() => {
    assert.throws(() => enc.forward(tokens([[3, 16]], 2)), /token ids must lie in \[0, 16\), got \[3, 16\]/);
    assert.throws(() => enc.forward(tokens([[1]], 9)), /L ≤ maxTokens = 8, got L = 9/);
    assert.throws(() => enc.forward(torch.zeros([2, 3])), /tokens must be int64 \[B, L\], got float32/);
  });
  enc.dispose();
});

test('PromptEncoder config: validation names the field', () => {
  assert.throws(() => parsePromptEncoderConfig({ ...TINY_ENCODER, heads: 3 }), /field "heads" must divide dim \(32\)/);
  assert.throws(() => parsePromptEncoderConfig({ ...TINY_ENCODER, dim: 0 }), /field "dim"/);
  assert.throws(() => parsePromptEncoderConfig({ ...TINY_ENCODER, colour: 1 }), /unknown field\(s\) "colour"/);
});

test('SHAPES_PROMPT_ENCODER_CONFIG covers the Shapes tokenizer (vocabulary and prompt length)', () => {
  assert.ok(VOCAB.length <= SHAPES_PROMPT_ENCODER_CONFIG.vocabSize, `${VOCAB.length} words`);
  assert.ok(MAX_TOKENS <= SHAPES_PROMPT_ENCODER_CONFIG.maxTokens);
  const enc = new PromptEncoder();
  torch.scope(() => {
    const ids = torch.fromTypedArray(tokenize('a red circle to the left of a blue square'), [1, MAX_TOKENS]).long();
    assert.deepEqual(enc.forward(ids).context.shape, [1, MAX_TOKENS + 1, 128]);
  });
  enc.dispose();
});
