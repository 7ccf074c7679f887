// The run page: reward, KL, gold and proxy curves that grow while the run trains (Server-Sent Events from the run
// store, /api/events), its status and the hacking monitor's alarms.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, pct, withToken } from './api.js';
import { LineChart, type Point } from './chart.js';

interface Step { step: number; metrics: Record<string, number | null> }
interface Evaluation { step: number; suite: string; overall: number }
interface Alarm { step: number; action: string; monitor: string; reason: string; outcome: string }
interface RunData { run: { id: number; name: string; kind: string; status: string }; steps: Step[]; evaluations: Evaluation[]; alarms: Alarm[] }

export function RunPage(props: { folder: string; id: number | null }) {
  const [data, setData] = useState<RunData | null>(null);
  const [error, setError] = useState('');
  const [live, setLive] = useState(false);
  useEffect(() => {
    let source: EventSource | null = null;
    const q = `folder=${encodeURIComponent(props.folder)}${props.id ? `&id=${props.id}` : ''}`;
    api<RunData>(`/api/run?${q}`).then((d) => {
      setData(d);
      const after = d.steps.length ? d.steps[d.steps.length - 1]!.step : -1;
      source = new EventSource(withToken(`/api/events?${q}&after=${after}`));
      source.onopen = () => setLive(true);
      source.addEventListener('steps', (e) => setData((old) => old && { ...old, steps: [...old.steps, ...(JSON.parse((e as MessageEvent).data) as Step[])] }));
      source.addEventListener('evaluations', (e) =>
        setData((old) => {
          if (!old) return old;
          const fresh = (JSON.parse((e as MessageEvent).data) as Evaluation[]).filter((x) => !old.evaluations.some((o) => o.step === x.step && o.suite === x.suite));
          return { ...old, evaluations: [...old.evaluations, ...fresh] };
        }),
      );
      source.addEventListener('alarms', (e) =>
        setData((old) => {
          if (!old) return old;
          const fresh = (JSON.parse((e as MessageEvent).data) as Alarm[]).filter((x) => !old.alarms.some((o) => o.step === x.step && o.action === x.action && o.reason === x.reason));
          return { ...old, alarms: [...old.alarms, ...fresh] };
        }),
      );
      source.addEventListener('status', (e) => setData((old) => old && { ...old, run: { ...old.run, status: (JSON.parse((e as MessageEvent).data) as { status: string }).status } }));
    }, (e: Error) => setError(e.message));
    return () => source?.close();
  }, [props.folder, props.id]);
  const rewardPoints = useMemo<Point[]>(() => (data ? curve(data.steps, ['reward']) : []), [data?.steps]);
  const klPoints = useMemo<Point[]>(() => (data ? curve(data.steps, ['klToReference']) : []), [data?.steps]);
  const lossPoints = useMemo<Point[]>(() => (data ? curve(data.steps, ['loss']) : []), [data?.steps]);
  const evalPoints = useMemo<Point[]>(
    () => (data ? data.evaluations.map((e) => ({ x: e.step, y: e.overall, series: e.suite === 'shapes_eval' ? 'gold (ShapesEval)' : e.suite })) : []),
    [data?.evaluations],
  );
  if (error) return <p class="error">{error}</p>;
  if (!data) return <p class="muted">loading…</p>;
  const gold = data.evaluations.filter((e) => e.suite === 'shapes_eval');
  return (
    <div>
      <h2>{props.folder || '.'} · run {data.run.id} <span class="muted">{data.run.name}</span></h2>
      <p>
        status <b id="run-status">{data.run.status}</b> · algorithm {data.run.kind} · <span id="step-count">{data.steps.length}</span> steps
        {gold.length > 0 && <> · gold {pct(gold[0]!.overall)} → <b>{pct(gold[gold.length - 1]!.overall)}</b></>}
        {live && <span class="muted"> · live</span>} · <a href={`/samples?folder=${encodeURIComponent(props.folder)}&id=${data.run.id}`}>samples</a>
      </p>
      <div class="card" id="alarms">
        <b>Monitor alarms</b>
        {data.alarms.length === 0 ? <span class="muted"> none</span> : (
          <ul>{data.alarms.map((a) => (
            <li class="alarm" key={`${a.step}/${a.action}/${a.reason}`}>iteration {a.step}: <b>{a.action}</b>{a.reason ? ` — ${a.reason}` : ''}{a.outcome && a.outcome !== 'logged' ? ` → ${a.outcome}` : ''}</li>
          ))}</ul>
        )}
      </div>
      <div class="grid">
        {data.run.kind === 'pretrain' ? (
          <LineChart id="chart-loss" points={lossPoints} x="step" y="loss" title="training loss (refract pretrain)" />
        ) : (
          <>
            <LineChart id="chart-reward" points={rewardPoints} x="iteration" y="reward" title="training reward (proxy)" />
            <LineChart id="chart-kl" points={klPoints} x="iteration" y="KL" title="KL to the reference" />
          </>
        )}
        <LineChart id="chart-eval" points={evalPoints} x="iteration" y="score" title="evaluations: gold and proxy" />
      </div>
    </div>
  );
}

function curve(steps: readonly Step[], names: readonly string[]): Point[] {
  return steps.flatMap((s) => names.map((n) => ({ x: s.step, y: s.metrics[n] ?? NaN, series: n })));
}
