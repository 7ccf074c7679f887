// The read API over the runs folder: the runs list, one run (curves, evaluations, alarms, samples), live updates of a
// run over Server-Sent Events, files of a run folder, comparisons and reward cards.
// Live updates: the run store is the source of truth (DESIGN §6); each open event stream polls its run's store
// every `pollMs` for steps, evaluations and a status newer than what it sent — three indexed queries on a WAL
// database, which never block the training process writing it.
import { createReadStream, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { loadRunData, monitorActions, ReportInputError, RUN_STORE_FILE } from '../eval/report/run-data.js';
import { RunStore } from '../store/run-store.js';
import type { StepRow } from '../store/run-store-types.js';
import { CARDS_FILE } from '../reliability/audit/write.js';
import { resolveInside } from './paths.js';
import { COMPARE_FILE, STUDIO_CARD_FILE, listJson, listRuns } from './runs-index.js';

const runQuery = {
  type: 'object',
  required: ['folder'],
  additionalProperties: false,
  properties: {
    folder: { type: 'string', maxLength: 500 },
    id: { type: 'integer', minimum: 1 },
    after: { type: 'integer', minimum: -1 },
    token: { type: 'string', maxLength: 200 },
  },
} as const;

const fileQuery = {
  type: 'object',
  required: ['folder', 'path'],
  additionalProperties: false,
  properties: { folder: { type: 'string', maxLength: 500 }, path: { type: 'string', maxLength: 500 }, token: { type: 'string', maxLength: 200 } },
} as const;

const TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.gif': 'image/gif',
  '.webm': 'video/webm',
  '.mp4': 'video/mp4',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
};

export function registerRunRoutes(app: FastifyInstance, runsDir: string, pollMs: number): void {
  const runFolder = (folder: string): string => resolveInside(runsDir, folder);

  app.get('/api/runs', async () => ({ runs: listRuns(runsDir) }));

  app.get<{ Querystring: { folder: string; id?: number } }>('/api/run', { schema: { querystring: runQuery } }, async (req) => {
    try {
      const d = loadRunData(runFolder(req.query.folder), req.query.id);
      return {
        run: d.run,
        runIds: d.runIds,
        steps: d.steps,
        evaluations: d.evaluations,
        alarms: monitorActions(d.monitorEvents, d.diagnostics),
        samples: d.samples.map(({ href, ...s }) => ({ ...s, href })),
      };
    } catch (err) {
      if (err instanceof ReportInputError) throw Object.assign(new Error(err.detail), { statusCode: 404 });
      throw err;
    }
  });

  app.get<{ Querystring: { folder: string; id?: number; after?: number } }>(
    '/api/events',
    { schema: { querystring: runQuery } },
    async (req, reply) => {
      const file = path.join(runFolder(req.query.folder), RUN_STORE_FILE);
      if (!existsSync(file)) throw Object.assign(new Error(`folder must hold ${RUN_STORE_FILE}`), { statusCode: 404 });
      const store = RunStore.open(file);
      const runId = req.query.id ?? store.runs().at(-1)?.id;
      if (runId === undefined) {
        store.close();
        throw Object.assign(new Error('the store must hold a run, got none'), { statusCode: 404 });
      }
      reply.hijack();
      reply.raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      const cursor = { step: req.query.after ?? -1, evals: 0, alarms: 0, status: '' };
      const send = (event: string, data: unknown): boolean => reply.raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      const poll = (): void => {
        try {
          const steps: StepRow[] = store.metrics(runId).filter((s) => s.step > cursor.step);
          if (steps.length > 0) {
            send('steps', steps);
            cursor.step = steps[steps.length - 1]!.step;
          }
          const evals = store.evaluations(runId);
          if (evals.length > cursor.evals) send('evaluations', evals.slice(cursor.evals));
          cursor.evals = evals.length;
          const alarms = monitorActions(store.monitorEvents(runId), store.diagnostics(runId));
          if (alarms.length > cursor.alarms) send('alarms', alarms.slice(cursor.alarms));
          cursor.alarms = alarms.length;
          const status = store.run(runId).status;
          if (status !== cursor.status) send('status', { status });
          cursor.status = status;
        } catch {
          send('error', { error: 'the run store could not be read' });
        }
      };
      poll();
      const timer = setInterval(poll, pollMs);
      req.raw.on('close', () => {
        clearInterval(timer);
        store.close();
      });
    },
  );

  app.get<{ Querystring: { folder: string; path: string } }>('/api/file', { schema: { querystring: fileQuery } }, async (req, reply) => {
    const file = resolveInside(runFolder(req.query.folder), req.query.path);
    const type = TYPES[path.extname(file).toLowerCase()];
    if (type === undefined) throw Object.assign(new Error(`path must name a ${Object.keys(TYPES).join(', ')} file`), { statusCode: 400 });
    if (!existsSync(file) || !statSync(file).isFile()) throw Object.assign(new Error('no such file in the run folder'), { statusCode: 404 });
    return reply.type(type).send(createReadStream(file));
  });

  app.get('/api/compare', async () => ({ comparisons: listJson(runsDir, COMPARE_FILE) }));
  app.get('/api/cards', async () => ({ audits: listJson(runsDir, CARDS_FILE), studio: listJson(runsDir, STUDIO_CARD_FILE) }));
}
