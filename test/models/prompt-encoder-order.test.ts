// The order-aware prompt encoder options of issue #10: fixed sinusoidal token positions at the embeddings' scale
// and start-token pooling. With them, swapping two words changes the pooled vector; mean pooling cannot see order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { PromptEncoder, sinusoidalPositions } from '../../src/models/prompt-encoder.js';
import { TINY_ENCODER, tokens } from './fixtures.js';

torch.setNumThreads(1);

test('sinusoidalPositions: [sin(p·ω_i), cos(p·ω_i)] with ω_i = 10000^(−i/(D/2))', () => {
  const got = torch.scope(() => sinusoidalPositions(3, 4).toArray());
  const want: number[] = [];
  for (let p = 0; p < 3; p++) {
    const w = [1, Math.pow(10000, -1 / 2)];
    want.push(...w.map((x) => Math.sin(p * x)), ...w.map((x) => Math.cos(p * x)));
  }
  got.forEach((v, i) => assert.ok(Math.abs(v - want[i]!) < 1e-6, `[${i}] ${v} vs ${want[i]}`));
});

function pooledGap(pooling: 'mean' | 'start', positions: 'learned' | 'sinusoidal'): number {
  torch.manualSeed(1);
  const enc = new PromptEncoder({ ...TINY_ENCODER, pooling, positions });
  const gap = torch.noGrad(() =>
    torch.scope(() => {
      const c = enc.forward(tokens([[1, 2, 3], [3, 2, 1]], 3)); // the same words, reversed
      return c.pooled.select(0, 0).sub(c.pooled.select(0, 1)).norm().item() / c.pooled.select(0, 0).norm().item();
    }),
  );
  enc.dispose();
  return gap;
}

test('start pooling sees word order; mean pooling of sinusoidal positions barely does at init', () => {
  const start = pooledGap('start', 'sinusoidal');
  const learnedMean = pooledGap('mean', 'learned');
  console.log(`pooled gap of reversed prompts: start+sinusoidal ${start}, mean+learned ${learnedMean}`);
  assert.ok(start > 0.005, `start-token pooled vectors of reversed prompts differ (${start})`);
  assert.ok(learnedMean * 3 < start, `the first base's mean pooling with 0.02-scale positions is nearly order-blind (${learnedMean} vs ${start})`);
});

test('sinusoidal positions are fixed (not parameters, not saved); the defaults keep the first base loadable', () => {
  const enc = new PromptEncoder({ ...TINY_ENCODER, positions: 'sinusoidal', pooling: 'start' });
  assert.ok(!enc.namedParameters().some(([n]) => n === 'positionEmbedding'));
  assert.ok(![...enc.stateDict().keys()].includes('positionEmbedding'));
  enc.dispose();
  const old = new PromptEncoder(TINY_ENCODER);
  assert.equal(old.config.positions, 'learned');
  assert.equal(old.config.pooling, 'mean');
  assert.ok([...old.stateDict().keys()].includes('positionEmbedding'));
  old.dispose();
});
