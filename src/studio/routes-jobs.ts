// The loop closed from the browser: train a reward model on the labels, audit it, launch a post-training run with it;
// all admin-only jobs in a worker process (./jobs.ts). The run's folder lands under the runs folder, so its curves
// appear on the runs and run pages like any other run.
import type { FastifyInstance } from 'fastify';
import { requireAdmin } from './auth.js';
import type { Jobs } from './jobs.js';
import { nextRewardModelName } from './reward-model.js';
import { ACQUISITIONS, type Acquisition } from './active.js';

const rmBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    members: { type: 'integer', minimum: 1, maximum: 8 },
    steps: { type: 'integer', minimum: 1, maximum: 5000 },
    seed: { type: 'integer', minimum: 0, maximum: 2 ** 31 },
    heldOutFraction: { type: 'number', minimum: 0.05, maximum: 0.5 },
    splitSeed: { type: 'integer', minimum: 0, maximum: 2147483647 },
    /** How the trained ensemble re-orders the labeling queue (src/studio/active.ts). */
    acquisition: { type: 'string', enum: ACQUISITIONS },
  },
} as const;

const safeName = { type: 'string', minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9_./-]+$' } as const;

const auditBody = {
  type: 'object',
  required: ['rewardModel'],
  additionalProperties: false,
  properties: { rewardModel: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' } },
} as const;

const launchBody = {
  type: 'object',
  required: ['rewardModel', 'config'],
  additionalProperties: false,
  properties: {
    rewardModel: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' },
    config: safeName,
    out: safeName,
    iterations: { type: 'integer', minimum: 1, maximum: 100000 },
    /** λ of the conservative reward mean − λ·std over the ensemble's members (0: the mean). */
    pessimism: { type: 'number', minimum: 0, maximum: 100 },
  },
} as const;

const jobQuery = { type: 'object', required: ['id'], additionalProperties: false, properties: { id: { type: 'integer', minimum: 1 }, token: { type: 'string', maxLength: 200 } } } as const;

export function registerJobRoutes(app: FastifyInstance, jobs: Jobs): void {
  app.get('/api/jobs', async () => ({ jobs: jobs.list() }));

  app.get<{ Querystring: { id: number } }>('/api/job', { schema: { querystring: jobQuery } }, async (req) => {
    const job = jobs.get(req.query.id);
    if (job === undefined) throw Object.assign(new Error('id must be a job of this server'), { statusCode: 404 });
    return { job };
  });

  app.post<{ Body: { members?: number; steps?: number; seed?: number; heldOutFraction?: number; splitSeed?: number; acquisition?: Acquisition } }>(
    '/api/reward-models',
    { schema: { body: rmBody } },
    async (req, reply) => {
      requireAdmin(req);
      const job = jobs.start({ kind: 'reward-model', name: nextRewardModelName(jobs.db), ...req.body });
      return reply.code(202).send({ job });
    },
  );

  app.post<{ Body: { rewardModel: string } }>('/api/audits', { schema: { body: auditBody } }, async (req, reply) => {
    requireAdmin(req);
    const job = jobs.start({ kind: 'audit', rewardModel: req.body.rewardModel });
    return reply.code(202).send({ job });
  });

  app.post<{ Body: { rewardModel: string; config: string; out?: string; iterations?: number; pessimism?: number } }>(
    '/api/launch',
    { schema: { body: launchBody } },
    async (req, reply) => {
      requireAdmin(req);
      const out = req.body.out ?? `studio-runs/${req.body.rewardModel}-${Date.now()}`;
      const { iterations, pessimism } = req.body;
      const job = jobs.start({ kind: 'train', rewardModel: req.body.rewardModel, config: req.body.config, out, ...(iterations ? { iterations } : {}), ...(pessimism ? { pessimism } : {}) });
      return reply.code(202).send({ job });
    },
  );
}
