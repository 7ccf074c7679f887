// The loop page (admin): labelers and their tokens, the labeling pool, training a reward model on the labels (its
// card appears on the cards page), its full audit, and launching a post-training run with it, whose progress streams to its run page.
import { useEffect, useState } from 'preact/hooks';
import { api } from './api.js';

interface Job { id: number; spec: { kind: string; name?: string; out?: string }; status: string; log: string[]; progress: { iteration: number; of: number } | null; result: unknown }

export function LoopPage() {
  const [jobs, setJobs] = useState<Job[]>([]);
  const [message, setMessage] = useState('');
  const [labeler, setLabeler] = useState('');
  const [config, setConfig] = useState('grpo-shapes.yaml');
  const [iterations, setIterations] = useState('20');
  const [rm, setRm] = useState('');
  const [pool, setPool] = useState<{ labels: number; preferences: { n: number }; pairs: number } | null>(null);
  const [models, setModels] = useState<{ name: string; labels: number; heldOut: { accuracy: number; se: number } }[]>([]);
  useEffect(() => {
    const load = () => {
      api<{ jobs: Job[] }>('/api/jobs').then((j) => setJobs(j.jobs), () => {});
      api<{ labels: number; preferences: { n: number }; pairs: number }>('/api/labelers').then(setPool, () => {});
      api<{ studio: { data: { name: string; labels: number; heldOut: { accuracy: number; se: number } } }[] }>('/api/cards').then((c) => {
        setModels(c.studio.map((x) => x.data));
        setRm((old) => old || (c.studio.at(-1)?.data.name ?? ''));
      }, () => {});
    };
    load();
    const t = setInterval(load, 1000);
    return () => clearInterval(t);
  }, []);
  const act = (f: () => Promise<string>) => () => void f().then(setMessage, (e: Error) => setMessage(`error: ${e.message}`));
  return (
    <div>
      {pool && <p id="pool-summary">pool: <b>{pool.pairs}</b> comparisons · <b>{pool.labels}</b> answers · <b>{pool.preferences.n}</b> preference rows (labels.sqlite)</p>}
      <p id="loop-message" class="muted">{message}</p>
      <div class="card">
        <b>Labelers</b>{' '}
        <input placeholder="name" value={labeler} onInput={(e) => setLabeler((e.target as HTMLInputElement).value)} />{' '}
        <button onClick={act(async () => { const r = await api<{ name: string; token: string }>('/api/labelers', { method: 'POST', body: { name: labeler } }); return `labeler ${r.name}: token ${r.token} (shown once) — link ${location.origin}/label?token=${r.token}`; })}>add labeler</button>{' '}
        <button onClick={act(async () => { const r = await api<{ items: number; pairs: number; checks: number; bestOf4: number }>('/api/pool', { method: 'POST', body: {} }); return `pool: +${r.pairs} pairs (${r.checks} checks), +${r.bestOf4} best-of-4 sets, ${r.items} images`; })}>add to the pool</button>
      </div>
      <div class="card">
        <b>Reward model</b>{' '}
        <button onClick={act(async () => { const r = await api<{ job: Job }>('/api/reward-models', { method: 'POST', body: {} }); return `job ${r.job.id} started: ${r.job.spec.name}`; })}>train on the labels</button>
        {models.length > 0 && (
          <ul>{models.map((m) => <li key={m.name}><b>{m.name}</b>: {m.labels} labelled pairs, held-out label agreement {(m.heldOut.accuracy * 100).toFixed(1)}% ± {(m.heldOut.se * 100).toFixed(1)} — <a href="/cards">card</a>{' '}
            <button onClick={act(async () => { const r = await api<{ job: Job }>('/api/audits', { method: 'POST', body: { rewardModel: m.name } }); return `job ${r.job.id} started: full audit of ${m.name}`; })}>audit</button></li>)}</ul>
        )}
      </div>
      <div class="card">
        <b>Post-train with it</b>{' '}
        reward model <input value={rm} placeholder="rm-001" onInput={(e) => setRm((e.target as HTMLInputElement).value)} size={8} />{' '}
        config <input value={config} onInput={(e) => setConfig((e.target as HTMLInputElement).value)} />{' '}
        iterations <input value={iterations} onInput={(e) => setIterations((e.target as HTMLInputElement).value)} size={5} />{' '}
        <button onClick={act(async () => { const r = await api<{ job: Job }>('/api/launch', { method: 'POST', body: { rewardModel: rm, config, iterations: Number(iterations) } }); return `job ${r.job.id} started into ${r.job.spec.out}`; })}>launch</button>
      </div>
      <table id="jobs">
        <thead><tr><th>job</th><th>kind</th><th>status</th><th>progress</th><th>log</th></tr></thead>
        <tbody>{jobs.length === 0 && <tr><td colSpan={5} class="muted">no jobs yet</td></tr>}{jobs.map((j) => (
          <tr key={j.id}>
            <td>{j.id}</td><td>{j.spec.kind} {j.spec.name ?? ''}</td><td>{j.status}</td>
            <td>{j.progress ? `${j.progress.iteration}/${j.progress.of}` : ''} {j.spec.out && <a href={`/run?folder=${encodeURIComponent(j.spec.out)}`}>run page</a>}</td>
            <td class="muted">{j.log.slice(-2).join(' · ')}</td>
          </tr>
        ))}</tbody>
      </table>
    </div>
  );
}
