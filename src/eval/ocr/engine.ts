/**
 * A pool of tesseract.js workers, configured to run fully offline, with an explicit lifecycle:
 * `await OcrEngine.create()` once, `read()` any number of batches, `await terminate()` at the end (or use
 * `withOcrEngine`, which terminates even when the body throws). Workers are worker_threads holding a WASM build of
 * Tesseract; each takes about a second to start, so they are made once, not per image.
 *
 * Offline by construction: the language data comes from the npm package @tesseract.js-data/eng (gzipped, read
 * from disk — tesseract.js only fetches when langPath is a URL or unset), and cacheMethod 'none' stops it from
 * reading or writing a cached eng.traineddata in the working directory. The WASM core is `require`d from
 * tesseract.js-core, also on disk.
 *
 * Engine choice: tesseract's legacy (pre-LSTM) classifier reads isolated characters far better than the LSTM
 * line recogniser — measured on the 324 clean single characters of 3 DejaVu fonts × 3 styles × 36 characters:
 * 99.7% vs 88.9% exactly right — so 'legacy' is the default. It needs the full traineddata in the package's
 * 4.0.0 folder (the 4.0.0_best_int folder is LSTM-only).
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import Tesseract from 'tesseract.js';

/** Page segmentation per request: one character (psm 10), one word (psm 8) or one line (psm 7). */
export type OcrMode = 'char' | 'word' | 'line';
const PSM: Readonly<Record<OcrMode, string>> = Object.freeze({ char: '10', word: '8', line: '7' });

export type OcrRecognizer = 'legacy' | 'lstm';

export interface OcrEngineOptions {
  /** Parallel tesseract workers (each a thread, ≈ 30–60 MB). */
  workers: number;
  recognizer: OcrRecognizer;
  /** Folder holding eng.traineddata.gz; default: the @tesseract.js-data/eng package's folder for `recognizer`. */
  langPath?: string;
}

export const DEFAULT_OCR_ENGINE: Readonly<OcrEngineOptions> = Object.freeze({ workers: 1, recognizer: 'legacy' });

export interface OcrRequest {
  /** An encoded image (PNG) — see preprocess.ts. */
  png: Buffer;
  mode: OcrMode;
  /** Characters tesseract may output (its whitelist); '' allows all. */
  charset: string;
}

export interface OcrReading {
  text: string;
  /** Tesseract's mean confidence, 0–100. */
  confidence: number;
}

/**
 * The legacy classifier adapts to the fonts it has seen on earlier pages of the same worker, which would make a
 * reading depend on what else was in the batch (and on which worker got the image). A reward must be a function
 * of the image alone, so adaptation is switched off.
 */
const STATELESS = Object.freeze({ classify_enable_learning: '0', classify_enable_adaptive_matcher: '0' });

interface PoolWorker {
  worker: Tesseract.Worker;
  /** The psm + whitelist last set, to skip redundant setParameters calls. */
  params: string;
}

/** The folder of @tesseract.js-data/eng holding the data `recognizer` needs. */
export function defaultLangPath(recognizer: OcrRecognizer): string {
  const require = createRequire(import.meta.url);
  const pkg = path.dirname(require.resolve('@tesseract.js-data/eng/package.json'));
  return path.join(pkg, recognizer === 'legacy' ? '4.0.0' : '4.0.0_best_int');
}

export class OcrEngine {
  #pool: PoolWorker[];
  /** Serialises read() calls: worker parameters are per-worker state shared by every caller. */
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(pool: PoolWorker[]) {
    this.#pool = pool;
  }

  static async create(opts: Partial<OcrEngineOptions> = {}): Promise<OcrEngine> {
    const o = { ...DEFAULT_OCR_ENGINE, ...opts };
    if (!Number.isInteger(o.workers) || o.workers < 1) {
      throw new Error(`refract ocr: workers must be a positive integer, got ${o.workers}`);
    }
    const oem = o.recognizer === 'legacy' ? Tesseract.OEM.TESSERACT_ONLY : Tesseract.OEM.LSTM_ONLY;
    const langPath = o.langPath ?? defaultLangPath(o.recognizer);
    const started = await Promise.allSettled(
      Array.from({ length: o.workers }, () =>
        Tesseract.createWorker('eng', oem, { langPath, gzip: true, cacheMethod: 'none' }),
      ),
    );
    const pool = started.flatMap((s) => (s.status === 'fulfilled' ? [{ worker: s.value, params: '' }] : []));
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) {
      await Promise.allSettled(pool.map((p) => p.worker.terminate()));
      throw new Error(
        `refract ocr: tesseract workers must start from ${langPath}, got ${String(failed.reason)} — check that ` +
          '@tesseract.js-data/eng is installed (nothing is downloaded)',
      );
    }
    return new OcrEngine(pool);
  }

  get open(): boolean {
    return this.#pool.length > 0;
  }

  /** Reads every request; results are in request order. Requests are spread over the workers. */
  read(requests: readonly OcrRequest[]): Promise<OcrReading[]> {
    if (!this.open)
      return Promise.reject(new Error('refract ocr: engine must be open, got terminated — create a new OcrEngine'));
    const run = this.#queue.then(() => this.#readAll(requests));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #readAll(requests: readonly OcrRequest[]): Promise<OcrReading[]> {
    // A read queued behind terminate() finds the pool gone.
    if (!this.open) throw new Error('refract ocr: engine must be open, got terminated — create a new OcrEngine');
    const out = new Array<OcrReading>(requests.length);
    // Grouping by parameters keeps setParameters calls to a few per batch.
    const order = requests.map((_, i) => i).sort((a, b) => key(requests[a]).localeCompare(key(requests[b])));
    let next = 0;
    const drain = async (pw: PoolWorker): Promise<void> => {
      while (next < order.length) {
        const i = order[next++];
        const r = requests[i];
        if (pw.params !== key(r)) {
          await pw.worker.setParameters({
            tessedit_pageseg_mode: PSM[r.mode] as Tesseract.PSM,
            tessedit_char_whitelist: r.charset,
            ...STATELESS,
          });
          pw.params = key(r);
        }
        const { data } = await pw.worker.recognize(r.png);
        out[i] = { text: data.text.trim(), confidence: data.confidence };
      }
    };
    await Promise.all(this.#pool.map(drain));
    return out;
  }

  /** Stops every worker thread. Safe to call twice. */
  async terminate(): Promise<void> {
    const pool = this.#pool;
    this.#pool = [];
    await this.#queue;
    await Promise.allSettled(pool.map((p) => p.worker.terminate()));
  }
}

/** Runs `fn` with a fresh engine and terminates it afterwards, even when `fn` throws. */
export async function withOcrEngine<T>(
  fn: (engine: OcrEngine) => Promise<T>,
  opts: Partial<OcrEngineOptions> = {},
): Promise<T> {
  const engine = await OcrEngine.create(opts);
  try {
    return await fn(engine);
  } finally {
    await engine.terminate();
  }
}

function key(r: OcrRequest): string {
  return `${r.mode}|${r.charset}`;
}
