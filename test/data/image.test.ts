import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addGaussianNoise, assertImage, createImage, fromHWCUint8, toHWCUint8 } from '../../src/data/image.js';
import { Rng } from '../../src/data/rng.js';

test('HWC uint8 round trip preserves 8-bit values and the CHW layout', () => {
  const img = createImage(3, 2);
  const plane = 6;
  // pixel (x=1, y=0) is pure green, pixel (x=2, y=1) is (1, 0.5, 0)
  img.data[plane + 1] = 1;
  img.data[5] = 1;
  img.data[plane + 5] = 128 / 255;
  const hwc = toHWCUint8(img);
  assert.deepEqual([...hwc.slice(3, 6)], [0, 255, 0]);
  assert.deepEqual([...hwc.slice(15, 18)], [255, 128, 0]);
  const back = fromHWCUint8(hwc, 3, 2);
  assert.deepEqual([...back.data], [...img.data].map((v) => Math.round(v * 255) / 255).map((v) => Math.fround(v)));
  const rgba = new Uint8Array(4 * 6).fill(255);
  assert.equal(fromHWCUint8(rgba, 3, 2, 4).data[0], 1);
  assert.throws(() => fromHWCUint8(rgba, 3, 2), /pixels must hold 3·H·W = 18 bytes for 3×2, got 24 — pass channels=4 for RGBA/);
});

test('addGaussianNoise is seeded, clamps to [0, 1] and leaves the input untouched', () => {
  const img = createImage(8, 8);
  img.data.fill(0.5);
  const a = addGaussianNoise(img, 0.3, new Rng(1));
  const b = addGaussianNoise(img, 0.3, new Rng(1));
  assert.deepEqual(a.data, b.data);
  assert.ok(a.data.every((v) => v >= 0 && v <= 1));
  assert.ok(a.data.some((v) => v !== 0.5));
  assert.ok(img.data.every((v) => v === 0.5));
  assert.deepEqual(addGaussianNoise(img, 0, new Rng(1)).data, img.data);
});

test('assertImage names the expected size', () => {
  assert.throws(
    () => assertImage({ width: 2, height: 2, data: new Float32Array(4) }),
    /image.data must hold 3·H·W = 12 values for 2×2, got 4/,
  );
});
