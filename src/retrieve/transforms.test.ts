import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT, STORE_KINDS, openCorpus, type Corpus } from './__fixtures__/corpus.js';
import { retrievePipeline } from './pipeline.js';
import { hydeStep, multiHopStep, multiQueryStep } from './transforms.js';
import type { GenerateFn } from './steps.js';

/** A test double for the user's model: canned replies, and a log of the prompts it got. */
function scripted(replies: string[] | ((prompt: string, call: number) => string)): GenerateFn & { prompts: string[] } {
  const prompts: string[] = [];
  const fn = async (prompt: string) => {
    prompts.push(prompt);
    const n = prompts.length - 1;
    return typeof replies === 'function' ? replies(prompt, n) : (replies[Math.min(n, replies.length - 1)] ?? '');
  };
  return Object.assign(fn, { prompts });
}

const isReingest = (text: string) => /## Incremental re-ingest/.test(text);

describe.each(STORE_KINDS)('model-driven query transforms (%s store)', (kind) => {
  let c: Corpus;
  beforeAll(async () => {
    c = await openCorpus(kind);
  });
  afterAll(() => c.close());

  // Vocabulary mismatch: the page says "re-ingest", "content hash", "unchanged"; the user does not.
  const request = { projectId: PROJECT, query: 'How can I avoid processing the same file twice?', k: 5 };

  it('HyDE brings in the passage the question alone misses, and records the hypothesis', async () => {
    const generate = scripted(['Incremental re-ingest keeps a content hash of every file and skips unchanged files when you run the ingest again.']);
    const deps = { store: c.store, embedder: c.embedder, generate };
    const plain = await retrievePipeline(deps, request);
    expect(plain.hits.some((h) => isReingest(h.chunk.text))).toBe(false);
    const { hits, trace } = await retrievePipeline(deps, request, [hydeStep()]);
    expect(hits.some((h) => isReingest(h.chunk.text))).toBe(true);
    expect(generate.prompts[0]).toContain(request.query);
    const record = trace[1]!;
    expect(record.name).toBe('hyde');
    expect(record.detail.hypothetical).toEqual(['Incremental re-ingest keeps a content hash of every file and skips unchanged files when you run the ingest again.']);
    // The hypothesis alone ranks the page first.
    const hydeTop = record.detail.hydeTop as string[];
    const top = await c.store.getChunks(PROJECT, [hydeTop[0]!]);
    expect(isReingest(top[0]!.text)).toBe(true);
  });

  it('HyDE keeps the query results, with a warning, when the model returns nothing', async () => {
    const deps = { store: c.store, embedder: c.embedder, generate: scripted(['   ']) };
    const plain = await retrievePipeline(deps, request);
    const { hits, trace } = await retrievePipeline(deps, request, [hydeStep()]);
    expect(hits.map((h) => h.chunk.id)).toEqual(plain.hits.map((h) => h.chunk.id));
    expect(trace[1]!.warnings[0]).toMatch(/empty passage/);
  });

  it('multi-query reads numbered, quoted rewrites, searches each and fuses them', async () => {
    const generate = scripted(['Here are 3 rewrites:\n1. "skip unchanged files on re-ingest"\n2. content hash of every file\n3) content hash of every file\n- incremental ingest']);
    const deps = { store: c.store, embedder: c.embedder, generate };
    const { hits, trace } = await retrievePipeline(deps, request, [multiQueryStep({ count: 3 })]);
    expect(generate.prompts[0]).toMatch(/in 3 different ways/);
    expect(trace[1]!.detail.queries).toEqual(['skip unchanged files on re-ingest', 'content hash of every file', 'incremental ingest']);
    expect(trace[1]!.detail.found).toEqual([50, 50, 50]);
    expect(hits.some((h) => isReingest(h.chunk.text))).toBe(true);
  });

  it('multi-query warns and keeps the input when the reply has no usable query', async () => {
    const deps = { store: c.store, embedder: c.embedder, generate: scripted(['Sure! Here you go:']) };
    const plain = await retrievePipeline(deps, request);
    const { hits, trace } = await retrievePipeline(deps, request, [multiQueryStep()]);
    expect(hits.map((h) => h.chunk.id)).toEqual(plain.hits.map((h) => h.chunk.id));
    expect(trace[1]!.warnings.join('\n')).toMatch(/no query could be read/);
  });

  describe('multi-hop', () => {
    // Two facts in two places: who swore fealty (paragraph about Rollo), and where the
    // Normans' duchy lay (the opening paragraph); the question names neither.
    const hop = { projectId: PROJECT, query: 'Which treaty gave the Viking leader his lands?', k: 5, filter: { collection: 'normans' } };
    const hasRollo = (t: string) => /Rollo/.test(t) && /fealty/.test(t);

    it('asks what is missing, searches for it, and stops on DONE', async () => {
      const generate = scripted(['Next query: Rollo agreed to swear fealty to King Charles III', 'DONE']);
      const deps = { store: c.store, embedder: c.embedder, generate };
      const { hits, trace } = await retrievePipeline(deps, hop, [multiHopStep({ maxHops: 3 })]);
      expect(generate.prompts).toHaveLength(2);
      expect(generate.prompts[0]).toContain('[1] ');
      expect(generate.prompts[1]).toContain('"Rollo agreed to swear fealty to King Charles III"');
      const detail = trace[1]!.detail;
      expect(detail.stopped).toBe('done');
      expect(detail.hops).toEqual([expect.objectContaining({ query: 'Rollo agreed to swear fealty to King Charles III' })]);
      expect(hits.some((h) => hasRollo(h.chunk.text))).toBe(true);
      expect(hits.every((h) => h.chunk.metadata.collection === 'normans')).toBe(true);
    });

    it('is bounded by maxHops and never searches the same query twice', async () => {
      const counting = scripted((_p, n) => `query: Norman conquest part ${n}`);
      const bounded = await retrievePipeline({ store: c.store, embedder: c.embedder, generate: counting }, hop, [multiHopStep({ maxHops: 2 })]);
      expect(counting.prompts).toHaveLength(2);
      expect(bounded.trace[1]!.detail).toMatchObject({ stopped: 'max-hops', maxHops: 2 });
      expect(bounded.trace[1]!.detail.hops).toHaveLength(2);

      const repeat = scripted(['Rollo', 'rollo!']);
      const r = await retrievePipeline({ store: c.store, embedder: c.embedder, generate: repeat }, hop, [multiHopStep({ maxHops: 5 })]);
      expect(repeat.prompts).toHaveLength(2);
      expect(r.trace[1]!.detail.stopped).toBe('repeated-query');
    });

    it('stops with a warning on an unreadable reply', async () => {
      const r = await retrievePipeline({ store: c.store, embedder: c.embedder, generate: scripted(['']) }, hop, [multiHopStep()]);
      expect(r.trace[1]!.detail.stopped).toBe('unparseable');
      expect(r.trace[1]!.warnings[0]).toMatch(/could not read a query or DONE/);
    });
  });
});
