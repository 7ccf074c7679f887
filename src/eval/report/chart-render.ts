// Rendering of chart specs: vega-lite (vega/vega-lite, the Vega project) compiles a spec to Vega, a headless Vega
// View draws it as SVG (`View.toSVG()` needs no canvas and no network for inline data), and resvg (@resvg/resvg-js,
// a Rust SVG rasteriser with prebuilt binaries) turns the SVG into PNG for viewers that cannot show SVG.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { Resvg } from '@resvg/resvg-js';

/** Fonts vega lays text out for and resvg draws it with (DejaVu Sans ships with most Linux images). */
export const CHART_FONT = 'DejaVu Sans, Helvetica, Arial, sans-serif';

/** A rendered chart: its SVG text and the numeric domains vega settled on for each named scale. */
export interface RenderedChart {
  readonly svg: string;
  /** Scale name → [min, max] of the domain actually drawn (e.g. 'x', 'y'; in panels 'concat_0_x', ...). */
  readonly domains: Readonly<Record<string, readonly [number, number]>>;
}

/**
 * Compiles a vega-lite spec and renders it headless to SVG. Specs are built as plain records by charts.ts (their
 * layers are assembled per series, which vega-lite's static types cannot follow); compile() validates them.
 */
export async function renderVegaLite(spec: Readonly<Record<string, unknown>>): Promise<RenderedChart> {
  const compiled = compile(spec as unknown as TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    const domains: Record<string, readonly [number, number]> = {};
    for (const s of compiled.scales ?? []) {
      if (s.type === 'ordinal' || s.type === 'band' || s.type === 'point') continue;
      const d = view.scale(s.name)?.domain() as unknown[] | undefined;
      if (d !== undefined && d.length >= 2 && typeof d[0] === 'number') {
        domains[s.name] = [d[0], d[d.length - 1] as number];
      }
    }
    for (const panel of compiled.marks ?? []) {
      for (const s of ('scales' in panel ? panel.scales : undefined) ?? []) {
        const d = view.scale(s.name)?.domain() as unknown[] | undefined;
        if (d !== undefined && d.length >= 2 && typeof d[0] === 'number')
          domains[s.name] = [d[0], d[d.length - 1] as number];
      }
    }
    return { svg, domains };
  } finally {
    view.finalize();
  }
}

export interface PngOptions {
  /** Zoom factor over the SVG's own size; default 2 (sharp on high-DPI screens and in slides). */
  readonly scale?: number;
}

/** Rasterises SVG text to PNG bytes (white background). Throws if the SVG is not well-formed XML. */
export function svgToPng(svg: string, opts: PngOptions = {}): Buffer {
  const scale = opts.scale ?? 2;
  if (!(scale > 0)) throw new Error(`refract svgToPng: scale must be > 0, got ${scale}`);
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    background: 'white',
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
  });
  return resvg.render().asPng();
}

/** The files writeChartFiles wrote (absolute paths). */
export interface ChartFiles {
  readonly svg: string;
  readonly png?: string;
}

/**
 * Writes `<base>.svg` (and `<base>.png` unless png is false) atomically, creating the folder.
 * `base` is a path without extension, e.g. `runs/a/curves/reward`.
 */
export function writeChartFiles(base: string, svg: string, opts: { png?: boolean } & PngOptions = {}): ChartFiles {
  const svgFile = path.resolve(`${base}.svg`);
  writeAtomic(svgFile, svg);
  if (opts.png === false) return { svg: svgFile };
  const pngFile = path.resolve(`${base}.png`);
  writeAtomic(pngFile, svgToPng(svg, opts));
  return { svg: svgFile, png: pngFile };
}

function writeAtomic(file: string, data: string | Buffer): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}
