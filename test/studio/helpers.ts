// Shared fixtures of the Studio tests: a temp runs folder with a small labeling pool, a started Studio on a free
// port, and a JSON fetch helper.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LabelDb } from '../../src/studio/label-db.js';
import { buildPool, type PoolOptions } from '../../src/studio/pool.js';
import { startStudio, type Studio, type StudioOptions } from '../../src/studio/server.js';

export function tempRuns(prefix = 'refract-studio-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Adds a pool to `<runs>/studio/labels.sqlite` (default: 20 pairs, 2 checks, 2 best-of-4 sets). */
export function withPool(runsDir: string, opts: Partial<PoolOptions> = {}): void {
  const db = LabelDb.open(path.join(runsDir, 'studio'));
  try {
    buildPool(db, { pairs: 20, bestOf4: 2, checkEvery: 10, seed: 1, ...opts });
  } finally {
    db.close();
  }
}

export async function studioOn(runsDir: string, opts: Partial<StudioOptions> = {}): Promise<Studio> {
  return startStudio({ runsDir, port: 0, pollMs: 100, ...opts });
}

export interface Reply<T> {
  status: number;
  body: T & { error?: string };
  text: string;
}

export async function call<T = Record<string, unknown>>(
  url: string,
  init: { method?: string; token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Reply<T>> {
  const headers: Record<string, string> = { ...(init.headers ?? {}) };
  if (init.token) headers['authorization'] = `Bearer ${init.token}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url, {
    method: init.method ?? 'GET',
    headers,
    ...(init.body !== undefined ? { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) } : {}),
  });
  const text = await res.text();
  let body: T & { error?: string };
  try {
    body = JSON.parse(text) as T & { error?: string };
  } catch {
    body = {} as T & { error?: string };
  }
  return { status: res.status, body, text };
}
