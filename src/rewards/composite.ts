/**
 * Several rewards as one: every member scores the batch (concurrently), and the result carries
 *   components  `<member>` = the member's total, and `<member>.<component>` for each of its components;
 *   dense       `<member>.<map>`;
 *   total       Σ_m w_m · total_m — the raw weighted sum;
 *   uncertainty sqrt(Σ_m w_m² · u_m²) over members that report one (independent errors assumed);
 *   hindsight   per sample, the first member's relabelled prompt that is not null (members that relabel).
 * The raw weighted sum lets a reward's scale override its weight (flow_grpo #188/#53). The default
 * multi-reward path is GDPO (arXiv 2601.05242, DESIGN §3): the credit layer normalises each member's total
 * within the group first and then applies `weights` — which is why member totals are exported as components
 * and the weights as a field. This layer computes no advantages.
 */
import type { DenseMap, RewardBatch, RewardModel, RewardPrompt, RewardResult } from './types.js';
import { validateResult } from './result.js';
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';

export interface CompositeRewardOptions {
  rewards: readonly RewardModel[];
  /** Weight per member name (missing = 1). */
  weights?: Readonly<Record<string, number>>;
  name?: string;
}

export class CompositeReward implements RewardModel {
  readonly name: string;
  readonly version: string;
  readonly components: readonly string[];
  readonly differentiable: boolean;
  readonly rewards: readonly RewardModel[];
  /** Weight of every member, by member name. */
  readonly weights: Readonly<Record<string, number>>;

  constructor(opts: CompositeRewardOptions) {
    if (opts.rewards.length === 0) throw new Error('refract reward composite: rewards must be non-empty, got none');
    const names = opts.rewards.map((r) => r.name);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup !== undefined) {
      throw new Error(
        `refract reward composite: member names must be unique, got '${dup}' twice — give one spec a name (rewards[i].name)`,
      );
    }
    for (const k of Object.keys(opts.weights ?? {})) {
      if (!names.includes(k))
        throw new Error(`refract reward composite: weights keys must name members (${names.join(', ')}), got '${k}'`);
    }
    this.rewards = opts.rewards;
    this.weights = Object.freeze(Object.fromEntries(names.map((n) => [n, opts.weights?.[n] ?? 1])));
    this.name = opts.name ?? 'composite';
    this.version = opts.rewards.map((r) => `${r.name}@${r.version}×${this.weights[r.name]}`).join('+');
    this.components = opts.rewards.flatMap((r) => [r.name, ...r.components.map((c) => `${r.name}.${c}`)]);
    this.differentiable = opts.rewards.every((r) => r.differentiable);
  }

  async score(batch: RewardBatch): Promise<RewardResult> {
    const B = batch.prompts.length;
    const results = await Promise.all(this.rewards.map(async (r) => validateResult(await r.score(batch), B)));
    const total = new Float32Array(B);
    const components: Record<string, Float32Array> = {};
    const dense: Record<string, DenseMap> = {};
    let variance: Float32Array | undefined;
    let hindsight: (RewardPrompt | null)[] | undefined;
    results.forEach((res, m) => {
      const name = this.rewards[m]!.name;
      const w = this.weights[name]!;
      res.total.forEach((v, i) => (total[i] += w * v));
      components[name] = res.total;
      for (const [k, v] of Object.entries(res.components)) components[`${name}.${k}`] = v;
      for (const [k, d] of Object.entries(res.dense ?? {})) dense[`${name}.${k}`] = d;
      if (res.uncertainty !== undefined) {
        variance ??= new Float32Array(B);
        res.uncertainty.forEach((u, i) => (variance![i] += w * w * u * u));
      }
      if (res.hindsight !== undefined) hindsight = (hindsight ?? res.hindsight).map((h, i) => h ?? res.hindsight![i] ?? null);
    });
    const out: RewardResult = { total, components, meta: { name: this.name, version: this.version } };
    if (Object.keys(dense).length > 0) out.dense = dense;
    if (variance !== undefined) out.uncertainty = variance.map(Math.sqrt);
    if (hindsight !== undefined) out.hindsight = hindsight;
    return out;
  }

  /** Σ_m w_m · r_m(images) with the graph kept; only when every member is differentiable. */
  scoreDifferentiable(images: Tensor, prompts: readonly RewardPrompt[]): Tensor {
    if (!this.differentiable) {
      const off = this.rewards.filter((r) => !r.differentiable).map((r) => r.name);
      throw new Error(
        `refract reward composite: every member must be differentiable, got non-differentiable ${off.join(', ')}`,
      );
    }
    return torch.scope(() => {
      let sum: Tensor | null = null;
      for (const r of this.rewards) {
        const term = r.scoreDifferentiable!(images, prompts).mul(this.weights[r.name]!);
        sum = sum === null ? term : sum.add(term);
      }
      return sum!;
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.rewards.map((r) => r.close?.()));
  }
}

export function compositeReward(opts: CompositeRewardOptions): CompositeReward {
  return new CompositeReward(opts);
}

/**
 * The same reward under another name, so one kind can be a composite member twice (e.g. the gold evaluator's
 * pass/fail and its partial credit, weighted separately). Scores, components and gradients are the model's own.
 */
export function renamedReward(model: RewardModel, name: string): RewardModel {
  return {
    name,
    version: model.version,
    components: model.components,
    differentiable: model.differentiable,
    score: (batch) => model.score(batch),
    ...(model.scoreDifferentiable ? { scoreDifferentiable: model.scoreDifferentiable.bind(model) } : {}),
    ...(model.close ? { close: model.close.bind(model) } : {}),
  };
}
