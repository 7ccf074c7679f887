// The Studio's browser app: one page, routed on the client by the path (/runs, /run, /samples, /compare, /cards,
// /label, /loop). Bundled by esbuild (src/studio/web-bundle.ts).
import { render } from 'preact';
import { RunsPage } from './runs.js';
import { RunPage } from './run.js';
import { SamplesPage } from './samples.js';
import { ComparePage, CardsPage } from './tables.js';
import { LabelPage } from './label.js';
import { LoopPage } from './loop.js';

const NAV: [string, string][] = [['/runs', 'runs'], ['/compare', 'compare'], ['/cards', 'reward cards'], ['/label', 'label'], ['/loop', 'loop']];

function App() {
  const path = location.pathname === '/' ? '/runs' : location.pathname;
  const q = new URLSearchParams(location.search);
  const folder = q.get('folder') ?? '';
  const id = q.get('id') ? Number(q.get('id')) : null;
  const page =
    path === '/run' ? <RunPage folder={folder} id={id} /> :
    path === '/samples' ? <SamplesPage folder={folder} id={id} /> :
    path === '/compare' ? <ComparePage /> :
    path === '/cards' ? <CardsPage /> :
    path === '/label' ? <LabelPage /> :
    path === '/loop' ? <LoopPage /> : <RunsPage />;
  return (
    <>
      <header>
        <b>Refract Studio</b>
        {NAV.map(([href, name]) => <a key={href} href={href} class={path === href ? 'on' : ''}>{name}</a>)}
      </header>
      <main>{page}</main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
