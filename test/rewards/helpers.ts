// Shared fixtures for reward tests: seeded shapes-world prompts with clean renders.
import assert from 'node:assert/strict';
import type { RGBImage } from '../../src/data/image.js';
import { Rng } from '../../src/data/rng.js';
import { samplePrompt } from '../../src/data/shapes/grammar.js';
import { renderScene } from '../../src/data/shapes/render.js';
import { sampleScene } from '../../src/data/shapes/scene-sampler.js';
import { CATEGORIES, type ShapesPrompt } from '../../src/data/shapes/types.js';
import type { RewardPrompt, RewardResult } from '../../src/rewards/index.js';
import { parseRewardSpecs } from '../../src/rewards/index.js';
import * as torch from '../../src/torch/index.js';
import { BradleyTerryRewardModel } from '../../src/rewards/preference/bt-model.js';
import { PreferenceNet, DEFAULT_PREFERENCE_NET } from '../../src/rewards/preference/net.js';

export interface ShapesSample {
  prompt: ShapesPrompt;
  image: RGBImage;
}

/** `n` prompts, categories in turn, each with a clean render of a scene drawn for it. */
export function shapesSamples(n: number, seed: number): ShapesSample[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const prompt = samplePrompt(rng, CATEGORIES[i % CATEGORIES.length]);
    return { prompt, image: renderScene(sampleScene(prompt, rng)) };
  });
}

export function rewardPrompt(p: ShapesPrompt): RewardPrompt {
  return { text: p.text, shapes: p };
}

/** Checks DESIGN §2 shapes: total and every component [B]; dense maps [B, ...]. */
export function assertResultShapes(r: RewardResult, B: number, components: readonly string[]): void {
  assert.equal(r.total.length, B, 'total is [B]');
  assert.deepEqual(Object.keys(r.components).sort(), [...components].sort());
  for (const [k, v] of Object.entries(r.components)) assert.equal(v.length, B, `components.${k} is [B]`);
  for (const [k, d] of Object.entries(r.dense ?? {})) {
    assert.equal(d.shape[0], B, `dense.${k} has B rows`);
    assert.equal(
      d.data.length,
      d.shape.reduce((a, b) => a * b, 1),
      `dense.${k} data matches its shape`,
    );
  }
  assert.ok(r.meta.name.length > 0 && r.meta.version.length > 0, 'meta names the reward and version');
  for (const v of r.total) assert.ok(Number.isFinite(v), 'totals are finite');
}

/** A Bradley–Terry reward on a freshly initialised, frozen PreferenceNet (seeded): distinct, deterministic scores. */
export function untrainedBt(seed: number): BradleyTerryRewardModel {
  const gen = new torch.Generator(seed);
  const net = new PreferenceNet(DEFAULT_PREFERENCE_NET, gen);
  gen.dispose();
  net.eval();
  net.requiresGrad_(false);
  return new BradleyTerryRewardModel(net);
}

/** The error message of a `preference` reward spec with these options (fails the test when they are accepted). */
export function preferenceOptionsError(options: Record<string, unknown>): string {
  try {
    parseRewardSpecs([{ kind: 'preference', options }]);
  } catch (err) {
    return (err as Error).message;
  }
  assert.fail(`expected ${JSON.stringify(options)} to be rejected`);
}
