// Data-parallel throughput on this machine (issue #14, docs/scaling.md): GRPO iterations on the shipped Shapes base
// (assets/base/shapes) with configs/grpo-shapes.yaml's sampler and update settings, run either as one process
// (REFRACT_THREADS=2) or as one rank of WORLD_SIZE (torchrun's variables, REFRACT_THREADS=1 each). Rank 0 prints one
// JSON line: seconds per iteration (after one warm-up iteration), the rollout and update parts of each, the
// trainable parameters, and — with several ranks — the time of one all-reduce of a gradient that size.
// Driven by bench/ddp-rounds.sh, which alternates the settings and records the machine's load with each run.
// Usage: node dist/bench/ddp.js [iterations] [lora]
import * as torch from '../src/torch/index.js';
import * as dist from '../src/torch/distributed/index.js';
import { parseRunConfig } from '../src/train/config.js';
import { buildContext } from '../src/train/setup.js';
import { GrpoAlgorithm } from '../src/algorithms/grpo/index.js';
import { deriveSeed } from '../src/data/rng.js';
import { GRPO_SHAPES_SETTINGS } from './grpo-shapes-settings.js';

const iterations = Number(process.argv[2] ?? 3);
const lora = process.argv[3] === 'lora';
const worldSize = Number(process.env['WORLD_SIZE'] ?? 1);
const rank = Number(process.env['RANK'] ?? 0);

const config = parseRunConfig({
  algorithm: 'grpo',
  seed: 0,
  base: 'assets/base/shapes',
  rewards: [{ kind: 'shapes_gold', options: { total: 'partial' } }],
  ...(lora ? { lora: { rank: 4, alpha: 4 } } : {}),
  grpo: { ...GRPO_SHAPES_SETTINGS, promptsPerIteration: 4 },
});

let group: dist.ProcessGroup | undefined;
if (worldSize > 1) {
  const store = new dist.TCPStore({ host: '127.0.0.1', port: Number(process.env['MASTER_PORT']), isServer: rank === 0, worldSize, timeoutMs: 600_000 });
  group = dist.initProcessGroup({ backend: 'gloo', rank, worldSize, store, timeoutMs: 600_000 });
}
const ctx = { ...(await buildContext(config)), ...(group ? { dataParallel: group } : {}) };
const algorithm = new GrpoAlgorithm(ctx, config.grpo);

// The rollout and update stages, timed from outside (they are the subclass's own methods).
const parts = { rollout: 0, update: 0 };
const proto = GrpoAlgorithm.prototype as unknown as Record<'rollout' | 'update', (...a: unknown[]) => unknown>;
for (const stage of ['rollout', 'update'] as const) {
  const original = proto[stage]!;
  proto[stage] = function (this: unknown, ...a: unknown[]): unknown {
    const t0 = performance.now();
    try {
      return original.apply(this, a);
    } finally {
      parts[stage] += (performance.now() - t0) / 1000;
    }
  };
}

const rows: { seconds: number; rollout: number; update: number }[] = [];
for (let it = 1; it <= iterations + 1; it++) {
  torch.manualSeed(deriveSeed(0, it, 0x51ed));
  parts.rollout = parts.update = 0;
  const t0 = performance.now();
  await algorithm.step(it);
  if (it > 1) rows.push({ seconds: (performance.now() - t0) / 1000, rollout: parts.rollout, update: parts.update });
}
const trainable = ctx.policy.parameters().filter((p) => p.requiresGrad).reduce((n, p) => n + p.numel(), 0);
let allReduceMs: number | undefined;
if (group) {
  const t = torch.zeros([trainable]);
  const ts: number[] = [];
  for (let k = 0; k < 5; k++) {
    const t0 = performance.now();
    dist.allReduce(t);
    ts.push(performance.now() - t0);
  }
  allReduceMs = ts.sort((a, b) => a - b)[2];
}
if (rank === 0) {
  process.stdout.write(
    `${JSON.stringify({ worldSize, threads: torch.getNumThreads(), lora, samplesPerIteration: 32, trainable, iterations: rows, ...(allReduceMs !== undefined ? { allReduceMs } : {}) })}\n`,
  );
}
process.exit(0);
