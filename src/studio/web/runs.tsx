// The runs page: every run under the runs folder with its status, algorithm, reward, gold, KL and progress.
import { useEffect, useState } from 'preact/hooks';
import { api, fmt, pct } from './api.js';

interface RunSummary {
  folder: string; id: number; name: string; algorithm: string; status: string; rewards: string;
  lastStep: number | null; iterations: number | null; progress: number | null; reward: number | null; gold: number | null; kl: number | null;
}

export function RunsPage() {
  const [runs, setRuns] = useState<RunSummary[] | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    const load = () => api<{ runs: RunSummary[] }>('/api/runs').then((r) => setRuns(r.runs), (e: Error) => setError(e.message));
    load();
    const t = setInterval(load, 5000);
    return () => clearInterval(t);
  }, []);
  if (error) return <p class="error">{error}</p>;
  if (runs === null) return <p class="muted">loading…</p>;
  if (runs.length === 0) return <p class="muted">No runs under the runs folder yet — start one with <code>refract train</code>.</p>;
  return (
    <table id="runs">
      <thead><tr><th>run</th><th>status</th><th>algorithm</th><th>reward</th><th class="num">proxy</th><th class="num">gold</th><th class="num">KL</th><th>progress</th><th></th></tr></thead>
      <tbody>
        {runs.map((r) => {
          const q = `folder=${encodeURIComponent(r.folder)}&id=${r.id}`;
          const frac = r.progress ?? 0;
          return (
            <tr key={`${r.folder}/${r.id}`}>
              <td><a href={`/run?${q}`}>{r.folder || '.'} #{r.id}</a><div class="muted">{r.name}</div></td>
              <td class={r.status === 'failed' || r.status === 'diverged' ? 'bad' : r.status === 'finished' ? 'ok' : ''}>{r.status}</td>
              <td>{r.algorithm}</td>
              <td>{r.rewards}</td>
              <td class="num">{fmt(r.reward)}</td>
              <td class="num">{pct(r.gold)}</td>
              <td class="num">{r.kl === null ? '—' : r.kl.toExponential(2)}</td>
              <td><span class="bar"><i style={{ width: `${frac * 100}%` }} /></span> {(frac * 100).toFixed(0)}% <span class="muted">it {r.lastStep ?? 0}</span></td>
              <td><a href={`/samples?${q}`}>samples</a></td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
