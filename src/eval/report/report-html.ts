// The training report's HTML: one self-contained page (inline CSS and SVG; images referenced relative to the run
// folder, where report.html is written). Pure string building from the summary and rendered figures.
import type { RenderedFigure, TrainingReportSummary } from './training-report.js';
import type { ReportSection } from './report-figures.js';
import type { SampleGrid } from './sample-grids.js';
import type { BeforeAfter, SeriesSummary } from './report-series.js';
import type { JsonValue } from '../../store/run-store-types.js';

export interface HtmlInputs {
  readonly summary: TrainingReportSummary;
  readonly figures: readonly RenderedFigure[];
  /** Grid images found in the run folder, as hrefs relative to it (see GRID_BEFORE / GRID_AFTER). */
  readonly grids: readonly { readonly label: string; readonly href: string }[];
  /** Labelled grids of the stored samples (prompt and gold ✓/✗ under each image), written by sample-grids.ts. */
  readonly sampleGrids: readonly SampleGrid[];
  readonly config: JsonValue;
}

const SECTIONS: readonly { readonly id: ReportSection; readonly title: string; readonly note: string }[] = [
  {
    id: 'reward',
    title: 'Proxy and gold reward',
    note: 'Proxy: the reward the algorithm optimised, on its own training samples. Gold: evaluation suites (ShapesEval is the ground-truth evaluator).',
  },
  {
    id: 'kl',
    title: 'KL to the reference and over-optimisation',
    note: 'd = √KL(π‖π_init). Gao et al. (arXiv 2210.10760): gold follows d(α − β log d) — it peaks and falls while the proxy keeps rising.',
  },
  {
    id: 'eval',
    title: 'Evaluation per category',
    note: 'Accuracy of the gold evaluator on images generated for fixed prompts and seeds at each evaluation.',
  },
  {
    id: 'ratio',
    title: 'Importance ratio diagnostics',
    note: 'ratio = exp(logp_θ − logp_old) per sampler step. Before the first update of an iteration it should be 1 to ~1e-5 (replaying a trajectory reproduces its log-probs, DESIGN §2); clip fraction counts ratios outside [1−ε, 1+ε].',
  },
  {
    id: 'image',
    title: 'Diversity and image statistics',
    note: 'Hacking signals: dark-pixel fraction, edge density and colour entropy shifting while the proxy rises (DESIGN §3).',
  },
  { id: 'other', title: 'Other training metrics', note: '' },
];

export function renderReportHtml(inp: HtmlInputs): string {
  const s = inp.summary;
  const title = `Run ${s.run.id} · ${s.run.name} (${s.run.kind})`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${CSS}</style></head>
<body>
<h1>${esc(title)}</h1>
<p class="meta">status <b>${esc(s.run.status)}</b> · seed ${s.run.seed} · ${s.steps.count} steps (${s.steps.first ?? '—'}–${s.steps.last ?? '—'}) · wall time ${duration(s.steps.wallSeconds)} · created ${esc(s.run.createdAt)} · updated ${esc(s.run.updatedAt)} · generated ${esc(s.generatedAt)}${s.run.runIds.length > 1 ? ` · other runs in this store: ${s.run.runIds.filter((i) => i !== s.run.id).join(', ')} (refract report --run ID)` : ''}</p>
${headline(s)}
${SECTIONS.map((sec) => section(sec, inp)).join('\n')}
${monitor(s)}
${samples(inp)}
${metricTable(s)}
<h2 id="config">Run</h2>
${s.latestCheckpoint ? `<p>Latest checkpoint: iteration ${s.latestCheckpoint.step}, <code>${esc(s.latestCheckpoint.path)}</code></p>` : '<p>No checkpoint recorded.</p>'}
<details><summary>Config</summary><pre>${esc(JSON.stringify(inp.config, null, 2))}</pre></details>
<details><summary>Versions</summary><pre>${esc(JSON.stringify(s.run.versions, null, 2))}</pre></details>
</body></html>
`;
}

function headline(s: TrainingReportSummary): string {
  const rows: string[] = [];
  const m = (label: string, v: SeriesSummary | undefined): void => {
    if (v !== undefined && v.n > 0)
      rows.push(
        `<tr><td>${esc(label)}</td><td>${num(v.first)}</td><td>${num(v.last)}</td><td>${delta(v.first, v.last)}</td></tr>`,
      );
  };
  m('proxy reward (train)', s.metrics['reward']);
  for (const [suite, ba] of Object.entries(s.evaluations)) {
    const o = ba.rows.find((r) => r.name === 'overall');
    if (o)
      rows.push(
        `<tr><td>${esc(suite)} overall (iteration ${ba.beforeStep} → ${ba.afterStep})</td><td>${num(o.before)}</td><td>${num(o.after)}</td><td>${delta(o.before, o.after)}</td></tr>`,
      );
  }
  if (s.kl !== null)
    rows.push(
      `<tr><td>KL to reference (${esc(s.kl.metric)}); d = √KL</td><td>${num(s.kl.first)}</td><td>${num(s.kl.last)}; d ${num(s.kl.dLast)}</td><td></td></tr>`,
    );
  if (rows.length === 0) return '<p>No reward, evaluation or KL was logged.</p>';
  return `<table class="headline"><tr><th></th><th>start</th><th>end</th><th>change</th></tr>${rows.join('')}</table>
<p class="note">Step metrics: mean of the first and last k finite values (k = a tenth of them, 1–10). Evaluations: first and last evaluated iteration.</p>`;
}

function section(sec: (typeof SECTIONS)[number], inp: HtmlInputs): string {
  const figs = inp.figures.filter((f) => f.section === sec.id);
  const tables =
    sec.id === 'eval' ? Object.entries(inp.summary.evaluations).map(([suite, ba]) => beforeAfterTable(suite, ba)) : [];
  if (figs.length === 0 && tables.length === 0) return '';
  const body = figs.map(
    (f) =>
      `<figure id="fig-${esc(f.id)}">${f.svg}<figcaption><a href="${esc(f.files.svg)}">SVG</a>${f.files.png ? ` · <a href="${esc(f.files.png)}">PNG</a>` : ''}</figcaption></figure>`,
  );
  return `<h2 id="${sec.id}">${esc(sec.title)}</h2>${sec.note ? `<p class="note">${esc(sec.note)}</p>` : ''}\n${[...tables, ...body].join('\n')}`;
}

function beforeAfterTable(
  suite: string,
  ba: { beforeStep: number; afterStep: number; rows: readonly BeforeAfter[] },
): string {
  const rows = ba.rows.map(
    (r) =>
      `<tr><td>${esc(r.name)}</td><td>${num(r.before)}</td><td>${num(r.after)}</td><td>${delta(r.before, r.after)}</td></tr>`,
  );
  return `<table><caption>${esc(suite)}: iteration ${ba.beforeStep} → ${ba.afterStep}</caption><tr><th></th><th>before</th><th>after</th><th>change</th></tr>${rows.join('')}</table>`;
}

function monitor(s: TrainingReportSummary): string {
  if (s.monitorActions.length === 0) return '';
  const items = s.monitorActions.map((a) => {
    const why = a.reason === '' ? '' : ` — ${esc(a.reason)}${a.outcome === '' ? '' : ` → ${esc(a.outcome)}`}`;
    return `<li>iteration ${a.step}: <b>${esc(a.action)}</b>${why}</li>`;
  });
  return `<h2 id="monitor">Monitor actions</h2><ul>${items.join('')}</ul>`;
}

function samples(inp: HtmlInputs): string {
  const grids = inp.grids.map(
    (g) =>
      `<figure><img class="grid" src="${esc(g.href)}" alt="${esc(g.label)}"><figcaption>${esc(g.label)}</figcaption></figure>`,
  );
  const stored = inp.sampleGrids.map((g) => {
    const gold = g.judged > 0 ? ` · gold ✓ ${g.correct} of ${g.judged}` : '';
    const caption = `Stored samples, ${g.which} (iteration ${g.step}): ${g.samples} image${g.samples === 1 ? '' : 's'}${gold}`;
    return `<figure><img class="labelled" src="${esc(g.href)}" alt="${esc(g.prompts.join('; '))}"><figcaption>${esc(caption)}</figcaption></figure>`;
  });
  const body = [
    grids.length > 0 ? `<div class="grids">${grids.join('')}</div>` : '',
    stored.length > 0
      ? `<p class="note">Under each image: its prompt and, for Shapes prompts, the gold evaluator's verdict on that image (✓ follows the prompt, ✗ does not).</p><div class="grids">${stored.join('')}</div>`
      : '',
  ].join('\n');
  return body.trim() === ''
    ? '<h2 id="samples">Samples</h2><p class="note">No sample grids (grid-before.png / grid-after.png) or stored samples in this run.</p>'
    : `<h2 id="samples">Samples</h2>${body}`;
}

function metricTable(s: TrainingReportSummary): string {
  const row =
    (kind: string) =>
    ([name, v]: [string, SeriesSummary]) =>
      `<tr><td>${esc(name)}</td><td>${kind}</td><td>${v.n}</td><td>${num(v.first)}</td><td>${num(v.last)}</td><td>${num(v.min)}</td><td>${num(v.max)}</td></tr>`;
  const rows = [
    ...Object.entries(s.metrics).map(row('metric')),
    ...Object.entries(s.diagnostics).map(row('diagnostic')),
  ];
  if (rows.length === 0) return '';
  return `<h2 id="metrics">All metrics</h2><table><tr><th>name</th><th>table</th><th>finite values</th><th>first</th><th>last</th><th>min</th><th>max</th></tr>${rows.join('')}</table>`;
}

/** Compact number: 4 significant digits, '—' for missing. */
export function num(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  if (v !== 0 && (Math.abs(v) >= 1e5 || Math.abs(v) < 1e-3)) return v.toExponential(2);
  return String(Number(v.toPrecision(4)));
}

function delta(a: number | null | undefined, b: number | null | undefined): string {
  if (a === null || a === undefined || b === null || b === undefined || !Number.isFinite(a) || !Number.isFinite(b))
    return '';
  const d = b - a;
  return `<span class="${d > 0 ? 'up' : d < 0 ? 'down' : ''}">${d > 0 ? '+' : ''}${num(d)}</span>`;
}

function duration(seconds: number | null): string {
  if (seconds === null) return '—';
  if (seconds < 120) return `${seconds.toFixed(0)} s`;
  return seconds < 7200 ? `${(seconds / 60).toFixed(1)} min` : `${(seconds / 3600).toFixed(2)} h`;
}

/** Escapes text for HTML element content and double-quoted attributes. */
export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const CSS = `
body{font-family:'DejaVu Sans',Helvetica,Arial,sans-serif;margin:24px auto;max-width:1400px;padding:0 16px;color:#222}
h1{font-size:22px;margin-bottom:4px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ddd;padding-bottom:4px}
h3{font-size:14px}.meta,.note{color:#666;font-size:13px}
table{border-collapse:collapse;margin:8px 0 16px;font-size:13px}td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}
td:first-child,th:first-child{text-align:left}caption{text-align:left;font-weight:bold;padding:4px 0}
.up{color:#1a7f37}.down{color:#c62828}
figure{display:inline-block;margin:8px 16px 8px 0;vertical-align:top}figcaption{font-size:12px;color:#666}
svg{max-width:100%;height:auto}img.grid{image-rendering:pixelated;max-width:640px;border:1px solid #ccc}
img.labelled{max-width:100%;border:1px solid #ccc}
pre{background:#f6f6f6;padding:8px;font-size:12px;overflow:auto}
`;
