// The labeling queue: which comparison a labeler sees next.
//   - every `checkEvery`-th answer of a labeler is a known-answer check it has not answered yet (its agreement);
//   - otherwise the unlabelled pair of highest priority — the Bradley–Terry ensemble's disagreement when a model was
//     trained (active learning, ./active.ts), a seeded random order before — that no other labeler holds;
//   - a pair served is leased to its labeler for `leaseMs`, so 50 concurrent labelers do not label the same pair,
//     and asking again before answering returns the same pair (a page reload does not skip it).
import type { LabelDb, PoolPair } from './label-db.js';

export interface QueueOptions {
  checkEvery: number;
  leaseMs: number;
}

export const DEFAULT_QUEUE: Readonly<QueueOptions> = Object.freeze({ checkEvery: 10, leaseMs: 120_000 });

interface Lease {
  labeler: string;
  until: number;
}

export class LabelQueue {
  readonly #leases = new Map<number, Lease>();
  readonly #held = new Map<string, number>();

  constructor(
    readonly db: LabelDb,
    readonly options: Readonly<QueueOptions> = DEFAULT_QUEUE,
  ) {}

  /** The next comparison for `labeler`, or null when nothing is left. */
  next(labeler: string, now = Date.now()): PoolPair | null {
    const held = this.#held.get(labeler);
    if (held !== undefined) {
      const lease = this.#leases.get(held);
      const pair = this.db.pair(held);
      if (lease?.labeler === labeler && lease.until > now && pair !== null && !this.#answeredBy(held, labeler)) return pair;
      this.release(labeler);
    }
    const checkDue = (this.db.answered(labeler) + 1) % this.options.checkEvery === 0;
    const pair = (checkDue ? this.#check(labeler) : null) ?? this.#ordinary(labeler, now);
    if (pair !== null) {
      this.#leases.set(pair.id, { labeler, until: now + this.options.leaseMs });
      this.#held.set(labeler, pair.id);
    }
    return pair;
  }

  /** Frees the labeler's lease (after an answer, an undo or a stale lease). */
  release(labeler: string): void {
    const held = this.#held.get(labeler);
    if (held === undefined) return;
    if (this.#leases.get(held)?.labeler === labeler) this.#leases.delete(held);
    this.#held.delete(labeler);
  }

  #answeredBy(pairId: number, labeler: string): boolean {
    return (
      this.db.db.prepare('SELECT 1 FROM studio_labels WHERE pair_id = ? AND labeler = ? AND undone = 0').get(pairId, labeler) !==
      undefined
    );
  }

  #check(labeler: string): PoolPair | null {
    const r = this.db.db
      .prepare(
        `SELECT id FROM studio_pairs p WHERE known IS NOT NULL AND NOT EXISTS
           (SELECT 1 FROM studio_labels s WHERE s.pair_id = p.id AND s.labeler = ? AND s.undone = 0)
         ORDER BY id LIMIT 1`,
      )
      .get(labeler) as { id: number } | undefined;
    return r === undefined ? null : this.db.pair(r.id);
  }

  #ordinary(labeler: string, now: number): PoolPair | null {
    // Candidates in priority order; a pair another labeler leases is passed over (a lease expires after leaseMs).
    const rows = this.db.db
      .prepare(
        `SELECT id FROM studio_pairs p INDEXED BY studio_pairs_queue WHERE done = 0 AND known IS NULL AND NOT EXISTS
           (SELECT 1 FROM studio_labels s WHERE s.pair_id = p.id AND s.undone = 0 AND s.labeler = ?)
         ORDER BY priority DESC, id LIMIT ?`,
      )
      .all(labeler, this.#leases.size + 1) as { id: number }[];
    for (const { id } of rows) {
      const lease = this.#leases.get(id);
      if (lease === undefined || lease.until <= now || lease.labeler === labeler) return this.db.pair(id);
    }
    return null;
  }
}
