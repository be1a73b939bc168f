import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incontext } from '../src/app/index.js';
import { startServer, type RunningServer } from '../src/server/index.js';
import { CORPUS, openTemp, writeTree } from './helpers.js';

let ic: Incontext;
let server: RunningServer;

beforeAll(async () => {
  const t = openTemp({ server: { port: 0 } });
  ic = t.ic;
  writeTree(join(t.cwd, 'c'), CORPUS);
  await ic.ingest([join(t.cwd, 'c')], { project: 'traced' });
  server = await startServer(ic, { port: 0 });
});

afterAll(async () => {
  await server?.close();
  await ic?.close();
});

interface SpanNode { name: string; kind: string; status: string; attributes: Record<string, unknown>; children: SpanNode[]; input?: string; output?: string }

describe('traces of ask', () => {
  it('records request → retrieval + llm spans with tokens, serves them as a tree, and takes feedback', async () => {
    const res = await fetch(server.url + '/api/ask', { method: 'POST', headers: { 'content-type': 'application/json', 'x-incontext-project': 'traced' }, body: JSON.stringify({ question: 'When did William invade England?' }) });
    expect(res.status).toBe(200);
    // Streams are traced too.
    for await (const _ of ic.askStream('What does chlorophyll absorb?', { project: 'traced' })) void _;
    await new Promise((r) => setTimeout(r, 50));

    const list = (await (await fetch(server.url + '/api/traces?limit=10', { headers: { 'x-incontext-project': 'traced' } })).json()) as { traces: Array<{ traceId: string; name: string; status: string }> };
    expect(list.traces).toHaveLength(2);
    expect(list.traces.every((t) => t.name === 'ask' && t.status === 'ok')).toBe(true);
    const other = (await (await fetch(server.url + '/api/traces')).json()) as { traces: unknown[] };
    expect(other.traces).toEqual([]);

    const oldest = list.traces.at(-1)?.traceId;
    const tree = (await (await fetch(`${server.url}/api/traces/${oldest}`, { headers: { 'x-incontext-project': 'traced' } })).json()) as { spans: SpanNode[] };
    const root = tree.spans[0];
    expect(root).toMatchObject({ name: 'ask', kind: 'request', input: 'When did William invade England?' });
    expect(root?.output).toMatch(/1066/);
    const kinds = root?.children.map((s) => s.kind).sort();
    expect(kinds).toEqual(['llm', 'retrieval']);
    const llm = root?.children.find((s) => s.kind === 'llm');
    expect(llm?.attributes).toMatchObject({ inputTokens: expect.any(Number), outputTokens: expect.any(Number) });

    const fb = await fetch(`${server.url}/api/traces/${oldest}/feedback`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-incontext-project': 'traced' }, body: JSON.stringify({ score: 1, comment: 'right year' }) });
    expect(fb.status).toBe(201);
    const cross = await fetch(`${server.url}/api/traces/${oldest}/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ score: 1 }) });
    expect(cross.status).toBe(404);
    const bad = await fetch(`${server.url}/api/traces?status=maybe`, { headers: { 'x-incontext-project': 'traced' } });
    expect(bad.status).toBe(400);

    const stats = (await (await fetch(server.url + '/api/stats', { headers: { 'x-incontext-project': 'traced' } })).json()) as Record<string, unknown>;
    expect(JSON.stringify(stats)).toContain('local:extractive');
  });
});
