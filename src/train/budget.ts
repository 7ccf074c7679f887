// How much of a run's budget is spent: a run stops at whichever of `iterations`, `maxSamples` and `maxSeconds` it
// reaches first (session.ts), so its progress — and the ETA shown from it — is the largest of the three fractions.
// Without this a wall-time-capped run (iterations: 100000, maxSeconds: 3300) showed an ETA of hundreds of hours.

export interface RunBudget {
  readonly iterations: number;
  readonly maxSamples?: number | undefined;
  readonly maxSeconds?: number | undefined;
}

export interface BudgetUsed {
  readonly iterations: number;
  readonly samples: number;
  readonly seconds: number;
}

/** Fractions of the sample and wall-time caps used (the caps a run sets; iterations are the loop's own bound). */
function capFractions(budget: Readonly<RunBudget>, used: Readonly<Omit<BudgetUsed, 'iterations'>>): number[] {
  const parts: number[] = [];
  if (budget.maxSamples !== undefined) parts.push(used.samples / budget.maxSamples);
  if (budget.maxSeconds !== undefined) parts.push(used.seconds / budget.maxSeconds);
  return parts;
}

/** The sample or the wall-time cap is used up: the session stops before another iteration. */
export function capSpent(budget: Readonly<RunBudget>, used: Readonly<Omit<BudgetUsed, 'iterations'>>): boolean {
  return capFractions(budget, used).some((f) => f >= 1);
}

/** The fraction in [0, 1] of the binding budget used so far. */
export function budgetFraction(budget: Readonly<RunBudget>, used: Readonly<BudgetUsed>): number {
  return Math.min(1, Math.max(0, used.iterations / budget.iterations, ...capFractions(budget, used)));
}
