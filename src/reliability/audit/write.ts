// Writes an audit's outputs: `reward-cards.json` (the AuditReport: cards, ranking, cross-reward agreement) and
// `audit.html`, each atomically (temp file + rename) so a reader never sees half a file.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { AuditRun } from './audit.js';
import { auditHtml } from './html.js';

export const CARDS_FILE = 'reward-cards.json';
export const HTML_FILE = 'audit.html';

function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

/** Writes both files under `out`; returns their paths. */
export function writeAuditOutputs(run: AuditRun, out: string): { cards: string; html: string } {
  mkdirSync(out, { recursive: true });
  const cards = path.join(out, CARDS_FILE);
  const html = path.join(out, HTML_FILE);
  // NaN (an undefined correlation) is not JSON: write it as null.
  writeAtomic(
    cards,
    `${JSON.stringify(run.report, (_, v: unknown) => (typeof v === 'number' && Number.isNaN(v) ? null : v), 2)}\n`,
  );
  writeAtomic(html, auditHtml(run));
  return { cards, html };
}
