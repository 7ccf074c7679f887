/**
 * Reader for the IDX format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/, "file formats"):
 * a 4-byte magic [0, 0, type, rank], then `rank` big-endian uint32 dimension sizes, then the elements in row-major
 * order. Only type 0x08 (unsigned byte) is read: it is what both datasets ship, and supporting the other five
 * element types would be code nobody runs. Gzipped files (the form the datasets are distributed in) are
 * recognised by their magic bytes and inflated first.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

export interface IdxArray {
  /** Dimension sizes, outermost first: [N] for labels, [N, rows, cols] for images. */
  dims: number[];
  /** The elements, row-major; a view into the (inflated) file bytes. */
  data: Uint8Array;
}

const IDX_UBYTE = 0x08;

/** Whether `bytes` starts with the gzip magic 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Parses IDX bytes (already inflated). `name` is used in error messages. */
export function parseIdx(bytes: Uint8Array, name = '<buffer>'): IdxArray {
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) {
    throw new Error(
      `refract data: ${name} must start with the IDX magic 00 00 <type> <rank>, got ` +
        `${hex(bytes.subarray(0, 4))} — is it an IDX file (gzipped files are inflated automatically)?`,
    );
  }
  const type = bytes[2];
  if (type !== IDX_UBYTE) {
    throw new Error(
      `refract data: ${name} must hold unsigned bytes (IDX type 0x08), got type 0x${type.toString(16)} — ` +
        'only the MNIST-family uint8 files are supported',
    );
  }
  const rank = bytes[3];
  const headerLength = 4 + 4 * rank;
  if (rank === 0 || bytes.length < headerLength) {
    throw new Error(
      `refract data: ${name} must have a rank ≥ 1 header of ${headerLength} bytes, got ${bytes.length} bytes — the file is truncated`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const count = dims.reduce((a, b) => a * b, 1);
  if (bytes.length !== headerLength + count) {
    throw new Error(
      `refract data: ${name} must hold ${count} elements for dims [${dims.join(', ')}], got ` +
        `${bytes.length - headerLength} — the file is truncated or corrupt; re-install or re-download it`,
    );
  }
  return { dims, data: bytes.subarray(headerLength) };
}

/** Reads an IDX file from disk, inflating it if gzipped. */
export function readIdxFile(file: string): IdxArray {
  let raw: Uint8Array;
  try {
    raw = readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new Error(
      `refract data: IDX file ${file} must be readable, got ${code} — check the path or install the dataset`,
    );
  }
  return parseIdx(isGzip(raw) ? gunzipSync(raw) : raw, file);
}

function hex(b: Uint8Array): string {
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(' ') || '(empty)';
}
