/**
 * Agreement and conflict between a reward's components on the audit's sample images (rank-stats.ts): when two
 * components of a composite reward order many image pairs oppositely, the weights — not the signals — decide
 * what the policy is pushed toward (GDPO, arXiv 2601.05242, normalises each first for this reason).
 * Also the same statistics between the totals of different rewards (do the proxies agree with gold?).
 */
import { conflictRate, kendallTauB, spearman } from './rank-stats.js';

export interface ComponentAgreement {
  a: string;
  b: string;
  spearman: number;
  kendall: number;
  /** Fraction of strictly ordered sample pairs the two rank oppositely. */
  conflict: number;
}

/** Every unordered pair of named score vectors (same samples, same order). */
export function agreementTable(scores: Readonly<Record<string, ArrayLike<number>>>): ComponentAgreement[] {
  const names = Object.keys(scores);
  const out: ComponentAgreement[] = [];
  for (let i = 0; i < names.length; i++) {
    for (let j = i + 1; j < names.length; j++) {
      const [x, y] = [scores[names[i]!]!, scores[names[j]!]!];
      out.push({
        a: names[i]!,
        b: names[j]!,
        spearman: spearman(x, y),
        kendall: kendallTauB(x, y),
        conflict: conflictRate(x, y),
      });
    }
  }
  return out;
}
