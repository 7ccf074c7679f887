// A run stores, for each evaluation sample it keeps, the x̂₀ trajectory strip as a 'trajectory' media file; watching
// the sampler does not change the stored images, and the strip's last cell is the image itself (the last ODE step
// lands on its x̂₀).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { parseRunConfig } from '../../src/train/config.js';
import { runTraining } from '../../src/train/trainer.js';
import { RunStore } from '../../src/store/run-store.js';
import { evenlySpacedSteps } from '../../src/pipeline/text-to-image.js';
import { flowSigmas } from '../../src/generate/flow-schedule.js';
import { brightnessReward, tinyBase, tinyRunConfig } from './fixtures.js';

const EVAL = { every: 2, perCategory: 1, samplingSteps: 4, storeSamples: 2 };

async function storedSamples(base: string, out: string, trajectorySteps: number) {
  await runTraining(parseRunConfig(tinyRunConfig(base, out, { iterations: 2, eval: { ...EVAL, trajectorySteps } })), { reward: brightnessReward() });
  const store = RunStore.open(path.join(out, 'runs.sqlite'));
  try {
    return store.samples(store.runs()[0]!.id).map((s) => ({
      step: s.step,
      png: readFileSync(store.samplePath(s)!),
      media: s.media.map((m) => ({ ...m, bytes: readFileSync(store.samplePath(m)!) })),
    }));
  } finally {
    store.close();
  }
}

test('evenlySpacedSteps picks first to last, evenly, without repeats', () => {
  assert.deepEqual(evenlySpacedSteps(20, 6), [0, 4, 8, 11, 15, 19]);
  assert.deepEqual(evenlySpacedSteps(4, 3), [0, 2, 3]);
  assert.deepEqual(evenlySpacedSteps(3, 6), [0, 1, 2]);
  assert.deepEqual(evenlySpacedSteps(10, 1), [9]);
  assert.deepEqual(evenlySpacedSteps(10, 0), []);
});

test('evaluation samples carry their x̂₀ strip; the images are byte-identical with and without it', { timeout: 120_000 }, async () => {
  const { dir, base } = tinyBase('refract-sample-media-');
  try {
    const plain = await storedSamples(base, path.join(dir, 'plain'), 0);
    const watched = await storedSamples(base, path.join(dir, 'watched'), 3);
    assert.equal(plain.length, 4, 'two stored samples at iterations 0 and 2');
    assert.equal(watched.length, plain.length);
    plain.forEach((p, i) => {
      assert.ok(p.png.equals(watched[i]!.png), `sample ${i}: same PNG bytes with the observer`);
      assert.deepEqual(p.media, [], 'trajectorySteps 0 stores no media');
      const [m, ...rest] = watched[i]!.media;
      assert.equal(rest.length, 0);
      assert.equal(m!.kind, 'trajectory');
      assert.match(m!.path, /step-0+\d-\d+-trajectory\.png$/);
      const steps = evenlySpacedSteps(4, 3);
      const sigmas = flowSigmas(4);
      assert.deepEqual(m!.meta, { steps, sigmas: steps.map((k) => sigmas[k]!) });
      // strip: 3 cells of 32×32 at scale 2 with 1-px gaps; its last cell is the stored image (scale 4, no gap)
      const strip = PNG.sync.read(m!.bytes);
      const image = PNG.sync.read(p.png);
      assert.equal(strip.width, 3 * 64 + 4);
      assert.equal(strip.height, 64 + 2);
      assert.equal(image.width, 128);
      let maxDiff = 0;
      let firstDiff = 0;
      for (let y = 0; y < 32; y++) {
        for (let x = 0; x < 32; x++) {
          for (let c = 0; c < 3; c++) {
            const want = image.data[(4 * y * image.width + 4 * x) * 4 + c]!;
            const last = strip.data[((1 + 2 * y) * strip.width + 1 + 2 * 65 + 2 * x) * 4 + c]!;
            const first = strip.data[((1 + 2 * y) * strip.width + 1 + 2 * x) * 4 + c]!;
            maxDiff = Math.max(maxDiff, Math.abs(last - want));
            firstDiff = Math.max(firstDiff, Math.abs(first - want));
          }
        }
      }
      assert.ok(maxDiff <= 1, `sample ${i}: last x̂₀ cell is the image (max diff ${maxDiff})`);
      assert.ok(firstDiff > 10, `sample ${i}: the first x̂₀ (σ = 1) is not yet the image (max diff ${firstDiff})`);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
