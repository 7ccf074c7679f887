// Talking to the Studio's API: the token (from ?token= once, then localStorage) goes in the Authorization header,
// or as ?token= where the browser cannot set headers (<img>, EventSource).
const KEY = 'refract-studio-token';

const fromUrl = new URLSearchParams(location.search).get('token');
if (fromUrl) {
  localStorage.setItem(KEY, fromUrl);
  const u = new URL(location.href);
  u.searchParams.delete('token');
  history.replaceState(null, '', u.toString());
}

export const token = (): string => localStorage.getItem(KEY) ?? '';
export const setToken = (t: string): void => localStorage.setItem(KEY, t);

export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const headers: Record<string, string> = {};
  if (token()) headers['authorization'] = `Bearer ${token()}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method: init.method ?? 'GET', headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  const json = (await res.json()) as T & { error?: string };
  if (!res.ok) throw new Error(json.error ?? `HTTP ${res.status}`);
  return json;
}

/** A URL with the token appended (for <img src> and EventSource). */
export const withToken = (url: string): string => (token() ? `${url}${url.includes('?') ? '&' : '?'}token=${encodeURIComponent(token())}` : url);

export const fileUrl = (folder: string, p: string): string =>
  withToken(`/api/file?folder=${encodeURIComponent(folder)}&path=${encodeURIComponent(p)}`);

export const fmt = (x: number | null | undefined, d = 3): string => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(d));
export const pct = (x: number | null | undefined): string => (x === null || x === undefined || !Number.isFinite(x) ? '—' : `${(x * 100).toFixed(1)}%`);
