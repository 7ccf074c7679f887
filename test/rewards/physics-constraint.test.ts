import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/data/rng.js';
import { packFrames, renderClip, sampleMovingClip } from '../../src/data/moving-shapes/index.js';
import { renderScene } from '../../src/data/shapes/render.js';
import { makeNegative } from '../../src/eval/physics/index.js';
import * as torch from '../../src/torch/index.js';
import { constraintReward, physicsReward, VIOLATION_COMPONENT } from '../../src/rewards/index.js';
import { assertResultShapes } from './helpers.js';

torch.setNumThreads(1);

test('physics reward: gold clips pass with per-frame scores [B, F]; a teleport lowers its frames; tensor clips agree', async () => {
  const rng = new Rng(3);
  const samples = Array.from({ length: 4 }, () => sampleMovingClip(rng));
  const clips = samples.map((s) => renderClip(s.clip));
  const bad = makeNegative('teleport', samples[0]!, rng);
  assert.ok(bad !== null);
  const frames = [...clips, bad];
  const prompts = [...samples, samples[0]!].map((s) => ({ text: s.prompt.text }));
  const rm = physicsReward();
  const r = await rm.score({ clipFrames: frames, prompts });
  assertResultShapes(r, 5, ['pass', 'score']);
  const d = r.dense!.frame_score!;
  assert.equal(d.layout, 'frame');
  assert.deepEqual(d.shape, [5, 8]);
  assert.deepEqual([...r.components.pass!], [1, 1, 1, 1, 0]);
  assert.ok(r.total[4]! < r.total[0]!, 'the implausible clip scores lower');
  assert.ok(Math.min(...d.data.slice(32, 40)) < 0.5, 'some frame of the teleport clip is marked');

  // [B, C, F, H, W] in [−1, 1]: pack each clip [F, 3, H, W] and move C before F.
  const B = frames.length;
  const data = new Float32Array(B * 8 * 3 * 32 * 32);
  frames.forEach((f, b) => data.set(packFrames(f), b * 8 * 3 * 32 * 32));
  const x = torch.scope(() =>
    torch.fromTypedArray(data, [B, 8, 3, 32, 32]).permute(0, 2, 1, 3, 4).contiguous().mul(2).sub(1),
  );
  const t = await rm.score({ clips: x, prompts });
  x.dispose();
  assert.deepEqual([...t.components.pass!], [...r.components.pass!]);
  t.total.forEach((v, i) => assert.ok(Math.abs(v - r.total[i]!) < 1e-3));
});

test('constraint reward: forbidden colours and regions raise the violation flag and mark their pixels', async () => {
  const img = (color: 'red' | 'blue', cx: number) =>
    renderScene({ width: 32, height: 32, objects: [{ shape: 'square', color, cx, cy: 16, size: 5 }] });
  const rgb = [img('blue', 8), img('red', 8), img('blue', 24)];
  const prompts = rgb.map(() => ({ text: 'a square' }));
  const rm = constraintReward({ forbiddenColors: ['red'], forbiddenRegions: [[20, 0, 32, 32]] });
  const r = await rm.score({ rgb, prompts });
  assertResultShapes(r, 3, [VIOLATION_COMPONENT, 'color_fraction', 'region_fraction']);
  assert.deepEqual([...r.components[VIOLATION_COMPONENT]!], [0, 1, 1], 'clean, red, in the forbidden strip');
  assert.deepEqual([...r.total], [1, 0, 0]);
  assert.ok(r.components.color_fraction![1]! > 0.08 && r.components.color_fraction![0] === 0);
  assert.ok(r.components.region_fraction![2]! > 0.2 && r.components.region_fraction![1] === 0);
  const map = r.dense!.pixel_violation!;
  assert.deepEqual(map.shape, [3, 32, 32]);
  assert.equal(
    map.data.slice(0, 1024).reduce((a, b) => a + b, 0),
    0,
  );
  assert.equal(map.data[1024 + 16 * 32 + 8], -1, 'the red square centre is marked');
  assert.equal(map.data[2048 + 16 * 32 + 24], -1, 'the square in the strip is marked');
  assert.throws(
    () => constraintReward({ forbiddenRegions: [[5, 5, 2, 9]] }),
    /forbiddenRegions\[0\] must be \[x0, y0, x1, y1\]/,
  );
});
