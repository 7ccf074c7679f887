// Reading and writing safetensors files (huggingface/safetensors; format and validation in safetensors-header.ts).
// Loading reads the header first and checks it against the file size before allocating any tensor, then reads
// each tensor's bytes at its offset, so a corrupt or hostile file fails with a message instead of a huge read.
// Saving writes to a temporary file in the same folder and renames it over the target: rename(2) is atomic on
// one filesystem, so a crash leaves either the old file or the new one, never half of one.
import { closeSync, fstatSync, fsyncSync, openSync, readSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Tensor } from './tensor.js';
import { fromBytes } from './creation.js';
import { disposeAll, scope } from './memory.js';
import { isFloatingPoint, type DType } from './dtype.js';
import {
  SafetensorsError,
  decodeHeaderJson,
  decodeHeaderLength,
  encodeHeader,
  planLayout,
  type SafetensorsEntry,
  type SafetensorsHeader,
} from './safetensors-header.js';

export { SafetensorsError, type SafetensorsEntry, type SafetensorsHeader } from './safetensors-header.js';

/** Named tensors to save: a Map (a module's stateDict()) or a plain record. */
export type TensorDict = ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>;

export interface SaveOptions {
  /**
   * Casts every floating-point tensor to this dtype before writing (integer and bool tensors are kept), e.g.
   * 'float16' for small shipped checkpoints. A value beyond the target's range throws instead of turning into ±inf.
   */
  dtype?: 'float16' | 'bfloat16' | 'float32' | 'float64';
}

export interface LoadedSafetensors {
  /** The tensors in file order (ascending offsets). */
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

/** Reads positioned byte ranges of a file or buffer; `size` is its total length. */
interface ByteSource {
  size: number;
  read(offset: number, length: number): Uint8Array;
}

interface PlannedTensor {
  entry: SafetensorsEntry;
  tensor: Tensor;
}

// ---------- writing ----------

/** The complete file as one Buffer (for small dicts, tests and network transfer). */
export function serializeSafetensors(
  tensors: TensorDict,
  metadata: Record<string, string> = {},
  opts: SaveOptions = {},
): Buffer {
  const { header, planned } = prepare(tensors, metadata, opts, '<buffer>');
  const parts = [header, ...planned.map((p) => tensorBytes(p, opts, '<buffer>'))];
  return Buffer.concat(parts);
}

/** Writes `tensors` to `file` atomically (temp file + fsync + rename). */
export function saveSafetensors(
  file: string,
  tensors: TensorDict,
  metadata: Record<string, string> = {},
  opts: SaveOptions = {},
): void {
  const { header, planned } = prepare(tensors, metadata, opts, file);
  const suffix = `${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${suffix}`);
  let fd: number | undefined = openTemp(temp, file);
  try {
    writeAll(fd, header);
    for (const p of planned) writeAll(fd, tensorBytes(p, opts, file));
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temp, file);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(temp);
    } catch {
      // already gone: nothing to clean up
    }
    throw err;
  }
  syncFolder(path.dirname(file));
}

function openTemp(temp: string, file: string): number {
  try {
    return openSync(temp, 'wx');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    const folder = path.dirname(file);
    throw new SafetensorsError(file, undefined, `folder ${folder} must exist and be writable, got ${code} — fix it`);
  }
}

function prepare(
  tensors: TensorDict,
  metadata: Record<string, string>,
  opts: SaveOptions,
  file: string,
): { header: Buffer; planned: PlannedTensor[] } {
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== 'string') {
      throw new SafetensorsError(file, undefined, `metadata.${k} must be a string, got ${typeof v} — stringify it`);
    }
  }
  const byName = new Map<string, Tensor>();
  for (const [name, t] of entriesOf(tensors)) {
    if (name === '__metadata__') {
      const what = 'name must be anything but "__metadata__" (the spec reserves it), got "__metadata__"';
      throw new SafetensorsError(file, name, `${what} — rename the tensor`);
    }
    if (!(t instanceof Tensor) || t.disposed) {
      throw new SafetensorsError(file, name, `value must be a live Tensor, got ${describeValue(t)} — pass tensors`);
    }
    byName.set(name, t);
  }
  const items = [...byName].map(([name, t]) => ({ name, dtype: targetDType(t.dtype, opts), shape: t.shape }));
  const entries = planLayout(items);
  const planned = entries.map((entry) => ({ entry, tensor: byName.get(entry.name)! }));
  return { header: encodeHeader(entries, metadata), planned };
}

function entriesOf(tensors: TensorDict): Iterable<[string, Tensor]> {
  return tensors instanceof Map ? tensors.entries() : Object.entries(tensors as Record<string, Tensor>);
}

function targetDType(dtype: DType, opts: SaveOptions): DType {
  return opts.dtype !== undefined && isFloatingPoint(dtype) ? opts.dtype : dtype;
}

/** The tensor's little-endian element bytes in its saved dtype (toBytes copies a contiguous, detached view). */
function tensorBytes({ entry, tensor }: PlannedTensor, opts: SaveOptions, file: string): Uint8Array {
  if (entry.dtype === tensor.dtype) return new Uint8Array(tensor.toTypedArray().buffer);
  using cast = tensor.to(entry.dtype);
  if (opts.dtype !== undefined) checkNoOverflow(tensor, cast, entry, file);
  return new Uint8Array(cast.toTypedArray().buffer);
}

/** A finite value that became ±inf in the narrower dtype would silently corrupt the checkpoint. */
function checkNoOverflow(source: Tensor, cast: Tensor, entry: SafetensorsEntry, file: string): void {
  const countInf = (t: Tensor): number =>
    scope(() => t.isfinite().logicalNot().logicalAnd(t.isnan().logicalNot()).sum().item());
  const before = countInf(source);
  const after = countInf(cast);
  if (after > before) {
    throw new SafetensorsError(
      file,
      entry.name,
      `values must fit in ${entry.dtype}, got ${after - before} finite values that overflow to ±inf — ` +
        `save it without the dtype option, or rescale it`,
    );
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
}

/** fsync the folder so the rename itself survives a power loss; best effort where folders cannot be opened. */
function syncFolder(folder: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(folder, 'r');
    fsyncSync(fd);
  } catch {
    // Not supported on every platform (e.g. Windows); the data itself is already synced.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

// ---------- reading ----------

/** Parses a whole safetensors file held in memory; `name` labels errors. */
export function deserializeSafetensors(bytes: Uint8Array, name = '<buffer>'): LoadedSafetensors {
  return readFrom({ size: bytes.length, read: (o, n) => bytes.subarray(o, o + n) }, name);
}

export function loadSafetensors(file: string): LoadedSafetensors {
  return withFile(file, (src) => readFrom(src, file));
}

/** Only the header (names, dtypes, shapes, offsets, metadata), validated against the file size. */
export function readSafetensorsHeader(file: string): SafetensorsHeader {
  return withFile(file, (src) => readHeader(src, file));
}

function readHeader(src: ByteSource, file: string): SafetensorsHeader {
  const n = decodeHeaderLength(src.read(0, Math.min(8, src.size)), src.size, file);
  return decodeHeaderJson(src.read(8, n), src.size - 8 - n, file);
}

function readFrom(src: ByteSource, file: string): LoadedSafetensors {
  const header = readHeader(src, file);
  const start = 8 + header.headerLength;
  const tensors = new Map<string, Tensor>();
  try {
    for (const e of header.entries) {
      const bytes = src.read(start + e.begin, e.end - e.begin);
      if (e.dtype === 'bool') checkBools(bytes, e, file);
      tensors.set(e.name, fromBytes(bytes, e.shape, e.dtype));
    }
  } catch (err) {
    disposeAll(tensors);
    throw err;
  }
  return { tensors, metadata: header.metadata };
}

/** libtorch assumes bool bytes are 0 or 1; any other byte would make comparisons and sums undefined. */
function checkBools(bytes: Uint8Array, e: SafetensorsEntry, file: string): void {
  const i = bytes.findIndex((b) => b > 1);
  if (i >= 0) {
    throw new SafetensorsError(
      file,
      e.name,
      `BOOL bytes must be 0 or 1, got ${bytes[i]} at element ${i} — ` +
        'the file is corrupt or was written by a non-conforming tool',
    );
  }
}

function withFile<T>(file: string, fn: (src: ByteSource) => T): T {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'an error';
    throw new SafetensorsError(file, undefined, `file must be readable, got ${code} — check the path`);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) {
      throw new SafetensorsError(file, undefined, 'path must be a regular file, got a folder or device — check it');
    }
    return fn({ size: stat.size, read: (offset, length) => readAt(fd, offset, length, file) });
  } finally {
    closeSync(fd);
  }
}

function readAt(fd: number, offset: number, length: number, file: string): Uint8Array {
  const buf = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buf, done, length - done, offset + done);
    if (n === 0) {
      throw new SafetensorsError(
        file,
        undefined,
        `file must hold ${offset + length} bytes, got ${offset + done} — ` +
          'it shrank while being read; retry once it is written',
      );
    }
    done += n;
  }
  return buf;
}

// ---------- state dicts ----------

/**
 * Saves a module's state dict (name → tensor). Adds `format: "pt"`, which Hugging Face loaders check for, unless
 * the caller's metadata sets it.
 */
export function saveStateDict(
  file: string,
  stateDict: ReadonlyMap<string, Tensor>,
  opts: SaveOptions & { metadata?: Record<string, string> } = {},
): void {
  saveSafetensors(file, stateDict, { format: 'pt', ...opts.metadata }, opts);
}

/** Loads a state dict saved by saveStateDict (or any safetensors file), in file order. */
export function loadStateDictFile(file: string): Map<string, Tensor> {
  return loadSafetensors(file).tensors;
}

function describeValue(v: unknown): string {
  if (v instanceof Tensor) return 'a disposed Tensor';
  return v === null ? 'null' : typeof v;
}
