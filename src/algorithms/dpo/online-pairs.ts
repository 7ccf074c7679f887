// Online preference pairs from a scored group of samples (online Diffusion-DPO: sample G images per prompt from the
// current policy, score them, and prefer the higher reward — the on-policy pairing of e.g. Online-VPO / SPO, here
// with an explicit margin so near-ties, which carry label noise from the reward, are skipped).

export type PairingRule = 'best_worst' | 'all';

export interface IndexPair {
  /** Index of the preferred sample in the batch. */
  winner: number;
  /** Index of the rejected sample. */
  loser: number;
  /** r_winner − r_loser > minMargin. */
  rewardGap: number;
}

/**
 * Pairs within each group (samples sharing a prompt): 'best_worst' gives at most one pair per group (its best vs
 * its worst sample), 'all' every ordered pair (i, j) with r_i − r_j > minMargin. Pairs whose reward gap is not
 * above `minMargin` (ties at 0) are skipped. Groups are visited in order of first appearance, pairs in index order.
 */
export function groupPreferencePairs(
  rewards: ArrayLike<number>,
  groupIds: readonly number[],
  rule: PairingRule,
  minMargin = 0,
): IndexPair[] {
  if (rewards.length !== groupIds.length) {
    throw new Error(
      `refract online DPO pairs: rewards must have one value per sample (${groupIds.length}), got ${rewards.length}`,
    );
  }
  if (!(minMargin >= 0)) throw new Error(`refract online DPO pairs: minMargin must be ≥ 0, got ${minMargin}`);
  const groups = new Map<number, number[]>();
  groupIds.forEach((g, i) => {
    const members = groups.get(g) ?? [];
    members.push(i);
    groups.set(g, members);
  });
  const pairs: IndexPair[] = [];
  for (const members of groups.values()) {
    const finite = members.filter((i) => Number.isFinite(rewards[i]!));
    if (rule === 'best_worst') {
      if (finite.length < 2) continue;
      const best = finite.reduce((b, i) => (rewards[i]! > rewards[b]! ? i : b));
      const worst = finite.reduce((w, i) => (rewards[i]! < rewards[w]! ? i : w));
      const gap = rewards[best]! - rewards[worst]!;
      if (gap > minMargin) pairs.push({ winner: best, loser: worst, rewardGap: gap });
      continue;
    }
    for (const i of finite) {
      for (const j of finite) {
        const gap = rewards[i]! - rewards[j]!;
        if (gap > minMargin) pairs.push({ winner: i, loser: j, rewardGap: gap });
      }
    }
  }
  return pairs;
}
