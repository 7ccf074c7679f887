/**
 * The OCR reward's arithmetic: Levenshtein distance and Flow-GRPO's normalised accuracy.
 *
 * Flow-GRPO (arXiv 2505.05470; yifan123/flow_grpo, flow_grpo/ocr.py) scores a rendering by
 *   r = 1 − min(d(read, target), |target|) / |target|
 * after removing spaces and lower-casing both strings, with d the Levenshtein (edit) distance. Clipping d at
 * |target| keeps r in [0, 1] when OCR reads long garbage. We follow it exactly, except that an empty target
 * scores 1 for an empty reading and 0 otherwise (flow_grpo never sees empty targets).
 */

/** Levenshtein distance: the fewest single-character insertions, deletions and substitutions from a to b. */
export function levenshtein(a: string, b: string): number {
  const s = [...a];
  const t = [...b];
  if (s.length === 0) return t.length;
  if (t.length === 0) return s.length;
  // One row of the dynamic-programming table at a time: prev[j] = d(s[0..i), t[0..j)).
  let prev = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const cur = [i];
    for (let j = 1; j <= t.length; j++) {
      const sub = prev[j - 1] + (s[i - 1] === t[j - 1] ? 0 : 1);
      cur.push(Math.min(sub, prev[j] + 1, cur[j - 1] + 1));
    }
    prev = cur;
  }
  return prev[t.length];
}

/** What both strings go through before comparison: whitespace removed, lower-cased (as flow_grpo). */
export function normalizeOcrText(s: string): string {
  return s.replace(/\s+/g, '').toLowerCase();
}

/** 1 − min(d, |target|)/|target| on normalised strings, in [0, 1]. */
export function ocrAccuracy(read: string, target: string): number {
  const r = normalizeOcrText(read);
  const t = normalizeOcrText(target);
  if (t.length === 0) return r.length === 0 ? 1 : 0;
  return 1 - Math.min(levenshtein(r, t), t.length) / t.length;
}

/** The quoted text of a prompt (flow_grpo takes the part between the first two double quotes), else the prompt. */
export function quotedTarget(prompt: string): string {
  const m = /"([^"]*)"/.exec(prompt);
  return m ? m[1] : prompt;
}
