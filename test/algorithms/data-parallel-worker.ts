// One process of the data-parallel equivalence test (data-parallel.test.ts): one iteration of an on-policy
// algorithm on the tiny base, either alone (WORLD_SIZE unset: 1 rank × B) or as one rank of WORLD_SIZE over
// 127.0.0.1 (each rank B/WORLD_SIZE). Writes what it saw to $REFRACT_TEST_OUT/rank-<r>.json: the step log, the
// gradients the optimizer stepped with (after the all-reduce) and the updated weights.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import * as torch from '../../src/torch/index.js';
import * as dist from '../../src/torch/distributed/index.js';
import { AdamW } from '../../src/torch/optim/index.js';
import type { AlgorithmContext } from '../../src/algorithms/algorithm.js';
import { loadTextToImageCheckpoint } from '../../src/models/checkpoint.js';
import type { RewardModel } from '../../src/rewards/types.js';
import { shapesPromptSource } from '../../src/train/prompt-sources.js';
import { ALGORITHMS, type AlgorithmName } from '../../src/train/registry.js';
import { drawPromptGroups } from '../../src/algorithms/prompt-groups.js';

const env = process.env;
// `node --test dist/test/` runs every file under a test folder: without the test's environment this is not a worker.
if (env['REFRACT_TEST_OUT'] === undefined) process.exit(0);
const name = (env['REFRACT_TEST_ALGORITHM'] ?? 'grpo') as AlgorithmName;
const section = JSON.parse(env['REFRACT_TEST_SECTION'] ?? '{}') as Record<string, unknown>;
const worldSize = Number(env['WORLD_SIZE'] ?? 1);
const rank = Number(env['RANK'] ?? 0);

torch.setNumThreads(1);
let group: dist.ProcessGroup | undefined;
if (worldSize > 1) {
  const store = new dist.TCPStore({ host: '127.0.0.1', port: Number(env['MASTER_PORT']), isServer: rank === 0, worldSize, timeoutMs: 60_000 });
  group = dist.initProcessGroup({ backend: 'gloo', rank, worldSize, store, timeoutMs: 60_000 });
}

// The gradients each optimizer step uses: recorded just before AdamW applies them.
const stepped: number[][] = [];
const step = AdamW.prototype.step;
AdamW.prototype.step = function (this: AdamW): void {
  stepped.push(this.paramGroups.flatMap((g) => g.params).flatMap((p) => torch.scope(() => p.grad?.toArray() ?? [])) as number[]);
  step.call(this);
};

// A reward that always varies within a group (the tiny model's images all fail the gold evaluator alike, which
// would make every advantage 0): the mean red intensity, and the green one as a component.
const channelMean = (data: Float32Array, c: number): number => {
  const n = data.length / 3;
  let s = 0;
  for (let i = c * n; i < (c + 1) * n; i++) s += data[i]!;
  return s / n;
};
// Options for GRPO's skipped groups and dense credit: the groups of iteration 1 listed in REFRACT_TEST_FLAT_GROUPS
// score 0 throughout (zero variance: skipped), and REFRACT_TEST_DENSE=1 adds the red plane as a per-pixel map.
const flatGroups = JSON.parse(env['REFRACT_TEST_FLAT_GROUPS'] ?? '[]') as number[];
const drawn = drawPromptGroups(shapesPromptSource(), 11, 1, Number(section['promptsPerIteration'] ?? 1), Number(section['groupSize'] ?? 1));
const flatSeeds = new Set(drawn.seeds.filter((_, i) => flatGroups.includes(drawn.groupIds[i]!)));
const withOptions = (total: Float32Array, seeds: unknown, rgb: readonly { data: ArrayLike<number> }[] | undefined) => {
  if (Array.isArray(seeds)) seeds.forEach((seed, i) => flatSeeds.has(seed as number) && (total[i] = 0));
  if (env['REFRACT_TEST_DENSE'] !== '1' || rgb === undefined) return {};
  const n = rgb[0]!.data.length / 3;
  const side = Math.round(Math.sqrt(n));
  const data = new Float32Array(rgb.length * n);
  rgb.forEach((im, i) => data.set(Array.from({ length: n }, (_, j) => im.data[j]!), i * n));
  return { dense: { red: { layout: 'pixel' as const, shape: [rgb.length, side, side], data } } };
};
const redness: RewardModel = {
  name: 'redness',
  version: '1',
  components: ['green'],
  differentiable: true,
  scoreDifferentiable: (images) => images.select(1, 0).mean([1, 2]), // the same, on [−1, 1] images, with a graph
  score: async (b) => {
    // the on-policy algorithms pass rgb images; reward backprop passes the [−1, 1] tensor
    const of = (c: number): Float32Array =>
      b.rgb
        ? Float32Array.from(b.rgb, (im) => channelMean(im.data, c))
        : (torch.scope(() => b.images!.select(1, c).mean([1, 2]).toTypedArray()) as Float32Array);
    const total = of(0);
    const extra = withOptions(total, b.metadata?.['seeds'], b.rgb);
    return { total, components: { green: of(1) }, ...extra, meta: { name: 'redness', version: '1' } };
  },
};

const policy = loadTextToImageCheckpoint(env['REFRACT_TEST_BASE']!);
const reference = loadTextToImageCheckpoint(env['REFRACT_TEST_BASE']!);
reference.requiresGrad_(false);
reference.eval();
// A reference a little off the policy, so KL terms and reward backprop's anchor have gradients to compare.
torch.manualSeed(99);
torch.noGrad(() => {
  for (const p of reference.parameters()) torch.scope(() => p.add_(torch.randnLike(p).mul(0.01)));
});
const ctx: AlgorithmContext = {
  policy,
  reference,
  reward: redness,
  prompts: shapesPromptSource(),
  seed: 11,
  ...(group ? { dataParallel: group } : {}),
};
const entry = ALGORITHMS[name];
const algorithm = entry.create(ctx, entry.schema.parse(section) as never);
const trainable = (): number[] => policy.parameters().filter((p) => p.requiresGrad).flatMap((p) => p.toArray() as number[]);
const before = trainable();
const log = await algorithm.step(1);
const weights = trainable();
writeFileSync(path.join(env['REFRACT_TEST_OUT']!, `rank-${rank}-of-${worldSize}.json`), JSON.stringify({ log, stepped, before, weights }));
process.exit(0);
