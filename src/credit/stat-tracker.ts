// DDPO's per-prompt stat tracking (arXiv 2305.13301; ddpo-pytorch ddpo_pytorch/stat_tracking.py).
//
// Each prompt keeps a running buffer of its last `bufferSize` rewards. On update the batch's rewards are appended
// first, then each sample is normalised by its prompt's buffer, A = (r − mean_buf)/(std_buf + eps) — or, while the
// buffer holds fewer than `minCount` rewards, by the whole batch's mean and std. Population std (np.std).
// Differences: the state can be saved and restored (stateDict / loadStateDict) so a resumed run continues with the
// same buffers; eps is an option (ddpo-pytorch uses 1e−6). flow_grpo's tracker is the special case minCount = 0,
// eps = 1e−4, a bufferSize covering the epoch and clear() after each epoch.
import type { Tensor } from '../torch/index.js';
import { checkEps, meanStd, readVector, toTensor, type VectorLike } from './stats.js';

export interface StatTrackerOptions {
  /** Rewards kept per prompt (oldest dropped first). */
  readonly bufferSize: number;
  /** Below this many buffered rewards a prompt falls back to the batch's statistics. */
  readonly minCount: number;
  /** Added to the std (default 1e−6, as ddpo-pytorch). */
  readonly eps?: number;
}

export interface PromptStats {
  readonly mean: number;
  readonly std: number;
  readonly count: number;
}

/** Serializable tracker state: the options and each prompt's buffer, oldest first. */
export interface StatTrackerState {
  readonly bufferSize: number;
  readonly minCount: number;
  readonly eps: number;
  readonly buffers: Readonly<Record<string, readonly number[]>>;
}

export class PerPromptStatTracker {
  readonly bufferSize: number;
  readonly minCount: number;
  readonly eps: number;
  private buffers = new Map<string, number[]>();

  constructor(opts: StatTrackerOptions) {
    const where = 'refract PerPromptStatTracker';
    if (!(Number.isInteger(opts.bufferSize) && opts.bufferSize >= 1)) {
      throw new Error(`${where}: bufferSize must be an integer ≥ 1, got ${opts.bufferSize} — use e.g. 32`);
    }
    if (!(Number.isInteger(opts.minCount) && opts.minCount >= 0 && opts.minCount <= opts.bufferSize)) {
      throw new Error(
        `${where}: minCount must be an integer in [0, bufferSize=${opts.bufferSize}], got ${opts.minCount} — use e.g. 16`,
      );
    }
    this.bufferSize = opts.bufferSize;
    this.minCount = opts.minCount;
    this.eps = opts.eps ?? 1e-6;
    checkEps(this.eps, 'PerPromptStatTracker');
  }

  /** Appends the batch's rewards to their prompts' buffers and returns the advantages [B]. */
  update(prompts: readonly string[], rewards: VectorLike): Tensor {
    const fn = 'PerPromptStatTracker.update';
    const r = readVector(rewards, fn, 'rewards');
    if (prompts.length !== r.length) {
      throw new Error(`refract ${fn}: prompts must have B=${r.length} entries, got ${prompts.length} — one per reward`);
    }
    prompts.forEach((p, i) => this.push(p, r[i]!));
    const batch = meanStd(r);
    const perPrompt = new Map<string, PromptStats>();
    const out = r.map((x, i) => {
      const p = prompts[i]!;
      let s = perPrompt.get(p);
      if (s === undefined) {
        s = this.statsOf(p);
        perPrompt.set(p, s);
      }
      const use = s.count < this.minCount ? batch : s;
      return (x - use.mean) / (use.std + this.eps); // (r − μ)/(σ + ε)
    });
    return toTensor(out, rewards);
  }

  /** Mean, std and count of each prompt's buffer. */
  stats(): Record<string, PromptStats> {
    const out: Record<string, PromptStats> = {};
    for (const p of this.buffers.keys()) out[p] = this.statsOf(p);
    return out;
  }

  clear(): void {
    this.buffers.clear();
  }

  stateDict(): StatTrackerState {
    const buffers: Record<string, number[]> = {};
    for (const [p, b] of this.buffers) buffers[p] = [...b];
    return { bufferSize: this.bufferSize, minCount: this.minCount, eps: this.eps, buffers };
  }

  /** Restores buffers saved by stateDict (the options must match this tracker's). */
  loadStateDict(state: StatTrackerState): void {
    const where = 'refract PerPromptStatTracker.loadStateDict';
    if (state.bufferSize !== this.bufferSize || state.minCount !== this.minCount || state.eps !== this.eps) {
      throw new Error(
        `${where}: options must match, got bufferSize/minCount/eps ${state.bufferSize}/${state.minCount}/${state.eps}` +
          ` vs ${this.bufferSize}/${this.minCount}/${this.eps} — construct the tracker with the saved options`,
      );
    }
    const next = new Map<string, number[]>();
    for (const [p, b] of Object.entries(state.buffers)) {
      if (!Array.isArray(b) || !b.every((x) => Number.isFinite(x))) {
        throw new Error(
          `${where}: buffers["${p}"] must be an array of finite numbers — pass what stateDict() returned`,
        );
      }
      next.set(p, b.slice(-this.bufferSize));
    }
    this.buffers = next;
  }

  private push(prompt: string, reward: number): void {
    let b = this.buffers.get(prompt);
    if (b === undefined) {
      b = [];
      this.buffers.set(prompt, b);
    }
    b.push(reward);
    if (b.length > this.bufferSize) b.shift(); // deque(maxlen=bufferSize)
  }

  private statsOf(prompt: string): PromptStats {
    const b = this.buffers.get(prompt) ?? [];
    return { ...meanStd(b), count: b.length };
  }
}
