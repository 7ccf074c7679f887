import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/data/rng.js';
import { sampleTrainingExample } from '../../src/data/shapes/dataset.js';
import { DEFAULT_HELD_OUT } from '../../src/data/shapes/held-out.js';
import { HeldOutSpecSchema, TrainingSampleOptionsSchema } from '../../src/data/shapes/schema.js';

test('training options: empty input gives the frozen defaults; null heldOut shows everything', () => {
  const o = TrainingSampleOptionsSchema.parse({});
  assert.deepEqual(o.heldOut, JSON.parse(JSON.stringify(DEFAULT_HELD_OUT)));
  assert.equal(TrainingSampleOptionsSchema.parse({ heldOut: null }).heldOut, null);
  const ex = sampleTrainingExample(new Rng(0), TrainingSampleOptionsSchema.parse({ categoryWeights: { colors: 1 } }));
  assert.equal(ex.prompt.category, 'colors');
});

test('schemas name the offending field', () => {
  const bad = HeldOutSpecSchema.safeParse({ colorShape: [{ shape: 'hexagon', color: 'red' }] });
  assert.equal(bad.success, false);
  assert.deepEqual(bad.error?.issues[0].path, ['colorShape', 0, 'shape']);
  const unknown = TrainingSampleOptionsSchema.safeParse({ noise: 0.1 });
  assert.equal(unknown.error?.issues[0].code, 'unrecognized_keys');
  const neg = TrainingSampleOptionsSchema.safeParse({ noiseStd: -1 });
  assert.deepEqual(neg.error?.issues[0].path, ['noiseStd']);
});
