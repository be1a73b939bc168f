/** The configured retrieval pipeline in the app: steps in explain and traces, abstention, parent–child. */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incontext } from '../src/app/index.js';
import type { SpanNode } from '../src/trace/index.js';
import { startFakeUpstream, type FakeUpstream } from '../src/testing/index.js';
import { CORPUS, openTemp, writeTree } from './helpers.js';

let upstream: FakeUpstream;
const open: Incontext[] = [];
beforeAll(async () => {
  upstream = await startFakeUpstream();
});
afterAll(async () => {
  await Promise.all(open.map((ic) => ic.close()));
  await upstream?.close();
});

async function setup(config: Parameters<typeof openTemp>[0]): Promise<Incontext> {
  const t = openTemp(config, { env: { OPENAI_API_KEY: 'sk-test-openai-0001', OPENAI_BASE_URL: upstream.openaiBaseURL } });
  open.push(t.ic);
  writeTree(join(t.cwd, 'c'), CORPUS);
  await t.ic.ingest([join(t.cwd, 'c')]);
  return t.ic;
}

async function spans(ic: Incontext): Promise<SpanNode[]> {
  await ic.flushTraces();
  const { traces } = await ic.traces.listTraces('default', { limit: 1 });
  const flat: SpanNode[] = [];
  const walk = (nodes: SpanNode[]) => nodes.forEach((n) => (flat.push(n), walk(n.children)));
  walk(await ic.traces.getTrace('default', traces[0]!.traceId));
  return flat;
}

describe('retrieve.steps', () => {
  it('runs the configured steps, shows them in explain, and traces each under the retrieve span', async () => {
    const ic = await setup({ retrieve: { steps: [{ type: 'mmr', lambda: 0.7 }, { type: 'neighbours', before: 1, after: 1 }] } });
    const x = await ic.explain('Who invaded England in 1066?');
    expect(x.steps.map((s) => s.name)).toEqual(['search', 'mmr', 'neighbours']);
    expect(x.hits[0]?.document.source).toMatch(/normans\.md$/);
    expect(x.support.score).toBeGreaterThan(0.5);
    await ic.ask('Who invaded England in 1066?');
    const all = await spans(ic);
    const retrieve = all.find((s) => s.name === 'retrieve')!;
    expect(retrieve.children.map((s) => s.name)).toEqual(['search', 'mmr', 'neighbours']);
    expect(retrieve.attributes.support).toBeGreaterThan(0.5);
  });

  it('names the bad step type with its config key', async () => {
    expect(() => openTemp({ retrieve: { steps: [{ type: 'rerank-magic' as 'mmr' }] } })).toThrow(/retrieve\.steps/);
  });
});

describe('retrieve.abstain', () => {
  it('answers "not in the documents" without calling the model when support is weak, and answers normally otherwise', async () => {
    const ic = await setup({ retrieve: { abstain: true } });
    upstream.reset();
    const off = await ic.ask('What is the boiling point of liquid nitrogen in kelvin?', { model: 'openai:gpt-4o-mini' });
    expect(off.abstained).toBe(true);
    expect(upstream.requests).toHaveLength(0);
    expect((await spans(ic)).find((s) => s.kind === 'request')?.attributes.abstainedBy).toBe('weak-support');
    upstream.script({ text: 'In 1066 [1].' });
    const on = await ic.ask('When did William the Conqueror invade England?', { model: 'openai:gpt-4o-mini' });
    expect(on.abstained).toBe(false);
    expect(upstream.requests).toHaveLength(1);
  });
});

describe('parent–child chunks', () => {
  it('matches small chunks and hands the model their whole section, citing the matched chunk', async () => {
    const ic = await setup({ chunk: { size: 24, overlap: 0, parent: { enabled: true, size: 512 } } });
    const [hit] = await ic.search('Battle of Hastings King Harold', { k: 1 });
    expect(hit?.chunk.metadata.parentId).toBeDefined();
    // The child is at most 24 tokens; the text handed on is its section, which holds the whole paragraph.
    expect(hit?.chunk.text).toContain('In 1066 William the Conqueror');
    expect(hit?.chunk.text).toContain('architecture for centuries');
    expect(hit!.chunk.tokenCount).toBeGreaterThan(24);
  });
});
