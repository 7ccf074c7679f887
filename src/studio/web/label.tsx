// The labeling page, keyboard first: ← / → pick the left / right image, t tie, s skip, u undo (1–4 pick in a
// best-of-4 set). Each answer gets a fresh key (UUID), so a retried request never writes a label twice.
import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, setToken, token } from './api.js';
import { Labelers } from './tables.js';

interface Shown { id: number; prompt: string; items: { id: number; url: string }[] }
interface Me { identity: { name: string; role: string } | null }

export function LabelPage() {
  const [me, setMe] = useState<Me['identity'] | undefined>(undefined);
  const [pair, setPair] = useState<Shown | null | undefined>(undefined);
  const [answered, setAnswered] = useState(0);
  const [message, setMessage] = useState('');
  const [busy, setBusy] = useState(false);
  const [stats, setStats] = useState<{ labeler: string; labels: number; checks: number; correct: number }[]>([]);

  const next = useCallback(async () => {
    const r = await api<{ pair: Shown | null; answered: number }>('/api/label/next');
    setPair(r.pair);
    setAnswered(r.answered);
    api<{ labelers: typeof stats }>('/api/labelers').then((x) => setStats(x.labelers), () => {});
  }, []);

  useEffect(() => {
    api<Me>('/api/me').then((m) => {
      setMe(m.identity);
      if (m.identity) void next();
    });
  }, []);

  const answer = useCallback(
    async (choice: number | 'tie' | 'skip') => {
      if (!pair || busy) return;
      if (choice === 'tie' && pair.items.length !== 2) return;
      setBusy(true);
      try {
        await api('/api/label', { method: 'POST', body: { key: crypto.randomUUID(), pair: pair.id, choice } });
        setMessage(choice === 'skip' ? 'skipped' : `saved: ${choice === 'tie' ? 'tie' : choice === 0 ? 'left' : choice === 1 ? 'right' : `#${choice + 1}`}`);
        await next();
      } catch (e) {
        setMessage(`not saved: ${(e as Error).message}`);
      } finally {
        setBusy(false);
      }
    },
    [pair, busy],
  );

  const undo = useCallback(async () => {
    setBusy(true);
    try {
      const r = await api<{ undone: number | null }>('/api/label/undo', { method: 'POST', body: {} });
      setMessage(r.undone === null ? 'nothing to undo' : 'undone');
      await next();
    } finally {
      setBusy(false);
    }
  }, []);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.target as HTMLElement).tagName === 'INPUT') return;
      if (e.key === 'ArrowLeft') void answer(0);
      else if (e.key === 'ArrowRight') void answer(1);
      else if (e.key === 't') void answer('tie');
      else if (e.key === 's') void answer('skip');
      else if (e.key === 'u') void undo();
      else if (/^[1-4]$/.test(e.key) && pair && Number(e.key) <= pair.items.length) void answer(Number(e.key) - 1);
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, [answer, undo, pair]);

  if (me === undefined) return <p class="muted">loading…</p>;
  if (me === null) return <Login />;
  return (
    <div id="label-page" data-busy={String(busy)}>
      <p>labeler <b id="labeler">{me.name}</b> · <span id="answered">{answered}</span> answered · <span id="message" class="muted">{message}</span></p>
      {pair === undefined ? <p class="muted">loading…</p> : pair === null ? <p id="done">Nothing left to label — thank you.</p> : (
        <div class="card" id="pair" data-pair={pair.id}>
          <p>Which image matches the prompt better? <b id="prompt">{pair.prompt}</b></p>
          <div class="label-row">
            {pair.items.map((it, i) => (
              <div class="choice" key={it.id} onClick={() => void answer(i)}>
                <img src={it.url.includes('token=') ? it.url : `${it.url}&token=${encodeURIComponent(token())}`} alt={`option ${i + 1}`} />
                <kbd>{pair.items.length === 2 ? (i === 0 ? '←' : '→') : String(i + 1)}</kbd>
              </div>
            ))}
          </div>
          <p class="muted">{pair.items.length === 2 ? <><kbd>←</kbd>/<kbd>→</kbd> pick · <kbd>t</kbd> tie</> : <><kbd>1</kbd>–<kbd>4</kbd> pick the best</>} · <kbd>s</kbd> skip · <kbd>u</kbd> undo</p>
        </div>
      )}
      <h3>Agreement on known-answer checks</h3>
      <Labelers rows={stats} />
    </div>
  );
}

function Login() {
  const [value, setValue] = useState('');
  return (
    <div class="card">
      <p>Paste your labeler token (the admin makes one on the loop page, or with <code>refract studio --add-labeler NAME</code>).</p>
      <input id="token" value={value} onInput={(e) => setValue((e.target as HTMLInputElement).value)} size={40} />{' '}
      <button onClick={() => { setToken(value.trim()); location.reload(); }}>sign in</button>
    </div>
  );
}
