// The samples page: each stored sample with its prompt, reward components, gold verdict, the dense reward map as an
// overlay (when the run stored one, store/dense-map.ts format), its x̂₀ trajectory strip and its video clip (the
// sample's 'trajectory' and 'clip' media files, store/run-store-types.ts) — clips play.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, fileUrl, fmt } from './api.js';

interface DenseMap { width: number; height: number; min: number; max: number; data: string }
interface Reward {
  proxy?: number | null; gold?: number | null; components?: Record<string, number | null>;
  dense?: Record<string, DenseMap>;
}
interface Media { kind: 'trajectory' | 'clip'; href: string; meta: { steps?: number[]; sigmas?: number[]; frames?: number; fps?: number } }
interface Sample { id: number; step: number; prompt: string; seed: number; href: string | null; reward: Reward; media?: Media[] }

export function SamplesPage(props: { folder: string; id: number | null }) {
  const [samples, setSamples] = useState<Sample[] | null>(null);
  const [step, setStep] = useState<number | null>(null);
  const [overlay, setOverlay] = useState(true);
  const [error, setError] = useState('');
  useEffect(() => {
    api<{ samples: Sample[] }>(`/api/run?folder=${encodeURIComponent(props.folder)}${props.id ? `&id=${props.id}` : ''}`).then(
      (d) => {
        setSamples(d.samples);
        setStep(d.samples.length ? d.samples[d.samples.length - 1]!.step : null);
      },
      (e: Error) => setError(e.message),
    );
  }, [props.folder, props.id]);
  if (error) return <p class="error">{error}</p>;
  if (!samples) return <p class="muted">loading…</p>;
  const steps = [...new Set(samples.map((s) => s.step))];
  const shown = samples.filter((s) => s.step === step);
  return (
    <div>
      <h2>Samples · {props.folder || '.'}</h2>
      <p>
        iteration{' '}
        <select value={String(step)} onChange={(e) => setStep(Number((e.target as HTMLSelectElement).value))}>
          {steps.map((s) => <option value={String(s)} key={s}>{s}</option>)}
        </select>{' '}
        <label><input type="checkbox" checked={overlay} onChange={() => setOverlay(!overlay)} /> dense reward overlay</label>
        <span class="muted"> · {shown.length} samples</span>
      </p>
      <div class="grid" id="gallery">
        {shown.map((s) => <SampleCard key={s.id} s={s} folder={props.folder} overlay={overlay} />)}
      </div>
    </div>
  );
}

function SampleCard(props: { s: Sample; folder: string; overlay: boolean }) {
  const { s } = props;
  const r = s.reward ?? {};
  const dense = r.dense ? Object.entries(r.dense)[0] : undefined;
  const trajectory = s.media?.find((m) => m.kind === 'trajectory');
  const clip = s.media?.find((m) => m.kind === 'clip');
  const shown = clip?.href ?? s.href; // a video sample shows its clip; its PNG is a still
  const isVideo = shown !== null && /\.(webm|mp4)$/.test(shown);
  return (
    <div class={trajectory ? 'sample wide' : 'sample'} data-sample={s.id}>
      <div class="img">
        {shown === null ? <span class="muted">no image</span> : isVideo ? (
          <video src={fileUrl(props.folder, shown)} autoplay loop muted playsInline />
        ) : (
          <img class={clip ? 'clip' : undefined} src={fileUrl(props.folder, shown)} alt={s.prompt} />
        )}
        {dense && props.overlay && <DenseOverlay map={dense[1]} />}
      </div>
      <div class="info">
      <div><b>{s.prompt}</b></div>
      <div>
        gold{' '}
        {r.gold === undefined || r.gold === null ? <span class="muted">—</span> : r.gold >= 0.5 ? <span class="ok gold">✓ pass</span> : <span class="bad gold">✗ fail</span>}
      </div>
      <div>proxy {fmt(r.proxy ?? null)}</div>
      {r.components && Object.entries(r.components).map(([k, v]) => <div class="muted" key={k}>{k} {fmt(v)}</div>)}
      {dense && <div class="muted">map: {dense[0]} [{fmt(dense[1].min, 2)}, {fmt(dense[1].max, 2)}]</div>}
      {clip && <div class="muted">clip: {clip.meta.frames ?? '?'} frames{clip.meta.fps ? ` at ${clip.meta.fps} fps` : ''}</div>}
      <div class="muted">seed {s.seed}</div>
      </div>
      {trajectory && <Trajectory media={trajectory} folder={props.folder} />}
    </div>
  );
}

/** The x̂₀ strip: the model's guess of the finished image at evenly spaced denoising steps, noise level below each. */
function Trajectory(props: { media: Media; folder: string }) {
  const sigmas = props.media.meta.sigmas ?? [];
  return (
    <div class="trajectory">
      <div class="muted">x̂₀ across denoising steps (σ from 1 → 0)</div>
      <img src={fileUrl(props.folder, props.media.href)} alt="x̂₀ trajectory" />
      <div class="sigmas">{sigmas.map((x, i) => <span key={i}>σ {x.toFixed(2)}</span>)}</div>
    </div>
  );
}

/**
 * The map drawn over the image: a reward map is higher-is-better, so pixels below 0 (penalised) are tinted red and
 * pixels above 0 green, with opacity proportional to |value| / max |value|; 0 stays clear.
 */
function DenseOverlay(props: { map: DenseMap }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = ref.current;
    if (!c) return;
    const { width, height, data, min, max } = props.map;
    c.width = width;
    c.height = height;
    const bytes = Uint8Array.from(atob(data), (ch) => ch.charCodeAt(0));
    const scale = Math.max(Math.abs(min), Math.abs(max)) || 1;
    const ctx = c.getContext('2d')!;
    const img = ctx.createImageData(width, height);
    for (let i = 0; i < width * height; i++) {
      const v = (min + ((max - min) * (bytes[i] ?? 0)) / 255) / scale;
      img.data[4 * i] = v < 0 ? 230 : 30;
      img.data[4 * i + 1] = v < 0 ? 30 : 200;
      img.data[4 * i + 2] = 40;
      img.data[4 * i + 3] = Math.round(170 * Math.min(1, Math.abs(v)));
    }
    ctx.putImageData(img, 0, 0);
  }, [props.map]);
  return <canvas class="overlay" ref={ref} />;
}
