// The labeling API. A client never learns which comparison is a known-answer check, nor any gold score: it gets a
// prompt and two or four image URLs, and answers with the index of the preferred image, 'tie' or 'skip'. Every
// answer carries a client-made `key` (a UUID): the label is written once however often the request is retried, and
// the answer is sent only after the transaction committed.
import { existsSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { requireAdmin, requireLabeler } from './auth.js';
import { LabelError, type Choice, type LabelDb, type PoolPair } from './label-db.js';
import type { LabelQueue } from './queue.js';
import { buildPool } from './pool.js';
import { resolveInside } from './paths.js';

const labelBody = {
  type: 'object',
  required: ['key', 'pair', 'choice'],
  additionalProperties: false,
  properties: {
    key: { type: 'string', minLength: 8, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' },
    pair: { type: 'integer', minimum: 1 },
    choice: { anyOf: [{ type: 'integer', minimum: 0, maximum: 3 }, { type: 'string', enum: ['tie', 'skip'] }] },
  },
} as const;

const labelerBody = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9 ._-]+$' },
    role: { type: 'string', enum: ['labeler', 'admin'] },
  },
} as const;

const poolBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    pairs: { type: 'integer', minimum: 0, maximum: 20000 },
    bestOf4: { type: 'integer', minimum: 0, maximum: 5000 },
    checkEvery: { type: 'integer', minimum: 0, maximum: 1000 },
    seed: { type: 'integer', minimum: 0, maximum: 2 ** 31 },
  },
} as const;

const idQuery = {
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: { id: { type: 'integer', minimum: 1 }, token: { type: 'string', maxLength: 200 } },
} as const;

/** What the client sees of a comparison: no known answer, no gold. */
function shown(pair: PoolPair): { id: number; prompt: string; items: { id: number; url: string }[] } {
  return { id: pair.id, prompt: pair.prompt, items: pair.items.map((id) => ({ id, url: `/api/pool/image?id=${id}` })) };
}

export function registerLabelRoutes(app: FastifyInstance, db: LabelDb, queue: LabelQueue): void {
  app.get('/api/me', async (req) => ({ identity: req.identity }));

  app.get('/api/label/next', async (req) => {
    const who = requireLabeler(req);
    const pair = queue.next(who.name);
    return { pair: pair === null ? null : shown(pair), answered: db.answered(who.name) };
  });

  app.post<{ Body: { key: string; pair: number; choice: Choice } }>('/api/label', { schema: { body: labelBody } }, async (req) => {
    const who = requireLabeler(req);
    try {
      const r = db.label(req.body.key, req.body.pair, who.name, req.body.choice);
      queue.release(who.name);
      return { ok: true, label: r.labelId, preferences: r.preferenceIds, duplicate: r.duplicate };
    } catch (err) {
      if (err instanceof LabelError) throw Object.assign(new Error(err.message), { statusCode: err.statusCode });
      throw err;
    }
  });

  app.post('/api/label/undo', async (req) => {
    const who = requireLabeler(req);
    queue.release(who.name);
    return { undone: db.undo(who.name) };
  });

  app.get('/api/labelers', async () => ({
    labelers: db.agreement(),
    labels: db.labelCount(),
    pairs: (db.db.prepare('SELECT COUNT(*) AS n FROM studio_pairs').get() as { n: number }).n,
    preferences: db.db.prepare('SELECT COUNT(*) AS n FROM preferences').get(),
  }));

  app.post<{ Body: { name: string; role?: 'labeler' | 'admin' } }>('/api/labelers', { schema: { body: labelerBody } }, async (req, reply) => {
    requireAdmin(req);
    if (db.hasLabeler(req.body.name)) throw Object.assign(new Error(`name must be new, got ${req.body.name}, who exists`), { statusCode: 409 });
    const token = db.addLabeler(req.body.name, req.body.role ?? 'labeler');
    return reply.code(201).send({ name: req.body.name, token });
  });

  app.post<{ Body: { pairs?: number; bestOf4?: number; checkEvery?: number; seed?: number } }>('/api/pool', { schema: { body: poolBody } }, async (req) => {
    requireAdmin(req);
    return buildPool(db, req.body);
  });

  app.get<{ Querystring: { id: number } }>('/api/pool/image', { schema: { querystring: idQuery } }, async (req, reply) => {
    const item = db.item(req.query.id);
    if (item === null) throw Object.assign(new Error('id must be an item of the pool'), { statusCode: 404 });
    const file = resolveInside(db.dir, item.path);
    if (!existsSync(file)) throw Object.assign(new Error('the image is missing from the pool folder'), { statusCode: 404 });
    return reply.type('image/png').header('cache-control', 'private, max-age=3600').send(await import('node:fs/promises').then((f) => f.readFile(file)));
  });
}
