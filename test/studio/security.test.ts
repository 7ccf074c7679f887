// One test per security rule of issue #13 §6.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startStudio } from '../../src/studio/server.js';
import { call, studioOn, tempRuns, withPool } from './helpers.js';

test('binds 127.0.0.1 by default; another host is refused without a token, and then every API read needs one', async () => {
  const t = tempRuns();
  try {
    const s = await studioOn(t.dir);
    try {
      const addr = s.app.server.address();
      assert.equal(typeof addr === 'object' && addr !== null ? addr.address : '', '127.0.0.1');
      assert.equal((await call(`${s.url}/api/runs`)).status, 200, 'loopback reads need no token');
    } finally {
      await s.close();
    }
    await assert.rejects(startStudio({ runsDir: t.dir, port: 0, host: '0.0.0.0' }), /--token must be given .* with --host 0\.0\.0\.0/);
    const token = 'a-long-enough-admin-token';
    const open = await startStudio({ runsDir: t.dir, port: 0, host: '0.0.0.0', token });
    try {
      const port = (open.app.server.address() as { port: number }).port;
      assert.equal((await call(`http://127.0.0.1:${port}/api/runs`)).status, 401);
      assert.equal((await call(`http://127.0.0.1:${port}/api/runs`, { token })).status, 200);
    } finally {
      await open.close();
    }
  } finally {
    t.cleanup();
  }
});

test('mutating requests need a labeler or admin token; admin routes refuse a labeler', async () => {
  const t = tempRuns();
  withPool(t.dir);
  const s = await studioOn(t.dir);
  try {
    assert.equal((await call(`${s.url}/api/label/undo`, { method: 'POST', body: {} })).status, 401);
    assert.equal((await call(`${s.url}/api/label/undo`, { method: 'POST', body: {}, token: 'not-a-token' })).status, 401);
    const made = await call<{ token: string }>(`${s.url}/api/labelers`, { method: 'POST', body: { name: 'dee' }, token: s.adminToken });
    assert.equal(made.status, 201);
    const lab = made.body.token;
    assert.equal((await call(`${s.url}/api/label/undo`, { method: 'POST', body: {}, token: lab })).status, 200);
    const denied = await call(`${s.url}/api/labelers`, { method: 'POST', body: { name: 'eve' }, token: lab });
    assert.equal(denied.status, 403);
    assert.equal((await call(`${s.url}/api/reward-models`, { method: 'POST', body: {}, token: lab })).status, 403);
  } finally {
    await s.close();
    t.cleanup();
  }
});

test('a browser Origin other than the Studio\'s own is refused on mutating requests', async () => {
  const t = tempRuns();
  const s = await studioOn(t.dir);
  try {
    const bad = await call(`${s.url}/api/label/undo`, { method: 'POST', body: {}, token: s.adminToken, headers: { origin: 'http://evil.example' } });
    assert.equal(bad.status, 403);
    assert.match(bad.body.error!, /Origin must be the Studio's own/);
    const own = await call(`${s.url}/api/label/undo`, { method: 'POST', body: {}, token: s.adminToken, headers: { origin: s.url } });
    assert.equal(own.status, 200);
  } finally {
    await s.close();
    t.cleanup();
  }
});

test('bodies are validated by schema and limited in size', async () => {
  const t = tempRuns();
  withPool(t.dir);
  const s = await studioOn(t.dir);
  try {
    const post = (body: unknown) => call(`${s.url}/api/label`, { method: 'POST', body, token: s.adminToken });
    assert.equal((await post({ key: 'abcdefgh', pair: 1, choice: 0, extra: 1 })).status, 400);
    assert.equal((await post({ key: 'abcdefgh', pair: 'one', choice: 0 })).status, 400);
    assert.equal((await post({ key: '../../etc', pair: 1, choice: 0 })).status, 400);
    assert.equal((await post('{not json')).status, 400);
    const rm = (body: unknown) => call(`${s.url}/api/reward-models`, { method: 'POST', body, token: s.adminToken });
    assert.equal((await rm({ acquisition: 'most-confusing' })).status, 400, 'an acquisition outside ACQUISITIONS');
    const bald = await rm({ acquisition: 'bald-learnable' });
    assert.equal(bald.status, 202, 'a known acquisition is accepted');
    assert.equal((bald.body as { job: { spec: { acquisition?: string } } }).job.spec.acquisition, 'bald-learnable', 'and reaches the job');
    const huge = await post({ key: 'abcdefgh', pair: 1, choice: 0, pad: 'x'.repeat(20_000) });
    assert.equal(huge.status, 413);
    assert.equal((await post({ key: 'abcdefgh', pair: 1, choice: 0 })).status, 200);
  } finally {
    await s.close();
    t.cleanup();
  }
});

test('file paths resolve inside the runs folder: ../ and absolute paths are refused', async () => {
  const t = tempRuns();
  mkdirSync(path.join(t.dir, 'r1'), { recursive: true });
  writeFileSync(path.join(t.dir, 'r1', 'ok.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
  writeFileSync(path.join(t.dir, 'secret.json'), '{}');
  const s = await studioOn(t.dir);
  try {
    const file = (folder: string, p: string) => call(`${s.url}/api/file?folder=${encodeURIComponent(folder)}&path=${encodeURIComponent(p)}`);
    assert.equal((await file('r1', 'ok.png')).status, 200);
    assert.equal((await file('r1', '../secret.json')).status, 400);
    assert.equal((await file('r1', '/etc/passwd')).status, 400);
    assert.equal((await file('..', 'x.png')).status, 400);
    assert.equal((await file('/tmp', 'x.png')).status, 400);
    symlinkSync(path.join(t.dir, 'secret.json'), path.join(t.dir, 'r1', 'link.json'));
    assert.equal((await file('r1', 'link.json')).status, 400, 'a link out of the run folder');
  } finally {
    await s.close();
    t.cleanup();
  }
});

test('requests are rate-limited per token', async () => {
  const t = tempRuns();
  const s = await studioOn(t.dir, { rateLimit: 5 });
  try {
    const made = await call<{ token: string }>(`${s.url}/api/labelers`, { method: 'POST', body: { name: 'fay' }, token: s.adminToken });
    const codes: number[] = [];
    for (let i = 0; i < 6; i++) codes.push((await call(`${s.url}/api/me`, { token: made.body.token })).status);
    assert.deepEqual(codes, [200, 200, 200, 200, 200, 429]);
    assert.equal((await call(`${s.url}/api/me`, { token: s.adminToken })).status, 200, 'another token has its own budget');
  } finally {
    await s.close();
    t.cleanup();
  }
});

test('clients never see a stack trace: an internal failure answers a generic 500', async () => {
  const t = tempRuns();
  mkdirSync(path.join(t.dir, 'broken'));
  writeFileSync(path.join(t.dir, 'broken', 'runs.sqlite'), 'this is not a database, it is garbage text '.repeat(200));
  const s = await studioOn(t.dir);
  const err = process.stderr.write;
  process.stderr.write = () => true; // the server logs the stack on its side
  try {
    const r = await call(`${s.url}/api/runs`);
    assert.equal(r.status, 500);
    assert.deepEqual(r.body, { error: 'internal error (see the server log)' });
    assert.doesNotMatch(r.text, /at .*\.js|SQLITE|node:/);
  } finally {
    process.stderr.write = err;
    await s.close();
    t.cleanup();
  }
});
