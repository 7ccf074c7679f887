// The safetensors header: dtype names, layout planning, encoding, and strict decoding with validation.
//
// Format (huggingface/safetensors README, "Format"; reference implementation safetensors/src/tensor.rs):
//   bytes [0, 8)       N, a little-endian u64: the header length
//   bytes [8, 8+N)     UTF-8 JSON: { name: { dtype, shape, data_offsets: [begin, end] }, "__metadata__": {str: str} }
//   bytes [8+N, EOF)   the byte buffer; offsets are relative to its start, C order, little-endian, no strides.
// The reader enforces what tensor.rs `Metadata::validate` enforces (offsets contiguous from 0, covering the whole
// buffer, end − begin = numel·itemsize, header ≤ 100 MB) and names the file and tensor in every error.
// The writer matches `prepare` byte for byte: tensors sorted by descending dtype alignment, then by name, and the
// JSON padded with spaces to a multiple of 8 so the buffer — and with that ordering every tensor — is aligned.
import { TorchError } from './native.js';
import { elementSize, type DType } from './dtype.js';
import { quoteValue } from '../config/errors.js';

/** The safetensors dtype names libtorch 1.13 can hold (U16/U32/U64 and the F8 types have no libtorch 1.13 type). */
export type SafetensorsDTypeName = 'BOOL' | 'U8' | 'I8' | 'I16' | 'F16' | 'BF16' | 'I32' | 'F32' | 'F64' | 'I64';

// `rank` is the position in tensor.rs's `enum Dtype` (declared in increasing alignment); writing in descending
// rank reproduces the reference order. Types we cannot hold are left out, which keeps the relative order.
const DTYPES: ReadonlyArray<{ name: SafetensorsDTypeName; dtype: DType; rank: number }> = [
  { name: 'BOOL', dtype: 'bool', rank: 0 },
  { name: 'U8', dtype: 'uint8', rank: 1 },
  { name: 'I8', dtype: 'int8', rank: 2 },
  { name: 'I16', dtype: 'int16', rank: 5 },
  { name: 'F16', dtype: 'float16', rank: 7 },
  { name: 'BF16', dtype: 'bfloat16', rank: 8 },
  { name: 'I32', dtype: 'int32', rank: 9 },
  { name: 'F32', dtype: 'float32', rank: 11 },
  { name: 'F64', dtype: 'float64', rank: 12 },
  { name: 'I64', dtype: 'int64', rank: 13 },
];
const BY_NAME = new Map(DTYPES.map((d) => [d.name as string, d]));
const BY_DTYPE = new Map(DTYPES.map((d) => [d.dtype, d]));
const KNOWN_UNSUPPORTED = ['U16', 'U32', 'U64', 'F8_E5M2', 'F8_E4M3', 'F8_E8M0', 'F4', 'F6_E2M3', 'F6_E3M2', 'C64'];
const DTYPE_LIST = DTYPES.map((d) => d.name).join(', ');

/** Larger headers are refused, as in tensor.rs (MAX_HEADER_SIZE), so a hostile file cannot make us parse GBs. */
export const MAX_HEADER_BYTES = 100_000_000;
const METADATA_KEY = '__metadata__';

/** A malformed safetensors file or an unsavable input; `file` and `tensor` say where. */
export class SafetensorsError extends TorchError {
  readonly file: string;
  readonly tensor: string | undefined;
  constructor(file: string, tensor: string | undefined, message: string) {
    super(tensor === undefined ? message : `tensor ${quoteValue(tensor)}: ${message}`, `safetensors ${file}`);
    this.name = 'SafetensorsError';
    this.file = file;
    this.tensor = tensor;
  }
}

/** One tensor's record in the header; `begin`/`end` are byte offsets into the buffer. */
export interface SafetensorsEntry {
  name: string;
  dtype: DType;
  shape: number[];
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  /** Entries in buffer order (ascending offsets). */
  entries: SafetensorsEntry[];
  metadata: Record<string, string>;
  /** N, the JSON length in bytes; the buffer starts at byte 8 + N. */
  headerLength: number;
}

export function safetensorsDTypeName(dtype: DType): SafetensorsDTypeName {
  const d = BY_DTYPE.get(dtype);
  if (d === undefined) throw new TypeError(`safetensors: dtype must be one of ${DTYPE_LIST}, got ${dtype}`);
  return d.name;
}

function utf8Compare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Orders tensors as tensor.rs `prepare` does and assigns contiguous offsets from 0. */
export function planLayout(items: ReadonlyArray<{ name: string; dtype: DType; shape: number[] }>): SafetensorsEntry[] {
  const sorted = [...items].sort(
    (a, b) => BY_DTYPE.get(b.dtype)!.rank - BY_DTYPE.get(a.dtype)!.rank || utf8Compare(a.name, b.name),
  );
  let offset = 0;
  return sorted.map(({ name, dtype, shape }) => {
    const begin = offset;
    offset += shape.reduce((n, s) => n * s, 1) * elementSize(dtype);
    return { name, dtype, shape: [...shape], begin, end: offset };
  });
}

/** The 8-byte length prefix followed by the space-padded JSON header. Metadata keys are sorted for determinism. */
export function encodeHeader(entries: ReadonlyArray<SafetensorsEntry>, metadata: Record<string, string>): Buffer {
  // Assembled by hand: a JS object would list integer-like names ("0", "12") first and treat "__proto__" as a
  // prototype, while the JSON must list tensors in buffer order, as tensor.rs writes them.
  const member = (key: string, value: unknown): string => `${JSON.stringify(key)}:${JSON.stringify(value)}`;
  const members: string[] = [];
  const keys = Object.keys(metadata).sort(utf8Compare);
  if (keys.length > 0) {
    members.push(`${JSON.stringify(METADATA_KEY)}:{${keys.map((k) => member(k, metadata[k])).join(',')}}`);
  }
  for (const { name, dtype, shape, begin, end } of entries) {
    members.push(member(name, { dtype: safetensorsDTypeName(dtype), shape, data_offsets: [begin, end] }));
  }
  const json = Buffer.from(`{${members.join(',')}}`, 'utf8');
  const padded = Math.ceil(json.length / 8) * 8;
  const out = Buffer.alloc(8 + padded, 0x20);
  out.writeBigUInt64LE(BigInt(padded), 0);
  json.copy(out, 8);
  return out;
}

/** Throws "safetensors <file>: [tensor "x": ]<what> must be <expected>, got <actual> — <fix>". */
function bad(
  file: string,
  tensor: string | undefined,
  what: string,
  expected: string,
  actual: string,
  fix: string,
): never {
  throw new SafetensorsError(file, tensor, `${what} must be ${expected}, got ${actual} — ${fix}`);
}

const CORRUPT = 'the file is corrupt or was written by a non-conforming tool';

/** Reads N from the first 8 bytes and checks it against the file (or buffer) size `fileSize`. */
export function decodeHeaderLength(first8: Uint8Array, fileSize: number, file: string): number {
  if (fileSize < 8) bad(file, undefined, 'file size', 'at least 8 bytes', `${fileSize}`, 'the file is truncated');
  const n = Buffer.from(first8.buffer, first8.byteOffset, 8).readBigUInt64LE(0);
  if (n > BigInt(MAX_HEADER_BYTES)) {
    bad(file, undefined, 'header length', `at most ${MAX_HEADER_BYTES} bytes`, `${n}`, 'this is not safetensors');
  }
  if (Number(n) + 8 > fileSize) {
    bad(
      file,
      undefined,
      'header length N',
      `≤ ${fileSize - 8} (8 + N within the ${fileSize}-byte file)`,
      `${n}`,
      'the file is truncated or not safetensors',
    );
  }
  if (n < 2n) bad(file, undefined, 'header length', 'at least 2 (the JSON "{}")', `${n}`, CORRUPT);
  return Number(n);
}

/**
 * Parses and validates the JSON header; `bufferSize` is the byte buffer's length (file size − 8 − N).
 * Duplicate names (forbidden by the spec) collapse in JSON.parse to the last one; if their offsets differ the
 * coverage check then reports the orphaned bytes, so no ambiguous file loads silently.
 */
export function decodeHeaderJson(json: Uint8Array, bufferSize: number, file: string): SafetensorsHeader {
  const raw = parseJsonObject(json, file);
  const metadata = readMetadata(raw[METADATA_KEY], file);
  const entries: SafetensorsEntry[] = [];
  for (const [name, value] of Object.entries(raw)) {
    if (name !== METADATA_KEY) entries.push(readEntry(name, value, file));
  }
  // tensor.rs sorts by offsets before validating: writers may list tensors in any order.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  checkCoverage(entries, bufferSize, file);
  return { entries, metadata, headerLength: json.length };
}

function parseJsonObject(json: Uint8Array, file: string): Record<string, unknown> {
  let text = '';
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(json);
  } catch {
    bad(file, undefined, 'header', 'valid UTF-8', 'invalid bytes', CORRUPT);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    bad(file, undefined, 'header', 'valid JSON', `a parse error (${quoteValue((err as Error).message)})`, CORRUPT);
  }
  if (!isObject(value)) bad(file, undefined, 'header', 'a JSON object', describe(value), 'this is not safetensors');
  return value;
}

function readMetadata(value: unknown, file: string): Record<string, string> {
  if (value === undefined) return {};
  const fix = 'the spec allows only text-to-text metadata';
  if (!isObject(value)) bad(file, undefined, `"${METADATA_KEY}"`, 'an object of strings', describe(value), fix);
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') bad(file, undefined, `"${METADATA_KEY}".${k.length > 40 ? `${k.slice(0, 40)}…` : k}`, 'a string', describe(v), fix);
    out[k] = v;
  }
  return { ...out };
}

function readEntry(name: string, value: unknown, file: string): SafetensorsEntry {
  if (!isObject(value)) bad(file, name, 'entry', 'an object {dtype, shape, data_offsets}', describe(value), CORRUPT);
  const { dtype, shape, data_offsets: offsets } = value;
  const known = typeof dtype === 'string' ? BY_NAME.get(dtype) : undefined;
  if (known === undefined) {
    const holdable = typeof dtype === 'string' && KNOWN_UNSUPPORTED.includes(dtype);
    const fix = holdable ? 'libtorch 1.13 has no such type; convert the tensor before saving' : CORRUPT;
    return bad(file, name, 'dtype', `one of ${DTYPE_LIST}`, describe(dtype), fix);
  }
  if (!Array.isArray(shape) || !shape.every(isCount)) {
    bad(file, name, 'shape', 'an array of non-negative integers', describe(shape), CORRUPT);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
    bad(file, name, 'data_offsets', '[begin, end] of non-negative integers', describe(offsets), CORRUPT);
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin) bad(file, name, 'data_offsets', '[begin, end] with begin ≤ end', `[${begin}, ${end}]`, CORRUPT);
  const nbytes = byteSize(shape, known.dtype);
  if (nbytes !== end - begin) {
    const size = nbytes ?? 'an overflowing size';
    const expected = `numel·itemsize = ${size} bytes for ${known.name} ${describe(shape)}`;
    bad(file, name, 'data_offsets span', expected, `${end - begin} ([${begin}, ${end}])`, CORRUPT);
  }
  return { name, dtype: known.dtype, shape: [...shape], begin, end };
}

/** Offsets must tile [0, bufferSize) exactly: no gap (a polyglot file could hide data there), no overlap. */
function checkCoverage(entries: ReadonlyArray<SafetensorsEntry>, bufferSize: number, file: string): void {
  let expected = 0;
  let previous = '';
  for (const e of entries) {
    const span = `[${e.begin}, ${e.end}]`;
    if (e.end > bufferSize) {
      bad(file, e.name, 'data_offsets', `within the ${bufferSize}-byte buffer`, span, 'the file is truncated');
    }
    if (e.begin < expected) {
      const clear = `clear of ${quoteValue(previous)}, which ends at ${expected}`;
      bad(file, e.name, 'data_offsets', clear, span, CORRUPT);
    }
    if (e.begin > expected) {
      bad(
        file,
        e.name,
        'data_offsets',
        `contiguous with the previous tensor (begin = ${expected})`,
        `${span}, leaving bytes [${expected}, ${e.begin}) to no tensor`,
        CORRUPT,
      );
    }
    expected = e.end;
    previous = e.name;
  }
  if (expected !== bufferSize) {
    bad(
      file,
      undefined,
      'bytes covered by tensors',
      `the whole ${bufferSize}-byte buffer`,
      `${expected}`,
      'the trailing bytes belong to no tensor; the file is corrupt',
    );
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** numel·itemsize, or undefined past 2^53 (tensor.rs reports ValidationOverflow). */
function byteSize(shape: number[], dtype: DType): number | undefined {
  let n = elementSize(dtype);
  for (const s of shape) {
    n *= s;
    if (!Number.isSafeInteger(n)) return undefined;
  }
  return n;
}

function describe(v: unknown): string {
  return quoteValue(v);
}
