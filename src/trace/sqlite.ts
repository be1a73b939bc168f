import { openStageDatabase, type Migration } from '../store/index.js';
import { IncontextError, newId } from '../core/index.js';
import { buildTree, computeStats, decodeCursor, encodeCursor, limitOf, summarize, toMs, traceNotFound, validateFeedback } from './shared.js';
import type { Feedback, Span, SpanAttributes, SpanKind, SpanStatus, TracePage, TraceStore, TraceSummary } from './types.js';

export interface SqliteTraceStoreOptions {
  /** Database file; the trace tables live beside the document store's in `incontext.db`. */
  path: string;
}

const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'spans and feedback',
    sql: `
      CREATE TABLE trace_spans (
        project_id    TEXT NOT NULL,
        trace_id      TEXT NOT NULL,
        span_id       TEXT NOT NULL,
        parent_id     TEXT,
        name          TEXT NOT NULL,
        kind          TEXT NOT NULL,
        start_time    INTEGER NOT NULL,
        end_time      INTEGER NOT NULL,
        status        TEXT NOT NULL,
        error         TEXT,
        -- Copies of attributes that filters and totals use, so they can be indexed.
        model         TEXT,
        user          TEXT,
        input_tokens  INTEGER,
        output_tokens INTEGER,
        cost_usd      REAL,
        attributes    TEXT NOT NULL,
        input         TEXT,
        output        TEXT,
        PRIMARY KEY (project_id, trace_id, span_id)
      );
      CREATE INDEX trace_spans_roots ON trace_spans (project_id, start_time DESC, trace_id DESC) WHERE parent_id IS NULL;
      CREATE INDEX trace_spans_status ON trace_spans (project_id, status, start_time) WHERE parent_id IS NULL;
      CREATE INDEX trace_spans_model ON trace_spans (project_id, model, trace_id) WHERE model IS NOT NULL;
      CREATE INDEX trace_spans_user ON trace_spans (project_id, user, trace_id) WHERE user IS NOT NULL;
      CREATE TABLE trace_feedback (
        id         TEXT PRIMARY KEY,
        project_id TEXT NOT NULL,
        trace_id   TEXT NOT NULL,
        score      REAL,
        label      TEXT,
        comment    TEXT,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX trace_feedback_trace ON trace_feedback (project_id, trace_id);
    `,
  },
];

interface Row {
  project_id: string;
  trace_id: string;
  span_id: string;
  parent_id: string | null;
  name: string;
  kind: string;
  start_time: number;
  end_time: number;
  status: string;
  error: string | null;
  attributes: string;
  input?: string | null;
  output?: string | null;
}

function toSpan(r: Row): Span {
  return {
    traceId: r.trace_id,
    spanId: r.span_id,
    ...(r.parent_id === null ? {} : { parentId: r.parent_id }),
    projectId: r.project_id,
    name: r.name,
    kind: r.kind as SpanKind,
    startTime: r.start_time,
    endTime: r.end_time,
    status: r.status as SpanStatus,
    ...(r.error === null ? {} : { error: r.error }),
    attributes: JSON.parse(r.attributes) as SpanAttributes,
    ...(r.input === null || r.input === undefined ? {} : { input: r.input }),
    ...(r.output === null || r.output === undefined ? {} : { output: r.output }),
  };
}

interface LeanRow {
  trace_id: string;
  span_id: string;
  kind: string;
  start_time: number;
  end_time: number;
  status: string;
  model: string | null;
  input_tokens: number | null;
  output_tokens: number | null;
  cost_usd: number | null;
  /** json_extract turns JSON true/false into 1/0. */
  cached: number | null;
}

interface FeedbackRow {
  id: string;
  project_id: string;
  trace_id: string;
  score: number | null;
  label: string | null;
  comment: string | null;
  created_at: number;
}

function toFeedback(r: FeedbackRow): Feedback {
  return {
    id: r.id,
    projectId: r.project_id,
    traceId: r.trace_id,
    createdAt: r.created_at,
    ...(r.score === null ? {} : { score: r.score }),
    ...(r.label === null ? {} : { label: r.label }),
    ...(r.comment === null ? {} : { comment: r.comment }),
  };
}

const COLUMNS_NO_TEXT = 'project_id, trace_id, span_id, parent_id, name, kind, start_time, end_time, status, error, attributes';
/**
 * Totals of a trace, as correlated subqueries so a page stops reading once it is full.
 * The unary + keeps SQLite off the model index here, which it would otherwise scan
 * project-wide for every row instead of looking up the trace's few spans.
 */
const SAME_TRACE = 's.project_id = r.project_id AND s.trace_id = r.trace_id';
const TOTALS = `
  (SELECT COALESCE(SUM(s.input_tokens), 0) FROM trace_spans s WHERE ${SAME_TRACE} AND s.kind != 'llm.attempt') AS t_in,
  (SELECT COALESCE(SUM(s.output_tokens), 0) FROM trace_spans s WHERE ${SAME_TRACE} AND s.kind != 'llm.attempt') AS t_out,
  (SELECT COALESCE(SUM(s.cost_usd), 0) FROM trace_spans s WHERE ${SAME_TRACE} AND s.kind != 'llm.attempt') AS t_cost,
  (SELECT COUNT(*) FROM trace_spans s WHERE ${SAME_TRACE}) AS t_n,
  (SELECT json_group_array(model) FROM (SELECT DISTINCT s.model FROM trace_spans s WHERE ${SAME_TRACE} AND +s.model IS NOT NULL ORDER BY +s.model)) AS t_models`;

export function openSqliteTraceStore(options: SqliteTraceStoreOptions): TraceStore {
  const db = openStageDatabase({ path: options.path, stage: 'trace', migrations: MIGRATIONS, table: 'trace_migrations' });


  const insert = db.prepare(`INSERT OR REPLACE INTO trace_spans
    (project_id, trace_id, span_id, parent_id, name, kind, start_time, end_time, status, error, model, user, input_tokens, output_tokens, cost_usd, attributes, input, output)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const writeMany = db.transaction((spans: Span[]) => {
    for (const s of spans) {
      const a = s.attributes;
      insert.run(
        s.projectId, s.traceId, s.spanId, s.parentId ?? null, s.name, s.kind, s.startTime, s.endTime, s.status, s.error ?? null,
        typeof a.model === 'string' ? a.model : null,
        typeof a.user === 'string' ? a.user : null,
        a.inputTokens ?? null, a.outputTokens ?? null, a.costUsd ?? null,
        JSON.stringify(a), s.input ?? null, s.output ?? null,
      );
    }
  });

  const wrap = <T>(what: string, fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      if (IncontextError.isInstance(err)) throw err;
      throw new IncontextError('STORE_FAILED', `Trace ${what} failed: ${(err as Error).message}`, {
        input: { path: options.path },
        hint: 'The database may be locked by another process for longer than 5 s, or corrupt.',
        cause: err,
      });
    }
  };

  const exists = (projectId: string, traceId: string) =>
    db.prepare('SELECT 1 FROM trace_spans WHERE project_id = ? AND trace_id = ? LIMIT 1').get(projectId, traceId) !== undefined;

  return {
    async write(spans) {
      wrap('write', () => writeMany(spans));
    },
    async listTraces(projectId, filters = {}): Promise<TracePage> {
      const limit = limitOf(filters);
      const where = ['r.project_id = ?', 'r.parent_id IS NULL'];
      const params: unknown[] = [projectId];
      const add = (cond: string, ...values: unknown[]) => {
        where.push(cond);
        params.push(...values);
      };
      if (filters.from !== undefined) add('r.start_time >= ?', toMs(filters.from, 'from'));
      if (filters.to !== undefined) add('r.start_time < ?', toMs(filters.to, 'to'));
      if (filters.status !== undefined) add('r.status = ?', filters.status);
      if (filters.model !== undefined) add(`EXISTS (SELECT 1 FROM trace_spans s WHERE ${SAME_TRACE} AND s.model = ?)`, filters.model);
      if (filters.user !== undefined) add(`EXISTS (SELECT 1 FROM trace_spans s WHERE ${SAME_TRACE} AND s.user = ?)`, filters.user);
      if (filters.text !== undefined && filters.text !== '') {
        const like = `%${filters.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
        add(`EXISTS (SELECT 1 FROM trace_spans s WHERE ${SAME_TRACE} AND (s.input LIKE ? ESCAPE '\\' OR s.output LIKE ? ESCAPE '\\'))`, like, like);
      }
      if (filters.cursor !== undefined) {
        const c = decodeCursor(filters.cursor);
        add('(r.start_time < ? OR (r.start_time = ? AND r.trace_id < ?))', c.startTime, c.startTime, c.traceId);
      }
      if (filters.minCostUsd !== undefined) {
        add(`(SELECT COALESCE(SUM(s.cost_usd), 0) FROM trace_spans s WHERE ${SAME_TRACE} AND s.kind != 'llm.attempt') >= ?`, filters.minCostUsd);
      }
      // No wrapping subquery: the ORDER BY then walks the partial roots index and stops at the limit.
      const sql = `SELECT ${COLUMNS_NO_TEXT.split(', ').map((c) => `r.${c}`).join(', ')}, ${TOTALS}
        FROM trace_spans r WHERE ${where.join(' AND ')}
        ORDER BY r.start_time DESC, r.trace_id DESC LIMIT ?`;
      params.push(limit + 1);
      const rows = wrap('list', () => db.prepare(sql).all(...params)) as Array<Row & { t_in: number; t_out: number; t_cost: number; t_n: number; t_models: string }>;
      const traces: TraceSummary[] = rows.slice(0, limit).map((r) => {
        const base = summarize(toSpan(r), []);
        return { ...base, models: JSON.parse(r.t_models) as string[], inputTokens: r.t_in, outputTokens: r.t_out, costUsd: r.t_cost, spanCount: r.t_n };
      });
      return { traces, ...(rows.length > limit ? { nextCursor: encodeCursor(traces[traces.length - 1]!) } : {}) };
    },
    async getTrace(projectId, traceId) {
      const rows = wrap('read', () => db.prepare('SELECT * FROM trace_spans WHERE project_id = ? AND trace_id = ?').all(projectId, traceId)) as Row[];
      if (!rows.length) throw traceNotFound(traceId);
      return buildTree(rows.map(toSpan));
    },
    async addFeedback(projectId, traceId, input) {
      validateFeedback(input);
      return wrap('feedback', () => {
        if (!exists(projectId, traceId)) throw traceNotFound(traceId);
        const f: Feedback = { id: newId('fb'), projectId, traceId, createdAt: Date.now(), ...input };
        db.prepare('INSERT INTO trace_feedback (id, project_id, trace_id, score, label, comment, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
          f.id, projectId, traceId, f.score ?? null, f.label ?? null, f.comment ?? null, f.createdAt,
        );
        return f;
      });
    },
    async listFeedback(projectId, traceId) {
      const rows = wrap('feedback', () => db.prepare('SELECT * FROM trace_feedback WHERE project_id = ? AND trace_id = ? ORDER BY created_at, rowid').all(projectId, traceId));
      return (rows as FeedbackRow[]).map(toFeedback);
    },
    async rootInputs(projectId, range, limit) {
      const from = toMs(range.from, 'from');
      const to = toMs(range.to, 'to');
      return wrap('rootInputs', () =>
        (
          db
            .prepare(
              `SELECT input FROM trace_spans WHERE project_id = ? AND parent_id IS NULL AND start_time >= ? AND start_time < ?
               AND input IS NOT NULL AND input NOT LIKE 'sha256:%' ORDER BY start_time DESC LIMIT ?`,
            )
            .all(projectId, from, to, limit) as Array<{ input: string }>
        ).map((r) => r.input),
      );
    },
    async stats(projectId, range) {
      const from = toMs(range.from, 'from');
      const to = toMs(range.to, 'to');
      return wrap('stats', () => {
        const roots = (db.prepare(`SELECT ${COLUMNS_NO_TEXT} FROM trace_spans WHERE project_id = ? AND parent_id IS NULL AND start_time >= ? AND start_time < ?`).all(projectId, from, to) as Row[]).map(toSpan);
        const inRange = `SELECT trace_id FROM trace_spans WHERE project_id = ? AND parent_id IS NULL AND start_time >= ? AND start_time < ?`;
        // Only what computeStats reads, from the indexed columns: parsing every span's JSON dominated the time.
        const lean = db.prepare(
          `SELECT trace_id, span_id, kind, start_time, end_time, status, model, input_tokens, output_tokens, cost_usd, json_extract(attributes, '$.cached') AS cached
           FROM trace_spans WHERE project_id = ? AND trace_id IN (${inRange})`,
        );
        const spans = (lean.all(projectId, projectId, from, to) as LeanRow[]).map((r): Span => ({
          traceId: r.trace_id,
          spanId: r.span_id,
          projectId,
          name: '',
          kind: r.kind as SpanKind,
          startTime: r.start_time,
          endTime: r.end_time,
          status: r.status as SpanStatus,
          attributes: {
            ...(r.model === null ? {} : { model: r.model }),
            ...(r.input_tokens === null ? {} : { inputTokens: r.input_tokens }),
            ...(r.output_tokens === null ? {} : { outputTokens: r.output_tokens }),
            ...(r.cost_usd === null ? {} : { costUsd: r.cost_usd }),
            ...(r.cached === null ? {} : { cached: r.cached === 1 }),
          },
        }));
        const feedback = (db.prepare(`SELECT * FROM trace_feedback WHERE project_id = ? AND trace_id IN (${inRange})`).all(projectId, projectId, from, to) as FeedbackRow[]).map(toFeedback);
        return computeStats(from, to, roots, spans, feedback);
      });
    },
    async deleteTraces(projectId, { before }) {
      const cut = toMs(before, 'before');
      return wrap('delete', () =>
        db.transaction(() => {
          db.exec('CREATE TEMP TABLE IF NOT EXISTS doomed (trace_id TEXT PRIMARY KEY); DELETE FROM doomed;');
          const n = db.prepare('INSERT INTO doomed SELECT trace_id FROM trace_spans WHERE project_id = ? AND parent_id IS NULL AND start_time < ?').run(projectId, cut).changes;
          db.prepare('DELETE FROM trace_spans WHERE project_id = ? AND trace_id IN (SELECT trace_id FROM doomed)').run(projectId);
          db.prepare('DELETE FROM trace_feedback WHERE project_id = ? AND trace_id IN (SELECT trace_id FROM doomed)').run(projectId);
          db.exec('DELETE FROM doomed');
          return n;
        })(),
      );
    },
    async close() {
      db.close();
    },
  };
}
