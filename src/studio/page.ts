// The one HTML page every Studio route serves: the bundled app (/app.js, ./web-bundle.ts) routes on the client.
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Refract Studio</title>
<style>
  :root { --fg: #1b1f24; --muted: #5b6470; --line: #d8dde3; --accent: #2457c5; --bad: #b3261e; --good: #1f7a3a; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 14px/1.45 system-ui, sans-serif; color: var(--fg); background: #f6f7f9; }
  header { display: flex; gap: 18px; align-items: center; padding: 10px 20px; background: #fff; border-bottom: 1px solid var(--line); }
  header b { font-size: 16px; }
  header a { color: var(--muted); text-decoration: none; }
  header a.on { color: var(--accent); font-weight: 600; }
  main { padding: 16px 20px; max-width: 1200px; }
  table { border-collapse: collapse; background: #fff; }
  th, td { padding: 5px 10px; border-bottom: 1px solid var(--line); text-align: left; }
  th { font-weight: 600; color: var(--muted); }
  td.num { text-align: right; font-variant-numeric: tabular-nums; }
  .card { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 12px; margin: 0 0 14px; }
  .grid { display: flex; flex-wrap: wrap; gap: 10px; }
  .sample { width: 150px; background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 6px; font-size: 12px; }
  .sample .img { position: relative; width: 136px; height: 136px; }
  .sample img, .sample canvas, .sample video { width: 136px; height: 136px; image-rendering: pixelated; position: absolute; left: 0; top: 0; }
  .sample.wide { width: 412px; display: grid; grid-template-columns: 136px 1fr; column-gap: 10px; }
  .sample.wide .trajectory { grid-column: 1 / span 2; }
  .trajectory img { width: 398px; height: auto; position: static; image-rendering: pixelated; display: block; margin-top: 4px; }
  .trajectory .sigmas { display: flex; justify-content: space-around; color: var(--muted); font-size: 11px; }
  .ok { color: var(--good); font-weight: 600; } .bad { color: var(--bad); font-weight: 600; }
  .alarm { color: var(--bad); }
  .bar { height: 6px; background: var(--line); border-radius: 3px; width: 120px; display: inline-block; vertical-align: middle; }
  .bar > i { display: block; height: 6px; background: var(--accent); border-radius: 3px; }
  .label-row { display: flex; gap: 16px; }
  .choice { text-align: center; background: #fff; border: 2px solid var(--line); border-radius: 8px; padding: 8px; cursor: pointer; }
  .choice img { width: 224px; height: 224px; image-rendering: pixelated; display: block; }
  .choice.picked { border-color: var(--accent); }
  kbd { border: 1px solid var(--line); border-radius: 3px; padding: 0 4px; background: #fff; font-size: 12px; }
  button { font: inherit; padding: 4px 12px; }
  input { font: inherit; padding: 3px 6px; }
  .muted { color: var(--muted); }
  .error { color: var(--bad); }
</style>
</head>
<body><div id="app"></div><script type="module" src="/app.js"></script></body>
</html>
`;
