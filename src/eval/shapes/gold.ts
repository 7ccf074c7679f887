/**
 * The gold evaluator of the shapes world: does an image follow a prompt? Reads only the image (detect.ts) and
 * the prompt's structure — never the scene that was rendered — so it judges generated images the same way.
 *
 * Rules, after GenEval's `evaluate` (djghosh13/geneval, evaluation/evaluate_images.py), mode 'geneval':
 * - every prompt object needs at least `count` detections of its shape, and if it names a colour at least
 *   `count` of them in that colour;
 * - counting also fails on more than N of the shape (GenEval's "exclude count N+1");
 * - position needs every detection matching the subject to stand in the relation to every detection matching
 *   the reference (relation.ts). GenEval checks only the most confident detection; we have no confidences, so
 *   we check them all — the conservative reading;
 * - unmentioned objects are ignored.
 * Mode 'strict' additionally fails on anything the prompt does not account for (see `unaccountedObjects`):
 * the image must show exactly the prompt's objects — the closed-world reading, useful as a hacking-proof gold.
 */
import type { RGBImage } from '../../data/image.js';
import type { ShapesPrompt } from '../../data/shapes/types.js';
import { DEFAULT_DETECT_OPTIONS, detectObjects, type DetectedObject, type DetectOptions } from './detect.js';
import { GENEVAL_POSITION_THRESHOLD, relativePosition } from './relation.js';

export type GoldMode = 'geneval' | 'strict';

export interface GoldOptions extends DetectOptions {
  mode: GoldMode;
  /** GenEval's POSITION_THRESHOLD: the margin, as a fraction of box sizes, objects must clear each other by. */
  positionThreshold: number;
}

export const DEFAULT_GOLD_OPTIONS: Readonly<GoldOptions> = Object.freeze({
  ...DEFAULT_DETECT_OPTIONS,
  mode: 'geneval',
  positionThreshold: GENEVAL_POSITION_THRESHOLD,
});

/**
 * What kind of requirement an image failed: a named shape too few times (`missing`), in the wrong colour (`colour`),
 * too many times for a count (`too_many`), a relation that does not hold — another one does (`wrong_relation`) or
 * none clears the margin (`no_relation`) — or, in strict mode, an object the prompt does not account for (`extra`).
 */
export const FAILURE_KINDS = ['missing', 'colour', 'too_many', 'wrong_relation', 'no_relation', 'extra'] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];

export interface GoldJudgement {
  ok: boolean;
  /** Human-readable failures, GenEval's phrasing ("expected circle>=1, found 0"); empty when ok. */
  reasons: string[];
  /** The kind of each reason, in the same order. */
  kinds: FailureKind[];
}

export interface GoldResult extends GoldJudgement {
  detected: DetectedObject[];
}

interface Failure {
  kind: FailureKind;
  reason: string;
}

function colourSummary(ds: readonly DetectedObject[]): string {
  const counts = new Map<string, number>();
  for (const d of ds) counts.set(d.color, (counts.get(d.color) ?? 0) + 1);
  return [...counts].map(([c, n]) => `${n} ${c}`).join(', ') || 'none';
}

function label(d: DetectedObject): string {
  return `${d.color} ${d.shape} at (${((d.box[0] + d.box[2]) / 2).toFixed(1)}, ${((d.box[1] + d.box[3]) / 2).toFixed(1)})`;
}

/** Failures of the position rule (empty when it holds or the prompt has no relation). */
function positionReasons(prompt: ShapesPrompt, groups: DetectedObject[][], threshold: number): Failure[] {
  const rel = prompt.relation;
  if (rel === undefined) return [];
  const [subjects, refs] = groups;
  for (const a of subjects) {
    for (const b of refs) {
      const found = relativePosition(a.box, b.box, threshold);
      if (!found.has(rel)) {
        const got = [...found].join(' and ') || 'no clear relation';
        const reason = `expected ${prompt.objects[0].shape} ${rel} ${prompt.objects[1].shape}, found ${got}`;
        return [{ kind: found.size > 0 ? 'wrong_relation' : 'no_relation', reason }];
      }
    }
  }
  return [];
}

/** GenEval-mode failures of `prompt` given the detections. */
function genevalReasons(prompt: ShapesPrompt, detected: readonly DetectedObject[], threshold: number): Failure[] {
  const reasons: Failure[] = [];
  const groups: DetectedObject[][] = [];
  for (const o of prompt.objects) {
    const ofShape = detected.filter((d) => d.shape === o.shape);
    const matching = o.color === undefined ? ofShape : ofShape.filter((d) => d.color === o.color);
    groups.push(matching);
    if (ofShape.length < o.count) {
      reasons.push({ kind: 'missing', reason: `expected ${o.shape}>=${o.count}, found ${ofShape.length}` });
    } else if (matching.length < o.count) {
      reasons.push({ kind: 'colour', reason: `expected ${o.color} ${o.shape}>=${o.count}, found ${colourSummary(ofShape)}` });
    }
    if (prompt.category === 'counting' && ofShape.length > o.count) {
      reasons.push({ kind: 'too_many', reason: `expected ${o.shape}<${o.count + 1}, found ${ofShape.length}` });
    }
  }
  return reasons.concat(positionReasons(prompt, groups, threshold));
}

/**
 * Per detection: true when the prompt does not account for it. Each prompt object claims up to `count`
 * unclaimed detections of its shape (and colour, if named), largest first; everything unclaimed — unknown
 * blobs, unmentioned shapes, wrong colours, surplus copies — is unaccounted, and so are both members of a
 * claimed subject/reference pair that breaks the prompt's relation.
 */
export function unaccountedObjects(
  prompt: ShapesPrompt,
  detected: readonly DetectedObject[],
  positionThreshold = GENEVAL_POSITION_THRESHOLD,
): boolean[] {
  const wrong = detected.map(() => true);
  const claimed: number[][] = [];
  for (const o of prompt.objects) {
    const idx = detected
      .map((d, i) => ({ d, i }))
      .filter(({ d, i }) => wrong[i] && d.shape === o.shape && (o.color === undefined || d.color === o.color))
      .sort((a, b) => b.d.area - a.d.area)
      .slice(0, o.count)
      .map(({ i }) => i);
    for (const i of idx) wrong[i] = false;
    claimed.push(idx);
  }
  if (prompt.relation !== undefined) {
    for (const a of claimed[0]) {
      for (const b of claimed[1]) {
        if (relativePosition(detected[a].box, detected[b].box, positionThreshold).has(prompt.relation)) continue;
        wrong[a] = true;
        wrong[b] = true;
      }
    }
  }
  return wrong;
}

/** Judges already-detected objects (lets a caller detect once and reuse the detections). */
export function judgeDetections(
  prompt: ShapesPrompt,
  detected: readonly DetectedObject[],
  opts: Partial<GoldOptions> = {},
): GoldJudgement {
  const o = { ...DEFAULT_GOLD_OPTIONS, ...opts };
  const failures = genevalReasons(prompt, detected, o.positionThreshold);
  if (o.mode === 'strict') {
    const wrong = unaccountedObjects(prompt, detected, o.positionThreshold);
    detected.forEach((d, i) => {
      if (wrong[i]) failures.push({ kind: 'extra', reason: `unexpected ${label(d)}` });
    });
  }
  return { ok: failures.length === 0, reasons: failures.map((f) => f.reason), kinds: failures.map((f) => f.kind) };
}

/** Does `image` follow `prompt`? */
export function evaluatePrompt(prompt: ShapesPrompt, image: RGBImage, opts: Partial<GoldOptions> = {}): GoldResult {
  const detected = detectObjects(image, opts);
  return { ...judgeDetections(prompt, detected, opts), detected };
}

/**
 * Dense failure map for per-pixel credit: H·W values, 1 on the pixels of every object the prompt does not
 * account for (`unaccountedObjects`), 0 elsewhere. A missing object has no pixels to mark, so a blank image
 * scores all zeros here — pair the map with the sample-level `ok`. Mode-independent: in 'strict' mode ok implies
 * an all-zero map; in 'geneval' mode an ok image may still show marked extras that GenEval tolerates.
 */
export function wrongPixelMap(prompt: ShapesPrompt, image: RGBImage, opts: Partial<GoldOptions> = {}): Float32Array {
  const o = { ...DEFAULT_GOLD_OPTIONS, ...opts };
  const detected = detectObjects(image, o);
  const wrong = unaccountedObjects(prompt, detected, o.positionThreshold);
  const map = new Float32Array(image.width * image.height);
  detected.forEach((d, i) => {
    if (wrong[i]) for (const p of d.pixels) map[p] = 1;
  });
  return map;
}
