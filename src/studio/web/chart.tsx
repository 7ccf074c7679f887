// A Vega-Lite line chart (the reports' chart grammar, eval/report/charts.ts) rendered by vega-embed, bundled.
import { useEffect, useRef } from 'preact/hooks';
import embed from 'vega-embed';

export interface Point {
  x: number;
  y: number;
  series: string;
}

export function LineChart(props: { points: readonly Point[]; x: string; y: string; title: string; id?: string }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!ref.current) return;
    const spec = {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: props.title,
      width: 360,
      height: 180,
      data: { values: props.points.filter((p) => Number.isFinite(p.y)) },
      mark: { type: 'line', point: props.points.length < 60 },
      encoding: {
        x: { field: 'x', type: 'quantitative', title: props.x, axis: { tickMinStep: 1, format: 'd' } },
        y: { field: 'y', type: 'quantitative', title: props.y, scale: { zero: false } },
        color: { field: 'series', type: 'nominal', title: null },
      },
    };
    const result = embed(ref.current, spec as never, { actions: false, renderer: 'svg' });
    return () => void result.then((r) => r.finalize());
  }, [props.points, props.title]);
  return <div class="card chart" id={props.id} data-points={props.points.length} ref={ref} />;
}
