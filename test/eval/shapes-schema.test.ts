import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_GOLD_OPTIONS } from '../../src/eval/shapes/gold.js';
import { GoldOptionsSchema, ShapesEvalOptionsSchema } from '../../src/eval/shapes/schema.js';

test('gold and ShapesEval options validate into their defaults', () => {
  assert.deepEqual(GoldOptionsSchema.parse({}), { ...DEFAULT_GOLD_OPTIONS });
  assert.equal(GoldOptionsSchema.parse({ mode: 'strict' }).mode, 'strict');
  assert.deepEqual(GoldOptionsSchema.safeParse({ minSize: 9, maxSize: 3 }).error?.issues[0].path, ['minSize']);
  assert.deepEqual(ShapesEvalOptionsSchema.safeParse({ perCategory: 500 }).error?.issues[0].path, ['perCategory']);
  assert.equal(ShapesEvalOptionsSchema.parse({}).perCategory, 120);
});
