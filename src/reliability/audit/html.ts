// The audit as one self-contained HTML page: a summary table (pass/fail per check), per-reward details
// (accuracy by pair kind, reliability bins, probes by region, component agreement) and probe examples as
// inline PNGs with every reward's scores.
import { encodeGridPng } from '../../eval/report/png.js';
import type { AuditRun } from './audit.js';
import type { RewardCard } from './card.js';
import type { ComponentAgreement } from './components.js';
import { describeCheck, type AuditThresholds } from './gate.js';
import { PROBE_REGIONS } from './perturb.js';

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const num = (v: number | undefined, digits = 3): string =>
  v === undefined ? '—' : Number.isNaN(v) ? 'NaN' : v.toFixed(digits);

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const th = head.map((h) => `<th>${h}</th>`).join('');
  const tr = rows.map((r) => `<tr>${r.map((c) => (c.startsWith('<td') ? c : `<td>${c}</td>`)).join('')}</tr>`).join('');
  return `<table><thead><tr>${th}</tr></thead><tbody>${tr}</tbody></table>`;
}

/** A cell coloured by its check, when the card has one for `threshold`. */
function checked(card: RewardCard, threshold: keyof AuditThresholds, text: string): string {
  const c = card.checks.find((k) => k.threshold === threshold);
  if (c === undefined) return `<td>${text}</td>`;
  return `<td class="${c.passed ? 'pass' : 'fail'}" title="${esc(describeCheck(c))}">${text}</td>`;
}

function summary(run: AuditRun): string {
  const byName = new Map(run.report.cards.map((c) => [c.name, c]));
  const rows = run.report.ranking.map((name, i) => {
    const c = byName.get(name)!;
    return [
      String(i + 1),
      `<a href="#${esc(c.name)}">${esc(c.name)}</a>${c.demoFlaw ? ` <em>(demo flaw: ${esc(c.demoFlaw)})</em>` : ''}`,
      `<td class="${c.passed ? 'pass' : 'fail'}">${c.passed ? 'PASS' : 'FAIL'}</td>`,
      checked(c, 'minPairwiseAccuracy', num(c.pairwise.accuracy)),
      checked(
        c,
        'maxEce',
        `${num(c.calibration.ece)} <small>(raw ${num(c.calibration.eceRaw)}, T=${c.calibration.temperature.toPrecision(2)})</small>`,
      ),
      checked(c, 'maxArtifactBlindness', num(c.probes.artifactBlindness)),
      checked(c, 'maxCoverageGap', num(c.probes.coverageGap)),
      checked(c, 'maxTemplateBias', num(c.probes.templateBias)),
      checked(c, 'maxShiftSensitivity', num(c.probes.shiftSensitivity)),
      checked(c, 'maxRelativeDisagreement', num(c.disagreement?.relativeDisagreement)),
      `${num(run.report.seconds[c.name], 1)} <small>(CPU ${num(run.report.cpuSeconds[c.name], 1)})</small>`,
    ];
  });
  return table(
    [
      '#',
      'reward',
      'gate',
      'pairwise acc.',
      'ECE',
      'artifact blindness',
      'coverage gap',
      'template bias',
      'shift sens.',
      'disagreement',
      's',
    ],
    rows,
  );
}

function agreement(rows: readonly ComponentAgreement[]): string {
  if (rows.length === 0) return '<p>One component: nothing to compare.</p>';
  return table(
    ['a', 'b', 'Spearman ρ', 'Kendall τ-b', 'conflict'],
    rows.map((r) => [esc(r.a), esc(r.b), num(r.spearman), num(r.kendall), num(r.conflict)]),
  );
}

function details(c: RewardCard): string {
  const kinds = Object.entries(c.pairwise.accuracyByKind).map(([k, v]) => [esc(k), String(v.pairs), num(v.accuracy)]);
  const bins = c.calibration.bins
    .filter((b) => b.count > 0)
    .map((b) => [`${num(b.lo, 2)}–${num(b.hi, 2)}`, String(b.count), num(b.meanConfidence), num(b.accuracy)]);
  const regions = PROBE_REGIONS.map((r) => [r, num(c.probes.blindnessByRegion[r]), num(c.probes.dropByRegion[r])]);
  const dis = c.disagreement
    ? `<p>Ensemble disagreement (mean std / spread): ${num(c.disagreement.relativeDisagreement)}; on correctly ordered
       pairs ${num(c.disagreement.onCorrect)}, on wrongly ordered ${num(c.disagreement.onWrong)}.</p>`
    : '';
  return `<section id="${esc(c.name)}"><h2>${esc(c.name)} <small>${esc(c.reward.name)}@${esc(c.reward.version)}</small></h2>
    ${c.description ? `<p>${esc(c.description)}</p>` : ''}
    <p><b>${c.passed ? 'PASS' : 'FAIL'}</b>: ${c.checks.map((k) => `<span class="${k.passed ? 'pass' : 'fail'}">${esc(describeCheck(k))}</span>`).join(' · ')}</p>
    <div class="row"><div><h3>Accuracy by pair kind</h3>${table(['kind', 'pairs', 'accuracy'], kinds)}
    <p>ties ${num(c.pairwise.tieRate)}</p>
    ${table(
      ['component', 'accuracy alone'],
      Object.entries(c.pairwise.accuracyByComponent).map(([k, v]) => [esc(k), num(v)]),
    )}</div>
    <div><h3>Reliability bins (T=${c.calibration.temperature.toPrecision(3)}, ${c.calibration.testPairs} test pairs)</h3>
    ${table(['confidence', 'n', 'mean conf.', 'accuracy'], bins)}</div>
    <div><h3>Probes by region</h3>${table(['defect in', 'blindness', 'drop / spread'], regions)}
    <p>template gap ${num(c.probes.templateGap)} · spread ${num(c.probes.scale, 4)}</p></div>
    <div><h3>Components</h3>${agreement(c.components)}</div></div>${dis}</section>`;
}

function imageCell(images: Parameters<typeof encodeGridPng>[0]): string {
  const b64 = encodeGridPng(images, { cols: images.length, scale: 3, gap: 2 }).toString('base64');
  return `<img alt="probe images" src="data:image/png;base64,${b64}">`;
}

function examples(run: AuditRun, count: number): string {
  const names = run.report.cards.map((c) => c.name);
  const blocks = run.probeCases.slice(0, count).map((pc, i) => {
    const imgs = [pc.clean, ...PROBE_REGIONS.map((r) => pc.defects[r]), pc.template, pc.shifted];
    const rows = names.map((n) => {
      const s = run.probeScores[n]![i]!;
      return [esc(n), num(s.clean), ...PROBE_REGIONS.map((r) => num(s.defects[r])), num(s.template), num(s.shifted)];
    });
    return `<h3>“${esc(pc.prompt.text)}” <small>(${pc.defectKind} defects; template drawn for “${esc(pc.templatePrompt)}”;
      shift (${pc.shift.join(', ')}))</small></h3>${imageCell(imgs)}
      ${table(['reward', 'clean', ...PROBE_REGIONS.map((r) => `defect ${r}`), 'template', 'shifted'], rows)}`;
  });
  return blocks.join('\n');
}

const STYLE = `body{font:14px system-ui,sans-serif;margin:24px;max-width:1200px}table{border-collapse:collapse;margin:6px 0}
td,th{border:1px solid #ccc;padding:3px 7px;text-align:right}th{background:#f3f3f3}td:first-child,td:nth-child(2){text-align:left}
.pass{background:#e3f6e3}.fail{background:#fbe1e1}.row{display:flex;gap:24px;flex-wrap:wrap}img{image-rendering:pixelated}`;

export function auditHtml(run: AuditRun, opts: { examples?: number } = {}): string {
  const r = run.report;
  return `<!doctype html><html><head><meta charset="utf-8"><title>Refract reward audit</title><style>${STYLE}</style></head>
<body><h1>Reward audit</h1>
<p>${r.pairs} held-out pairs (${esc(r.preferenceSource)}), ${r.probeCases} probe cases, ${esc(r.createdAt)}.
Accuracy counts ties as half; ECE is measured on a held-out half of the pairs after fitting a temperature T on
the other half (raw: T = 1); probe rates count a score that did not drop as blind; sensitivities and drops are
in units of the reward's spread (std of its scores on the pair images).</p>
<h2>Summary (most reliable first)</h2>${summary(run)}
<h2>Agreement between rewards</h2>${agreement(r.crossReward)}
${r.cards.map(details).join('\n')}
<h2>Probe examples</h2>
<p>Images: clean render, defect planted left, right, top, bottom, template (another prompt), 1-px shift.</p>
${examples(run, opts.examples ?? 6)}
</body></html>`;
}
