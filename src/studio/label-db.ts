// The Studio's labeling database: a run store (so its `preferences` table is the one Diffusion-DPO, the audit and
// reward-model training already read, see store/preference-pairs.ts) plus the Studio's own tables beside it:
//   studio_items     an image of the labeling pool (path relative to the database's folder, its prompt, gold score)
//   studio_pairs     a candidate comparison: two items or a best-of-4 set of the same prompt; `known` is the answer of
//                    a known-answer check, `priority` the active-learning order (ensemble disagreement, or random)
//   studio_labelers  a labeler's name, role and the SHA-256 of its token (the token itself is never stored)
//   studio_labels    every answer: the pair, who, the winner, the preference rows it wrote, whether it was a check
// A label is acknowledged only after its transaction committed (DESIGN §6 "Studio"), and its client-made `key` is
// UNIQUE, so a retried request cannot write it twice.
import Database from 'better-sqlite3';
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { RunStore } from '../store/run-store.js';
import { insertPreferences } from '../store/run-store-preference-io.js';
import type { PreferenceInput, Winner } from '../store/run-store-preferences.js';

export const LABELS_FILE = 'labels.sqlite';

export type Role = 'admin' | 'labeler';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS studio_items (
    id INTEGER PRIMARY KEY, prompt TEXT NOT NULL, path TEXT NOT NULL, gold REAL
  );
  CREATE TABLE IF NOT EXISTS studio_pairs (
    id INTEGER PRIMARY KEY, prompt TEXT NOT NULL, items TEXT NOT NULL, known TEXT, priority REAL NOT NULL DEFAULT 0,
    done INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE IF NOT EXISTS studio_labelers (
    name TEXT PRIMARY KEY, role TEXT NOT NULL CHECK (role IN ('admin', 'labeler')), token_sha256 TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS studio_labels (
    id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, pair_id INTEGER NOT NULL REFERENCES studio_pairs(id),
    labeler TEXT NOT NULL, choice TEXT NOT NULL, is_check INTEGER NOT NULL, correct INTEGER,
    preference_ids TEXT NOT NULL, undone INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS studio_labels_pair ON studio_labels (pair_id);
  CREATE INDEX IF NOT EXISTS studio_labels_labeler ON studio_labels (labeler, id);
`;

export interface PoolItem {
  readonly id: number;
  readonly prompt: string;
  readonly path: string;
  readonly gold: number | null;
}

export interface PoolPair {
  readonly id: number;
  readonly prompt: string;
  /** Item ids: two for a pairwise comparison, four for best-of-4. */
  readonly items: readonly number[];
  /** The known answer of a check (an index into `items`, or 'tie'); null for an ordinary pair. */
  readonly known: string | null;
  readonly priority: number;
}

/** A labeler's answer: the index of the preferred item, 'tie' (pairwise only) or 'skip'. */
export type Choice = number | 'tie' | 'skip';

export interface LabelResult {
  readonly labelId: number;
  readonly preferenceIds: readonly number[];
  /** For a check: whether the answer matched the known one. */
  readonly correct: boolean | null;
  /** True when `key` had already been acknowledged (a retry): nothing new was written. */
  readonly duplicate: boolean;
}

export interface Agreement {
  readonly labeler: string;
  readonly labels: number;
  readonly checks: number;
  readonly correct: number;
}

export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

export class LabelDb {
  private constructor(
    readonly file: string,
    readonly db: Database.Database,
  ) {}

  /** Opens (creating, and migrating through RunStore) `<dir>/labels.sqlite`. */
  static open(dir: string): LabelDb {
    const file = path.join(dir, LABELS_FILE);
    RunStore.open(file).close(); // creates the run-store tables, preferences included, at the current version
    const db = new Database(file);
    db.pragma('busy_timeout = 5000');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.exec(SCHEMA);
    // `done` (a pair has a label) came after the first databases: add it, then the queue's index over it.
    if (!(db.pragma('table_info(studio_pairs)') as { name: string }[]).some((c) => c.name === 'done')) {
      db.exec(`ALTER TABLE studio_pairs ADD COLUMN done INTEGER NOT NULL DEFAULT 0;
        UPDATE studio_pairs SET done = 1 WHERE id IN (SELECT pair_id FROM studio_labels WHERE undone = 0 AND choice != 'skip');`);
    }
    db.exec('CREATE INDEX IF NOT EXISTS studio_pairs_queue ON studio_pairs (done, priority DESC, id)');
    return new LabelDb(file, db);
  }

  get dir(): string {
    return path.dirname(path.resolve(this.file));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  // ---------- labelers ----------

  /** Adds a labeler with a fresh random token (returned once, stored only as its hash). */
  addLabeler(name: string, role: Role, token = randomBytes(18).toString('base64url')): string {
    this.db
      .prepare('INSERT INTO studio_labelers (name, role, token_sha256, created_at) VALUES (?, ?, ?, ?)')
      .run(name, role, hashToken(token), new Date().toISOString());
    return token;
  }

  /** The labeler a token belongs to, or null. */
  labelerOfToken(token: string): { name: string; role: Role } | null {
    const r = this.db.prepare('SELECT name, role FROM studio_labelers WHERE token_sha256 = ?').get(hashToken(token)) as
      | { name: string; role: Role }
      | undefined;
    return r ?? null;
  }

  hasLabeler(name: string): boolean {
    return this.db.prepare('SELECT 1 FROM studio_labelers WHERE name = ?').get(name) !== undefined;
  }

  // ---------- pool ----------

  addItem(prompt: string, relPath: string, gold: number | null): number {
    const info = this.db.prepare('INSERT INTO studio_items (prompt, path, gold) VALUES (?, ?, ?)').run(prompt, relPath, gold);
    return Number(info.lastInsertRowid);
  }

  addPair(prompt: string, items: readonly number[], known: string | null, priority = 0): number {
    const info = this.db
      .prepare('INSERT INTO studio_pairs (prompt, items, known, priority) VALUES (?, ?, ?, ?)')
      .run(prompt, JSON.stringify(items), known, priority);
    return Number(info.lastInsertRowid);
  }

  item(id: number): PoolItem | null {
    return (this.db.prepare('SELECT * FROM studio_items WHERE id = ?').get(id) as PoolItem | undefined) ?? null;
  }

  items(): PoolItem[] {
    return this.db.prepare('SELECT * FROM studio_items ORDER BY id').all() as PoolItem[];
  }

  pair(id: number): PoolPair | null {
    const r = this.db.prepare('SELECT * FROM studio_pairs WHERE id = ?').get(id) as Record<string, unknown> | undefined;
    return r === undefined ? null : pairRow(r);
  }

  pairs(): PoolPair[] {
    return (this.db.prepare('SELECT * FROM studio_pairs ORDER BY id').all() as Record<string, unknown>[]).map(pairRow);
  }

  /** Sets the active-learning priority of many pairs in one transaction. */
  setPriorities(priorities: ReadonlyMap<number, number>): void {
    const upd = this.db.prepare('UPDATE studio_pairs SET priority = ? WHERE id = ?');
    this.db.transaction(() => priorities.forEach((p, id) => upd.run(p, id)))();
  }

  // ---------- labels ----------

  /**
   * Records a labeler's answer to `pair` in one transaction: the preference rows (pairwise: one; best-of-4: the
   * chosen item over each other one; a check or a skip: none) and the label row. Returns after the commit.
   */
  label(key: string, pairId: number, labeler: string, choice: Choice): LabelResult {
    const seen = this.db.prepare('SELECT id, preference_ids, correct FROM studio_labels WHERE key = ?');
    const prior = seen.get(key) as { id: number; preference_ids: string; correct: number | null } | undefined;
    if (prior !== undefined) return resultOf(prior, true);
    const pair = this.pair(pairId);
    if (pair === null) throw new LabelError(404, `pair must be a pair of the pool, got id ${pairId}`);
    checkChoice(pair, choice);
    const isCheck = pair.known !== null;
    const correct = isCheck && choice !== 'skip' ? String(choice) === pair.known : null;
    const prefs = isCheck || choice === 'skip' ? [] : this.preferencesOf(pair, choice, labeler);
    const ins = this.db.prepare(
      `INSERT INTO studio_labels (key, pair_id, labeler, choice, is_check, correct, preference_ids, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const markDone = this.db.prepare('UPDATE studio_pairs SET done = 1 WHERE id = ?');
    return this.db.transaction((): LabelResult => {
      const ids = insertPreferences(this.db, prefs);
      if (choice !== 'skip') markDone.run(pairId);
      const info = ins.run(key, pairId, labeler, String(choice), isCheck ? 1 : 0, correct === null ? null : correct ? 1 : 0, JSON.stringify(ids), new Date().toISOString());
      return { labelId: Number(info.lastInsertRowid), preferenceIds: ids, correct, duplicate: false };
    }).immediate();
  }

  /** Undoes the labeler's newest label that is not undone yet: its preference rows are deleted. Returns its pair. */
  undo(labeler: string): number | null {
    return this.db.transaction((): number | null => {
      const r = this.db
        .prepare('SELECT id, pair_id, preference_ids FROM studio_labels WHERE labeler = ? AND undone = 0 ORDER BY id DESC LIMIT 1')
        .get(labeler) as { id: number; pair_id: number; preference_ids: string } | undefined;
      if (r === undefined) return null;
      const del = this.db.prepare('DELETE FROM preferences WHERE id = ?');
      for (const id of JSON.parse(r.preference_ids) as number[]) del.run(id);
      this.db.prepare('UPDATE studio_labels SET undone = 1 WHERE id = ?').run(r.id);
      this.db
        .prepare(
          `UPDATE studio_pairs SET done = 0 WHERE id = ? AND NOT EXISTS
             (SELECT 1 FROM studio_labels WHERE pair_id = ? AND undone = 0 AND choice != 'skip')`,
        )
        .run(r.pair_id, r.pair_id);
      return r.pair_id;
    }).immediate();
  }

  /** Per-labeler counts: labels given (not undone), checks answered and how many of them were right. */
  agreement(): Agreement[] {
    return (
      this.db
        .prepare(
          `SELECT l.name AS labeler,
             COALESCE(SUM(CASE WHEN s.choice != 'skip' AND s.is_check = 0 THEN 1 ELSE 0 END), 0) AS labels,
             COALESCE(SUM(CASE WHEN s.is_check = 1 AND s.correct IS NOT NULL THEN 1 ELSE 0 END), 0) AS checks,
             COALESCE(SUM(CASE WHEN s.is_check = 1 AND s.correct = 1 THEN 1 ELSE 0 END), 0) AS correct
           FROM studio_labelers l LEFT JOIN studio_labels s ON s.labeler = l.name AND s.undone = 0
           GROUP BY l.name ORDER BY l.name`,
        )
        .all() as Agreement[]
    );
  }

  /** How many answers (not undone, skips excluded) the labeler gave, checks included. */
  answered(labeler: string): number {
    const r = this.db
      .prepare("SELECT COUNT(*) AS n FROM studio_labels WHERE labeler = ? AND undone = 0 AND choice != 'skip'")
      .get(labeler) as { n: number };
    return r.n;
  }

  labelCount(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM studio_labels WHERE undone = 0').get() as { n: number }).n;
  }

  /** Ids of the pairs that hold a label (not undone, not a skip): the queue serves them no more. */
  donePairIds(): Set<number> {
    return new Set((this.db.prepare('SELECT id FROM studio_pairs WHERE done = 1').all() as { id: number }[]).map((r) => r.id));
  }

  private preferencesOf(pair: PoolPair, choice: number | 'tie', labeler: string): PreferenceInput[] {
    const paths = pair.items.map((id) => this.item(id)!.path);
    const base = { prompt: pair.prompt, source: 'human', labeler };
    if (choice === 'tie') return [{ ...base, aPath: paths[0]!, bPath: paths[1]!, winner: 'tie' as Winner }];
    return paths
      .filter((_, i) => i !== choice)
      .map((other) => ({ ...base, aPath: paths[choice]!, bPath: other, winner: 'a' as Winner }));
  }
}

/** A request the label database refuses (the status code the API answers with, and a one-line message). */
export class LabelError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

function checkChoice(pair: PoolPair, choice: Choice): void {
  if (choice === 'skip') return;
  if (choice === 'tie') {
    if (pair.items.length !== 2) throw new LabelError(400, `choice must be an item index for best-of-${pair.items.length}, got 'tie'`);
    return;
  }
  if (!Number.isInteger(choice) || choice < 0 || choice >= pair.items.length) {
    throw new LabelError(400, `choice must be an index 0..${pair.items.length - 1}, 'tie' or 'skip', got ${JSON.stringify(choice)}`);
  }
}

function pairRow(r: Record<string, unknown>): PoolPair {
  return {
    id: Number(r['id']),
    prompt: String(r['prompt']),
    items: JSON.parse(String(r['items'])) as number[],
    known: r['known'] === null ? null : String(r['known']),
    priority: Number(r['priority']),
  };
}

function resultOf(r: { id: number; preference_ids: string; correct: number | null }, duplicate: boolean): LabelResult {
  return { labelId: r.id, preferenceIds: JSON.parse(r.preference_ids) as number[], correct: r.correct === null ? null : r.correct === 1, duplicate };
}
