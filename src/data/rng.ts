/**
 * A small seeded pseudo-random generator for data, noise and test fixtures.
 *
 * Why our own: `Math.random` cannot be seeded, and the testbeds promise that the same seed gives the same prompt,
 * scene, image and noise on every machine. Two public-domain generators by Tommy Ettinger / Sebastiano Vigna:
 * - splitmix32 (a 32-bit variant of SplitMix64, Steele et al. 2014) mixes user seeds, so seeds 0, 1, 2 give
 *   unrelated streams rather than shifted copies of one stream;
 * - mulberry32 produces the stream (period 2^32, passes gjrand/PractRand at the sizes a testbed draws).
 * Neither is cryptographic; neither needs to be.
 */

/** One splitmix32 round: a bijective 32-bit mixer (used to turn any integer seed into a well-spread state). */
function splitmix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

export class Rng {
  private state: number;
  /** Second Box–Muller variate kept for the next `normal()` call; null when none is pending. */
  private spareNormal: number | null = null;

  /** @param seed any finite number; its integer part (mod 2^32) selects the stream. */
  constructor(seed: number) {
    if (!Number.isFinite(seed)) {
      throw new Error(`refract rng: seed must be a finite number, got ${seed} — pass an integer such as 0 or 1234`);
    }
    this.state = splitmix32(Math.trunc(seed) >>> 0);
  }

  /** Next raw 32-bit unsigned integer (mulberry32). */
  nextUint32(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform float in [0, 1). */
  uniform(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform float in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  /** Uniform integer in [lo, hi] — both ends inclusive, like Python's `random.randint`. */
  int(lo: number, hi: number): number {
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || hi < lo) {
      throw new Error(`refract rng: int(lo, hi) needs integers with lo <= hi, got (${lo}, ${hi})`);
    }
    return lo + Math.floor(this.uniform() * (hi - lo + 1));
  }

  /** Standard normal variate (Box–Muller; the second variate of each pair is cached). */
  normal(): number {
    if (this.spareNormal !== null) {
      const z = this.spareNormal;
      this.spareNormal = null;
      return z;
    }
    const u1 = 1 - this.uniform(); // (0, 1]: keeps log finite
    const u2 = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.spareNormal = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  }

  /** A uniformly chosen element of a non-empty array. */
  choice<T>(items: readonly T[]): T {
    if (items.length === 0) {
      throw new Error('refract rng: choice() needs a non-empty array, got length 0');
    }
    return items[Math.floor(this.uniform() * items.length)];
  }

  /** Fisher–Yates shuffle in place; returns the same array for chaining. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.uniform() * (i + 1));
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }

  /**
   * An independent child stream, drawn from this one. Lets a caller hand sub-tasks their own generator so that
   * adding draws in one sub-task does not shift the others.
   */
  fork(): Rng {
    return new Rng(this.nextUint32());
  }
}

/**
 * A 32-bit seed derived from several integers (run seed, step, sample, ...), so that every piece of randomness
 * in a run is a pure function of its coordinates: resuming at step k needs no saved RNG state.
 */
export function deriveSeed(...parts: number[]): number {
  let h = 0x2545f491;
  for (const p of parts) h = splitmix32((h ^ (Math.trunc(p) >>> 0)) >>> 0);
  return h;
}
