import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { IncontextError } from '../core/index.js';
import type { Incontext } from '../app/index.js';
import { readJson } from './errors.js';
import { projectOf } from './native.js';

const FeedbackRequest = z.strictObject({
  score: z.number().finite().optional(),
  label: z.string().max(200).optional(),
  comment: z.string().max(10_000).optional(),
});

const ListQuery = z.strictObject({
  from: z.string().optional(),
  to: z.string().optional(),
  model: z.string().optional(),
  status: z.enum(['ok', 'error']).optional(),
  user: z.string().optional(),
  minCostUsd: z.coerce.number().min(0).optional(),
  text: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
  cursor: z.string().optional(),
  project: z.string().optional(),
});

function query(c: Context) {
  const r = ListQuery.safeParse(c.req.query());
  if (!r.success) {
    const issue = r.error.issues[0];
    const key = issue?.code === 'unrecognized_keys' ? issue.keys.join(', ') : (issue?.path.join('.') ?? '');
    throw new IncontextError('BAD_REQUEST', `Invalid query parameter "${key}": ${issue?.message ?? ''}`, {
      input: { key },
      hint: 'Filters: from, to, model, status (ok|error), user, minCostUsd, text, limit, cursor.',
    });
  }
  const { project: _project, ...filters } = r.data;
  return Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== undefined));
}

/** Traces of the project: list with filters, one trace as a span tree, feedback on a trace, and stats. */
export function traceRoutes(ic: Incontext): Hono {
  const api = new Hono();
  const project = (c: Context) => projectOf(c, ic.config.project);

  api.get('/traces', async (c) => c.json(await ic.traces.listTraces(project(c), query(c))));
  api.get('/traces/:id', async (c) => c.json({ traceId: c.req.param('id'), spans: await ic.traces.getTrace(project(c), c.req.param('id')) }));
  api.post('/traces/:id/feedback', async (c) => {
    const body = await readJson(c, FeedbackRequest);
    if (body.score === undefined && body.label === undefined && body.comment === undefined) {
      throw new IncontextError('BAD_REQUEST', 'Feedback needs a score, a label or a comment', { input: { key: 'score' }, hint: 'e.g. {"score": 1, "comment": "cited the right page"}' });
    }
    const feedback = Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined));
    return c.json(await ic.traces.addFeedback(project(c), c.req.param('id'), feedback), 201);
  });
  api.get('/stats', async (c) => {
    const to = Date.now();
    const days = Math.min(Math.max(Number(c.req.query('days') ?? 30) || 30, 1), 366);
    return c.json(await ic.stats({ project: project(c), days, to }));
  });
  return api;
}
