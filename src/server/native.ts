import { Hono, type Context } from 'hono';
import { IncontextError, type Filter, type Hit } from '../core/index.js';
import type { AskOptions, Incontext, RetrieveMode } from '../app/index.js';
import { requireProject, safeUploadName } from '../tenancy/index.js';
import { askedProject, callerOf, principalOf } from './auth.js';
import { readJson } from './errors.js';
import { sse } from './sse.js';
import { AgentRequest, AskRequest, IngestTextRequest, SearchRequest } from './schemas.js';

const PROJECT_RE = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/**
 * The project of a request. With an API key it is the key's project and nothing else: naming
 * another one (`X-Incontext-Project`, `?project=`) is 403. On an open server (no keys, loopback)
 * the header or query picks it, defaulting to the configured project.
 */
export function projectOf(c: Context, fallback: string): string {
  const asked = askedProject(c);
  const principal = principalOf(c);
  if (principal) {
    if (asked !== undefined) requireProject(principal, asked);
    return principal.project;
  }
  const p = asked ?? fallback;
  if (!PROJECT_RE.test(p)) {
    throw new IncontextError('BAD_REQUEST', `Invalid project id "${p}"`, { input: { key: 'project' }, hint: 'Project ids are lowercase letters, digits, _ and -.' });
  }
  return p;
}

/** Hits on the wire: flat and stable, the same shape as `incontext search --json`. */
export function hitJson(h: Hit) {
  return {
    chunkId: h.chunk.id,
    documentId: h.document.id,
    source: h.document.source,
    ...(h.document.title ? { title: h.document.title } : {}),
    score: h.score,
    scores: h.scores,
    rank: h.rank,
    text: h.chunk.text,
    metadata: h.chunk.metadata,
  };
}

export function nativeRoutes(ic: Incontext): Hono {
  const api = new Hono();
  const project = (c: Context) => projectOf(c, ic.config.project);

  api.post('/ingest', async (c) => {
    const p = project(c);
    const type = c.req.header('content-type') ?? '';
    if (type.startsWith('multipart/form-data')) {
      const form = await c.req.parseBody({ all: true });
      const files = Object.values(form).flat().filter((v): v is File => v instanceof File);
      if (!files.length) throw new IncontextError('BAD_REQUEST', 'No file in the multipart body', { input: { key: 'file' }, hint: 'Send files as form fields, e.g. curl -F file=@guide.pdf.' });
      // Every name is checked before anything is stored, so a refused batch leaves nothing half-ingested.
      // Refused, not rewritten: the name becomes the document's source, and a traversal attempt is not a typo.
      const named = files.map((f) => ({ f, name: `upload/${safeUploadName(f.name)}` }));
      const results = [];
      for (const { f, name } of named) {
        try {
          const r = await ic.ingestBytes(new Uint8Array(await f.arrayBuffer()), name, { project: p });
          results.push({ source: name, ...r });
        } catch (e) {
          const err = IncontextError.isInstance(e) ? e : new IncontextError('INTERNAL', String(e));
          results.push({ source: name, error: err.toJSON() });
        }
      }
      const failed = results.filter((r) => 'error' in r).length;
      return c.json({ results, ingested: results.length - failed, failed }, failed === results.length ? 422 : 200);
    }
    const body = await readJson(c, IngestTextRequest);
    const source = `api/${safeUploadName(body.source)}`;
    const r = await ic.ingestBytes(new TextEncoder().encode(body.text), source, {
      project: p,
      metadata: { ...(body.metadata ?? {}), ...(body.title ? { title: body.title } : {}) },
    });
    return c.json({ source, ...r });
  });

  api.get('/documents', async (c) => {
    const limit = Math.min(Number(c.req.query('limit') ?? 100) || 100, 1000);
    const offset = Math.max(Number(c.req.query('offset') ?? 0) || 0, 0);
    const docs = await ic.listDocuments({ project: project(c), limit, offset });
    return c.json({
      documents: docs.map((d) => ({ id: d.id, source: d.source, origin: d.origin, title: d.title, format: d.format, chunks: d.chunkCount, contentHash: d.contentHash, updatedAt: d.updatedAt })),
      limit,
      offset,
    });
  });

  api.delete('/documents/:id', async (c) => {
    const id = c.req.param('id');
    if (!(await ic.deleteDocument(id, { project: project(c) }))) {
      throw new IncontextError('NOT_FOUND', `No document ${id} in this project`, { input: { key: 'id' }, hint: 'List documents with GET /api/documents.' });
    }
    return c.json({ deleted: id });
  });

  api.post('/search', async (c) => {
    const body = await readJson(c, SearchRequest);
    const hits = await ic.search(body.query, { project: project(c), ...strip(body) });
    return c.json({ hits: hits.map(hitJson) });
  });

  api.post('/ask', async (c) => {
    const body = await readJson(c, AskRequest);
    const o = { project: project(c), ...strip(body), ...callerOf(c), signal: c.req.raw.signal };
    if (body.explain) {
      const x = await ic.explain(body.question, o);
      return c.json({ ...x, hits: x.hits.map(hitJson) });
    }
    const wantsStream = body.stream ?? (c.req.header('accept') ?? '').includes('text/event-stream');
    if (!wantsStream) {
      const a = await ic.ask(body.question, o);
      return c.json({ answer: a.answer, citations: a.citations, abstained: a.abstained, usage: a.usage, model: a.model, hits: a.hits.map(hitJson) });
    }
    return sse(c, async (stream) => {
      for await (const part of ic.askStream(body.question, o)) {
        const data =
          part.type === 'hit'
            ? { type: 'hit', hit: hitJson(part.hit) }
            : part.type === 'done'
              ? { type: 'done', answer: { ...part.answer, hits: part.answer.hits.map(hitJson) } }
              : part;
        await stream.write(JSON.stringify(data), part.type);
      }
    });
  });

  api.post('/agent', async (c) => {
    const body = await readJson(c, AgentRequest);
    // Built-in tools only: a request never names MCP servers (that would run commands or reach hosts for the caller).
    const agent = ic.agent({ project: project(c), ...callerOf(c), ...(body.model ? { model: body.model } : {}), ...(body.maxSteps ? { maxSteps: body.maxSteps } : {}) });
    const run = { ...(body.session ? { session: body.session } : {}), signal: c.req.raw.signal };
    if (!body.stream) {
      const r = await agent.run(body.input, run);
      return c.json({ text: r.text, stoppedBy: r.stoppedBy, model: r.model, ...(r.session ? { session: r.session } : {}), traceId: r.traceId, usage: r.usage, steps: r.steps });
    }
    return sse(c, async (stream) => {
      for await (const part of agent.stream(body.input, run)) await stream.write(JSON.stringify(part), part.type);
    });
  });

  // MCP clients (IDEs, other agents) reach the project's tools with an API key, like any other route.
  api.post('/mcp', async (c) => ic.agent({ project: project(c), ...callerOf(c), builtins: ['search', 'fetch_document', 'ask'] }).mcpServer().handle(c.req.raw));

  // Conversations are per project: the same id in another project is another session, never this one.
  const agentOf = (c: Context) => ic.agent({ project: project(c), builtins: false });
  const sessionNotFound = (id: string) =>
    new IncontextError('NOT_FOUND', `No agent session ${id} in this project`, { input: { key: 'id' }, hint: 'List sessions with GET /api/agent/sessions.' });

  api.get('/agent/sessions', async (c) => {
    const limit = Math.min(Number(c.req.query('limit') ?? 100) || 100, 1000);
    return c.json({ sessions: await agentOf(c).sessions({ limit }) });
  });

  api.get('/agent/sessions/:id', async (c) => {
    const id = c.req.param('id');
    const messages = await agentOf(c).history(id);
    if (messages.length === 0) throw sessionNotFound(id);
    return c.json({ session: id, messages });
  });

  api.delete('/agent/sessions/:id', async (c) => {
    const id = c.req.param('id');
    if (!(await agentOf(c).forgetSession(id))) throw sessionNotFound(id);
    return c.json({ deleted: id });
  });

  return api;
}

/** The optional query/ask fields present in a request body, without `undefined` holes (exactOptionalPropertyTypes). */
function strip(b: { k?: number | undefined; mode?: RetrieveMode | undefined; filter?: unknown; model?: string | undefined; temperature?: number | undefined; maxOutputTokens?: number | undefined }): AskOptions {
  const out: AskOptions = {};
  if (b.k !== undefined) out.k = b.k;
  if (b.mode !== undefined) out.mode = b.mode;
  // Zod checked the shape; normalizeFilter re-checks operators when the store applies it.
  if (b.filter !== undefined) out.filter = b.filter as Filter;
  if (b.model !== undefined) out.model = b.model;
  if (b.temperature !== undefined) out.temperature = b.temperature;
  if (b.maxOutputTokens !== undefined) out.maxOutputTokens = b.maxOutputTokens;
  return out;
}
