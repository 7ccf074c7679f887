// The smallest storage of a dense reward map beside a sample (in the sample's `reward` JSON): the map quantised to
// 8 bits between its own min and max, base64-encoded — about 1.4 KB for a 32×32 map instead of a second image file.
// The Studio's gallery draws it as an overlay (src/studio/web/samples.tsx).

export interface StoredDenseMap {
  readonly width: number;
  readonly height: number;
  readonly min: number;
  readonly max: number;
  /** width·height bytes, row-major, 0 ↦ min and 255 ↦ max, base64. */
  readonly data: string;
}

/** Quantises `values` (length width·height, row-major); non-finite entries are stored as min. */
export function encodeDenseMap(values: ArrayLike<number>, width: number, height: number): StoredDenseMap {
  if (values.length !== width * height) {
    throw new Error(`refract dense map: values must hold width·height = ${width * height} numbers, got ${values.length}`);
  }
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isFinite(v)) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
  }
  if (min > max) min = max = 0;
  const bytes = new Uint8Array(values.length);
  const span = max - min;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    bytes[i] = Number.isFinite(v) && span > 0 ? Math.round((255 * (v - min)) / span) : 0;
  }
  return { width, height, min, max, data: Buffer.from(bytes).toString('base64') };
}

/** The map back as numbers (within (max − min)/510 of what was stored). */
export function decodeDenseMap(m: StoredDenseMap): Float32Array {
  const bytes = Buffer.from(m.data, 'base64');
  return Float32Array.from(bytes, (b) => m.min + ((m.max - m.min) * b) / 255);
}
