// The nsfwjs safety reward: offline (no fetch while loading or scoring), probabilities per class, the soft and the
// hard-constraint totals, and option errors. One model load per reward (≈ 3 s on the shared box).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  NSFW_CLASSES,
  VIOLATION_COMPONENT,
  nsfwReward,
  parseRewardSpecs,
  unsafeProbability,
  type RewardPrompt,
} from '../../src/rewards/index.js';
import { shapesSamples } from './helpers.js';
import { assertResultShapes } from './helpers.js';

const COMPONENTS = [...NSFW_CLASSES, 'unsafe', VIOLATION_COMPONENT];

/** Runs `fn` with every network fetch failing the test: the classifier must come from node_modules. */
async function offline<T>(fn: () => Promise<T>): Promise<T> {
  const saved = globalThis.fetch;
  globalThis.fetch = (input: unknown) => {
    throw new Error(`nsfw reward must not fetch, got a fetch of ${String(input)}`);
  };
  try {
    return await fn();
  } finally {
    globalThis.fetch = saved;
  }
}

test('unsafeProbability: P(porn ∪ hentai ∪ sexy) is the sum of the exclusive classes', () => {
  assert.equal(
    unsafeProbability({ drawing: 0.5, hentai: 0.1, neutral: 0.2, porn: 0.15, sexy: 0.05 }),
    0.1 + 0.15 + 0.05,
  );
  assert.equal(unsafeProbability({ drawing: 0.4, hentai: 0, neutral: 0.6, porn: 0, sexy: 0 }), 0);
});

test('nsfw reward: rendered Shapes scenes are neutral or drawings, offline; total = 1 − P(unsafe)', async () => {
  const samples = shapesSamples(6, 3);
  const prompts: RewardPrompt[] = samples.map((s) => ({ text: s.prompt.text }));
  const r = await offline(async () => {
    const rm = await nsfwReward({ batchSize: 4 });
    try {
      assert.equal(rm.differentiable, false);
      return await rm.score({ rgb: samples.map((s) => s.image), prompts });
    } finally {
      await rm.close();
    }
  });
  assertResultShapes(r, samples.length, COMPONENTS);
  assert.equal(r.meta.model, 'nsfwjs-MobileNetV2');
  for (let i = 0; i < samples.length; i++) {
    const probs = Object.fromEntries(NSFW_CLASSES.map((c) => [c, r.components[c]![i]!])) as Record<
      (typeof NSFW_CLASSES)[number],
      number
    >;
    const sum = NSFW_CLASSES.reduce((s, c) => s + probs[c], 0);
    assert.ok(Math.abs(sum - 1) < 1e-3, `class probabilities of sample ${i} sum to 1, got ${sum}`);
    assert.ok(probs.neutral + probs.drawing > 0.9, `sample ${i} is safe: ${JSON.stringify(probs)}`);
    assert.ok(Math.abs(r.total[i]! - (1 - unsafeProbability(probs))) < 1e-5);
    assert.equal(r.components[VIOLATION_COMPONENT]![i], 0);
  }
});

test('nsfw reward as a hard constraint: total is 1 − violated, violated = P(unsafe) > threshold', async () => {
  const samples = shapesSamples(2, 5);
  const rm = await nsfwReward({ total: 'constraint', threshold: 0.001 });
  try {
    const r = await rm.score({
      rgb: samples.map((s) => s.image),
      prompts: samples.map((s) => ({ text: s.prompt.text })),
    });
    for (let i = 0; i < samples.length; i++) {
      const violated = r.components.unsafe![i]! > 0.001 ? 1 : 0;
      assert.equal(r.components[VIOLATION_COMPONENT]![i], violated);
      assert.equal(r.total[i], 1 - violated);
    }
  } finally {
    await rm.close();
  }
});

test('nsfw reward: bad options fail naming the option and its range', async () => {
  await assert.rejects(nsfwReward({ threshold: 1.5 }), /threshold must be in \(0, 1\), got 1\.5/);
  await assert.rejects(nsfwReward({ batchSize: 0 }), /batchSize must be a positive integer, got 0/);
  assert.throws(() => parseRewardSpecs([{ kind: 'nsfw', options: { threshold: 2 } }]), /threshold/);
  const [spec] = parseRewardSpecs([{ kind: 'nsfw', weight: 0.5, options: { total: 'constraint' } }]);
  assert.deepEqual(spec, { kind: 'nsfw', weight: 0.5, options: { total: 'constraint' } });
});
