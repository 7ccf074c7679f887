// The part of gifenc's API (mattdesl/gifenc 1.0, untyped CommonJS) that src/eval/report/gif.ts uses.
declare module 'gifenc' {
  export type Palette = number[][];
  export interface FrameOptions {
    palette?: Palette;
    /** Milliseconds this frame shows. */
    delay?: number;
    /** −1 = play once, 0 = loop forever. */
    repeat?: number;
    first?: boolean;
  }
  export interface Encoder {
    writeFrame(index: Uint8Array, width: number, height: number, opts?: FrameOptions): void;
    finish(): void;
    bytes(): Uint8Array;
  }
  interface Gifenc {
    GIFEncoder(opts?: { auto?: boolean; initialCapacity?: number }): Encoder;
    quantize(
      rgba: Uint8Array | Uint8ClampedArray,
      maxColors: number,
      opts?: { format?: 'rgb565' | 'rgb444' | 'rgba4444' },
    ): Palette;
    applyPalette(
      rgba: Uint8Array | Uint8ClampedArray,
      palette: Palette,
      format?: 'rgb565' | 'rgb444' | 'rgba4444',
    ): Uint8Array;
  }
  const gifenc: Gifenc;
  export default gifenc;
}
