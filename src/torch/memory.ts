// Deterministic lifetime of native tensors (STYLE §8): dispose(), `using`, and scope() — which frees every tensor
// made inside except what the callback returns (tfjs's tidy, PyTorch has no need for it thanks to refcounting).
// A FinalizationRegistry (in tensor.ts) is only the backstop for tensors nobody disposed.

export const TRACKED: unique symbol = Symbol('refract.tracked');
/** Called when no scope owns a tracked value any more (kept, or returned past the outermost scope). */
export const UNSCOPED: unique symbol = Symbol('refract.unscoped');

/** Something that owns native memory and can be tracked by a scope. */
export interface Tracked {
  dispose(): void;
  readonly disposed: boolean;
  /**
   * No scope will free it now: arrange a GC backstop (tensor.ts registers with its FinalizationRegistry here, not at
   * creation — a tensor a scope owns is freed by the scope, and registering every intermediate cost a weak cell and
   * GC work per op; issue #11).
   */
  [UNSCOPED]?(): void;
}

const frames: Set<Tracked>[] = [];

/** Called by every newly made tensor; false when no scope is open (the caller must arrange its own backstop). */
export function track(t: Tracked): boolean {
  if (frames.length === 0) return false;
  frames[frames.length - 1]!.add(t);
  return true;
}

/** Removes a tensor from the innermost scope so it outlives it (e.g. module parameters, optimizer state). */
export function keep<T extends Tracked>(t: T): T {
  for (let i = frames.length - 1; i >= 0; i--) frames[i]!.delete(t);
  t[UNSCOPED]?.();
  return t;
}

function isTracked(v: unknown): v is Tracked {
  return typeof v === 'object' && v !== null && (v as Record<symbol, unknown>)[TRACKED] === true;
}

/** Collects the tracked values reachable through arrays, Maps and plain objects of a scope's result. */
function collectReturned(v: unknown, out: Set<Tracked>, depth = 0): void {
  if (depth > 8 || v === null || typeof v !== 'object') return;
  if (isTracked(v)) {
    out.add(v);
    return;
  }
  if (Array.isArray(v)) {
    for (const e of v) collectReturned(e, out, depth + 1);
  } else if (v instanceof Map) {
    for (const e of v.values()) collectReturned(e, out, depth + 1);
  } else if (Object.getPrototypeOf(v) === Object.prototype) {
    for (const e of Object.values(v as Record<string, unknown>)) collectReturned(e, out, depth + 1);
  }
}

/**
 * Runs `fn` and frees every tensor created inside it except those it returns (found in arrays, Maps and plain
 * objects). Returned tensors move to the enclosing scope. Synchronous only: an async callback would let other
 * work's tensors land in this scope; dispose those by hand.
 */
export function scope<T>(fn: () => T): T {
  const frame = new Set<Tracked>();
  frames.push(frame);
  let result: T;
  try {
    result = fn();
  } catch (err) {
    frames.pop();
    for (const t of frame) if (!t.disposed) t.dispose();
    throw err;
  }
  frames.pop();
  if (result instanceof Promise) {
    throw new TypeError('scope(fn): fn must be synchronous; got a Promise — dispose tensors by hand in async code');
  }
  const returned = new Set<Tracked>();
  collectReturned(result, returned);
  for (const t of frame) {
    if (returned.has(t)) {
      if (!track(t)) t[UNSCOPED]?.();
    } else if (!t.disposed) {
      t.dispose();
    }
  }
  return result;
}

/** Disposes every tracked value reachable in `v` (arrays, Maps, plain objects). */
export function disposeAll(v: unknown): void {
  const found = new Set<Tracked>();
  collectReturned(v, found);
  for (const t of found) if (!t.disposed) t.dispose();
}
