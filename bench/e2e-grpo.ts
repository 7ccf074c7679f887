// `refract bench e2e`: one GRPO iteration of the shipped Shapes base, end to end, in Refract and in Python PyTorch.
//
// Refract runs its real code path: GrpoAlgorithm.step (src/algorithms/grpo/) — prompt groups, the Flow-GRPO SDE
// rollout with classifier-free guidance and per-step log-probs (generate/sample-flow.ts), the reward, group-relative
// advantages (credit/), and the update (replay of the trained steps with grad, clipped surrogate, β·KL to the frozen
// reference, grad clip, AdamW). bench/e2e_grpo_pytorch.py is the same iteration as a plain script in flow_grpo's
// loop style (scripts/train_sd3.py: sample with log-probs → reward → advantages → per-minibatch replay + KL →
// one optimizer step). Each side runs in its own child process, so peak RSS (getrusage maxrss) is the iteration's.
//
// Same inputs on both sides: the Refract child writes what the iteration draws (token ids, per-sample seeds, group
// ids, trained steps, minibatch order) to a JSON spec the Python script reads; noise comes from one libtorch
// Generator per sample seed on both sides, so the rollouts — and the rewards — agree to float tolerance (reported).
// The reward is the same simple function on both sides: mean(R) − mean(B) of the image in [0, 1] ("redness"),
// computed from the final sample exactly as tensorToImages maps it ((x + 1)/2 clamped to [0, 1]).
// Settings: configs/grpo-shapes.yaml's grpo section (8 prompts × 8 samples, 10 steps, CFG 3, SDE window [0, 5),
// 3 trained steps, minibatch 16, β = 0.01) on the shipped base at its 32×32 size; skipZeroVarianceGroups off (the
// reward is continuous, and the Python loop has no such branch).
import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import * as torch from '../src/torch/index.js';
import { GrpoAlgorithm } from '../src/algorithms/grpo/algorithm.js';
import { parseGrpoSection, type GrpoSection } from '../src/algorithms/grpo/config.js';
import { drawPromptGroups } from '../src/algorithms/prompt-groups.js';
import { selectSteps } from '../src/credit/step-selection.js';
import { Rng, deriveSeed } from '../src/data/rng.js';
import { SHAPES_VOCABULARY } from '../src/data/shapes/vocab.js';
import { loadTextToImageCheckpoint } from '../src/models/checkpoint.js';
import type { RewardBatch, RewardModel, RewardResult } from '../src/rewards/types.js';
import { shapesPromptSource } from '../src/train/prompt-sources.js';
import { SHAPES_BASE_DIR } from './shapes-base.js';
import { GRPO_SHAPES_SETTINGS } from './grpo-shapes-settings.js';

export const E2E_GRPO: Readonly<GrpoSection> = parseGrpoSection({
  ...GRPO_SHAPES_SETTINGS,
  promptsPerIteration: 8,
  gradClip: 1,
  advantageStd: 'group',
});
const SEED = 0;

/** mean(R) − mean(B) per image in [0, 1] (CHW data): the same arithmetic as redness() in e2e_grpo_pytorch.py. */
export const rednessReward: RewardModel = {
  name: 'redness',
  version: '1',
  components: ['redness'],
  differentiable: false,
  score(batch: RewardBatch): Promise<RewardResult> {
    const rgb = batch.rgb ?? [];
    const total = new Float32Array(rgb.map((im) => {
      const plane = im.width * im.height;
      let r = 0;
      let b = 0;
      for (let i = 0; i < plane; i++) {
        r += im.data[i]!;
        b += im.data[2 * plane + i]!;
      }
      return (r - b) / plane;
    }));
    return Promise.resolve({ total, components: { redness: total }, meta: { name: 'redness', version: '1' } });
  },
};

/** What iteration `it` draws, for the Python twin: tokens, seeds, groups, trained steps, minibatch order. */
function iterationSpec(it: number): Record<string, unknown> {
  const s = E2E_GRPO;
  const groups = drawPromptGroups(shapesPromptSource(), SEED, it, s.promptsPerIteration, s.groupSize);
  const tokens = torch.scope(() => SHAPES_VOCABULARY.tokenizeBatch(groups.prompts.map((p) => p.text)).toArray());
  const window = s.sampler.sdeWindow!;
  const stochastic = Array.from({ length: s.sampler.steps }, (_, i) => i >= window[0] && i < window[1]);
  const steps = selectSteps({ kind: 'random', count: s.trainSteps!, seed: SEED }, { numSteps: s.sampler.steps, iteration: it, stochastic });
  const B = groups.prompts.length;
  const order = new Rng(deriveSeed(SEED, it, 3)).shuffle(Array.from({ length: B }, (_, i) => i)); // update-stage.ts
  return { tokens, maxTokens: SHAPES_VOCABULARY.maxTokens, seeds: groups.seeds, groupIds: groups.groupIds, steps, order };
}

export interface E2eSideResult {
  ms_per_iteration: number;
  /** Process CPU ms (user + system, all threads) per timed iteration: the work, whatever the machine's load. */
  cpu_ms_per_iteration: number;
  iteration_ms: number[];
  peak_rss_mb: number;
  mean_reward: number[];
  loss: number[];
}

/** The child: `iterations` GRPO steps (the first is warm-up, reported but not timed); writes the spec first. */
async function runRefractSide(iterations: number, specFile: string): Promise<E2eSideResult> {
  writeFileSync(specFile, JSON.stringify({ section: E2E_GRPO, iterations: Array.from({ length: iterations }, (_, i) => iterationSpec(i)) }));
  const policy = loadTextToImageCheckpoint(SHAPES_BASE_DIR);
  const reference = loadTextToImageCheckpoint(SHAPES_BASE_DIR);
  reference.requiresGrad_(false);
  reference.eval();
  const ctx = { policy, reference, reward: rednessReward, prompts: shapesPromptSource(), seed: SEED };
  const algo = new GrpoAlgorithm(ctx, E2E_GRPO);
  const ms: number[] = [];
  const cpu: number[] = [];
  const rewards: number[] = [];
  const losses: number[] = [];
  for (let it = 0; it < iterations; it++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const log = await algo.step(it);
    ms.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
    rewards.push(log.reward);
    losses.push(log.metrics['loss'] ?? NaN);
  }
  algo.dispose();
  policy.dispose();
  reference.dispose();
  const timed = ms.slice(1);
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  return {
    ms_per_iteration: mean(timed),
    cpu_ms_per_iteration: mean(cpu.slice(1)),
    iteration_ms: ms,
    peak_rss_mb: process.resourceUsage().maxRSS / 1024,
    mean_reward: rewards,
    loss: losses,
  };
}

export interface E2eBenchRow {
  case: 'e2e_grpo_iteration';
  threads: number;
  rounds: number;
  samples_per_iteration: number;
  refract_ms: number;
  pytorch_ms: number | null;
  ratio: number | null;
  refract_cpu_ms: number;
  pytorch_cpu_ms: number | null;
  cpu_ratio: number | null;
  refract_range: [number, number];
  pytorch_range: [number, number] | null;
  refract_peak_rss_mb: number;
  pytorch_peak_rss_mb: number | null;
  rss_ratio: number | null;
  /** First iteration's mean reward on each side (same weights, noise and prompts: must agree). */
  refract_reward: number[];
  pytorch_reward: number[] | null;
  refract_loss: number[];
  pytorch_loss: number[] | null;
}

const here = path.dirname(fileURLToPath(import.meta.url));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function child(cmd: string, args: string[], threads: number): E2eSideResult {
  const env = { ...process.env, REFRACT_THREADS: String(threads), OMP_NUM_THREADS: String(threads) };
  const out = execFileSync(cmd, args, { encoding: 'utf8', env, maxBuffer: 1 << 24 });
  return JSON.parse(out.trim().split('\n').pop()!) as E2eSideResult;
}

/** Alternating rounds (Refract child, then Python child) per thread count; medians of the rounds' ms/iteration. */
export function* runE2eBench(opts: { threads?: number[]; iterations?: number; rounds?: number; python?: string | null } = {}): Generator<E2eBenchRow> {
  const iterations = opts.iterations ?? 3;
  const rounds = opts.rounds ?? 2;
  const dir = mkdtempSync(path.join(tmpdir(), 'refract-e2e-'));
  const spec = path.join(dir, 'spec.json');
  const script = path.resolve(here, '../../bench/e2e_grpo_pytorch.py');
  try {
    for (const threads of opts.threads ?? [1, 2]) {
      const ours: E2eSideResult[] = [];
      const theirs: E2eSideResult[] = [];
      for (let r = 0; r < rounds; r++) {
        ours.push(child(process.execPath, [fileURLToPath(import.meta.url), 'child', String(iterations), spec], threads));
        if (opts.python) theirs.push(child(opts.python, [script, spec, String(threads)], threads));
      }
      const a = ours.map((o) => o.ms_per_iteration);
      const b = theirs.map((o) => o.ms_per_iteration);
      const ca = median(ours.map((o) => o.cpu_ms_per_iteration));
      const cb = theirs.length ? median(theirs.map((o) => o.cpu_ms_per_iteration)) : null;
      const rssA = Math.max(...ours.map((o) => o.peak_rss_mb));
      const rssB = theirs.length ? Math.max(...theirs.map((o) => o.peak_rss_mb)) : null;
      const r3 = (x: number): number => Math.round(x * 1000) / 1000;
      yield {
        case: 'e2e_grpo_iteration',
        threads,
        rounds,
        samples_per_iteration: E2E_GRPO.promptsPerIteration * E2E_GRPO.groupSize,
        refract_ms: r3(median(a)),
        pytorch_ms: b.length ? r3(median(b)) : null,
        ratio: b.length ? r3(median(a) / median(b)) : null,
        refract_cpu_ms: r3(ca),
        pytorch_cpu_ms: cb === null ? null : r3(cb),
        cpu_ratio: cb === null ? null : r3(ca / cb),
        refract_range: [r3(Math.min(...a)), r3(Math.max(...a))],
        pytorch_range: b.length ? [r3(Math.min(...b)), r3(Math.max(...b))] : null,
        refract_peak_rss_mb: r3(rssA),
        pytorch_peak_rss_mb: rssB === null ? null : r3(rssB),
        rss_ratio: rssB === null ? null : r3(rssA / rssB),
        refract_reward: ours[0]!.mean_reward,
        pytorch_reward: theirs[0]?.mean_reward ?? null,
        refract_loss: ours[0]!.loss,
        pytorch_loss: theirs[0]?.loss ?? null,
      };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === 'child' && fileURLToPath(import.meta.url) === path.resolve(process.argv[1] ?? '')) {
  const result = await runRefractSide(Number(process.argv[3]), process.argv[4]!);
  console.log(JSON.stringify(result));
}
