// The compare page (the tables and curves of `refract compare`: compare.json and each arm's run) and the reward
// cards page (the audit's reward-cards.json, and the cards of reward models trained in the Studio).
import { useEffect, useState } from 'preact/hooks';
import { api, fmt, pct } from './api.js';
import { LineChart, type Point } from './chart.js';

interface CompareRow {
  algorithm: string; status: string; runId: number; gold: number | null; baseGold: number | null; goldGain: number | null;
  goldGainStdError: number | null; proxy: number | null; kl: number | null; diversity: number; samples: number; seconds: number;
  samplesToTarget?: number | null; efficiency?: Ratio | null;
  extraTargets?: { gain: number; samples: number | null; efficiency: Ratio | null }[];
}
interface Ratio { ratio: number; atLeast: boolean }
interface Budget { samples?: number; seconds?: number }

/** "3 200 (2.5×)": the samples an arm needed for a gain and its ratio against the reference arm; — when never reached. */
function cost(samples: number | null | undefined, e: Ratio | null | undefined): string {
  if (samples === null || samples === undefined) return '—';
  return `${samples.toFixed(0)}${e ? ` (${e.atLeast ? '≥ ' : ''}${e.ratio.toFixed(1)}×)` : ''}`;
}
interface Comparison { folder: string; data: { budget?: Budget; rows: CompareRow[] } }

export function ComparePage() {
  const [list, setList] = useState<Comparison[] | null>(null);
  const [curves, setCurves] = useState<Record<string, Point[]>>({});
  const [error, setError] = useState('');
  useEffect(() => {
    api<{ comparisons: Comparison[] }>('/api/compare').then(async (r) => {
      setList(r.comparisons);
      const out: Record<string, Point[]> = {};
      for (const c of r.comparisons) {
        const pts: Point[] = [];
        for (const row of c.data.rows) {
          const folder = [c.folder, row.algorithm].filter(Boolean).join('/');
          try {
            const run = await api<{ steps: { step: number; metrics: Record<string, number> }[]; evaluations: { step: number; suite: string; overall: number }[] }>(`/api/run?folder=${encodeURIComponent(folder)}&id=${row.runId}`);
            // x is the generated samples before the evaluation: the arms share a sample budget, not an iteration count
            const used = new Map(run.steps.map((s) => [s.step, s.metrics['samplesUsed']]));
            for (const e of run.evaluations) {
              if (e.suite === 'shapes_eval') pts.push({ x: e.step === 0 ? 0 : (used.get(e.step) ?? e.step), y: e.overall, series: row.algorithm });
            }
          } catch { /* an arm without a store: its row still shows */ }
        }
        out[c.folder] = pts;
      }
      setCurves(out);
    }, (e: Error) => setError(e.message));
  }, []);
  if (error) return <p class="error">{error}</p>;
  if (!list) return <p class="muted">loading…</p>;
  if (list.length === 0) return <p class="muted">No compare.json under the runs folder — run <code>refract compare</code>.</p>;
  return (
    <div>
      {list.map((c) => (
        <div class="card" key={c.folder}>
          <h3>{c.folder || '.'}</h3>
          <table class="compare">
            <thead><tr><th>algorithm</th><th>status</th><th class="num">gold</th><th class="num">base</th><th class="num">gain ± SE</th><th class="num" title="generated samples until gold first reached base + the config's gainTarget (ratio: the reference arm's samples / this arm's)">samples to target</th>{(c.data.rows[0]?.extraTargets ?? []).map((t) => <th class="num" key={t.gain}>samples to +{(100 * t.gain).toFixed(0)}</th>)}<th class="num">proxy</th><th class="num">KL</th><th class="num">diversity</th><th class="num">samples</th><th class="num">time (s)</th></tr></thead>
            <tbody>
              {c.data.rows.map((r) => (
                <tr key={r.algorithm}>
                  <td>{r.algorithm}</td><td>{r.status}</td><td class="num">{pct(r.gold)}</td><td class="num">{pct(r.baseGold)}</td>
                  <td class="num">{r.goldGain === null ? '—' : `${(r.goldGain * 100).toFixed(1)} ± ${((r.goldGainStdError ?? NaN) * 100).toFixed(1)}`}</td>
                  <td class="num">{cost(r.samplesToTarget, r.efficiency)}</td>{(r.extraTargets ?? []).map((t) => <td class="num" key={t.gain}>{cost(t.samples, t.efficiency)}</td>)}
                  <td class="num">{fmt(r.proxy)}</td><td class="num">{r.kl === null ? '—' : r.kl.toExponential(2)}</td>
                  <td class="num">{fmt(r.diversity)}</td><td class="num">{r.samples}</td><td class="num">{r.seconds.toFixed(0)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {c.data.budget?.samples !== undefined && <p class="muted">budget: {c.data.budget.samples} generated samples per arm{c.data.budget.seconds !== undefined ? `, at most ${c.data.budget.seconds} s` : ''}</p>}
          {(curves[c.folder]?.length ?? 0) > 0 && <LineChart points={curves[c.folder]!} x="generated samples" y="ShapesEval" title="gold by algorithm, against the samples each arm generated" />}
        </div>
      ))}
    </div>
  );
}

interface AuditCard { name: string; passed: boolean; preferenceSource: string; pairwise: { pairs: number; accuracy: number }; checks: { threshold: string; metric: string; value: number; limit: number; passed: boolean }[] }
interface StudioCard { name: string; createdAt: string; labels: number; members: number; steps: number; heldOut: { accuracy: number; se: number; n: number; source: string }; labelers: { labeler: string; labels: number; checks: number; correct: number }[] }

export function CardsPage() {
  const [data, setData] = useState<{ audits: { folder: string; data: { cards: AuditCard[] } }[]; studio: { folder: string; data: StudioCard }[] } | null>(null);
  const [error, setError] = useState('');
  useEffect(() => void api<NonNullable<typeof data>>('/api/cards').then(setData, (e: Error) => setError(e.message)), []);
  if (error) return <p class="error">{error}</p>;
  if (!data) return <p class="muted">loading…</p>;
  const studioFolders = new Set(data.studio.map((x) => x.folder));
  const audits = data.audits.filter((a) => !studioFolders.has(a.folder)); // a Studio model's audit shows in its card
  return (
    <div>
      <h2>Reward models trained on Studio labels</h2>
      {data.studio.length === 0 && <p class="muted">none yet — train one on the loop page</p>}
      {data.studio.map(({ folder, data: c }) => (
        <div class="card studio-card" key={folder}>
          <b>{c.name}</b> <span class="muted">{c.createdAt}</span>
          <p>Bradley–Terry ensemble of {c.members} ({c.steps} steps each) on <b>{c.labels}</b> labelled pairs.</p>
          <p>agreement with held-out labels <b class="rm-accuracy">{pct(c.heldOut.accuracy)}</b> ± {pct(c.heldOut.se)} (n = {c.heldOut.n} pairs; {c.heldOut.source}; 50% is chance, and noisy labels cap it below 100%)</p>
          {(() => {
            const full = data.audits.find((a) => a.folder === folder);
            return full ? (
              <div class="studio-audit"><p>full audit (<code>refract audit</code>'s card and thresholds, on the same held-out labels; the gold evaluator's row shows how far the labels themselves agree with gold):</p><AuditTable audit={full.data} /></div>
            ) : (
              <p class="muted">no full audit yet — <code>refract studio audit {c.name}</code>, or “audit” on the loop page</p>
            );
          })()}
          <Labelers rows={c.labelers} />
        </div>
      ))}
      <h2>Audits (refract audit)</h2>
      {audits.length === 0 && <p class="muted">no reward-cards.json under the runs folder — run <code>refract audit</code></p>}
      {audits.map(({ folder, data: a }) => (
        <div class="card" key={folder}>
          <h3>{folder}</h3>
          <AuditTable audit={a} />
        </div>
      ))}
    </div>
  );
}

function AuditTable(props: { audit: { cards: AuditCard[] } }) {
  return (
    <table class="audit">
      <thead><tr><th>reward</th><th>verdict</th><th class="num">pairwise accuracy</th><th>failed checks</th></tr></thead>
      <tbody>{props.audit.cards.map((c) => (
        <tr key={c.name}><td>{c.name}</td><td class={c.passed ? 'ok' : 'bad'}>{c.passed ? 'pass' : 'fail'}</td>
          <td class="num">{pct(c.pairwise.accuracy)} (n = {c.pairwise.pairs})</td>
          <td>{c.checks.filter((k) => !k.passed).map((k) => `${k.metric} ${fmt(k.value)} (limit ${fmt(k.limit)})`).join('; ') || '—'}</td></tr>
      ))}</tbody>
    </table>
  );
}

export function Labelers(props: { rows: { labeler: string; labels: number; checks: number; correct: number }[] }) {
  return (
    <table class="labelers">
      <thead><tr><th>labeler</th><th class="num">labels</th><th class="num">checks</th><th class="num">agreement</th></tr></thead>
      <tbody>{props.rows.map((r) => (
        <tr key={r.labeler}><td>{r.labeler}</td><td class="num">{r.labels}</td><td class="num">{r.checks}</td>
          <td class="num">{r.checks ? `${((100 * r.correct) / r.checks).toFixed(0)}%` : '—'}</td></tr>
      ))}</tbody>
    </table>
  );
}
