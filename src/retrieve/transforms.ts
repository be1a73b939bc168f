/**
 * Query transforms that ask a language model (injected as `generate`): HyDE, multi-query
 * expansion and iterative multi-hop retrieval. Each fuses its extra searches with the input
 * ranking by RRF, so a bad generation can add noise but never erase the original results.
 */
import type { Hit } from '../core/index.js';
import { fuseHitLists } from './fuse.js';
import { clip, parseNextQuery, parseQueryList } from './parse.js';
import { expansionStep, normalizeQuery } from './pipeline.js';
import type { RetrievalStep } from './steps.js';

export interface HydeOptions {
  /** Builds the prompt for the hypothetical answer. */
  prompt?: (query: string) => string;
  /** Hypothetical answers to generate (default 1); their vectors are averaged with the query's. */
  samples?: number;
  /** Weight of the hypothetical answer's ranking against the query's own (default 1 each). */
  weight?: number;
}

export const HYDE_PROMPT = (query: string): string =>
  `Write a short passage (3-5 sentences) that answers the question below, as it might appear in a document about the topic. ` +
  `Write only the passage; if you are unsure of facts, write what such a passage would plausibly say.\n\nQuestion: ${query}\n\nPassage:`;

function meanDirection(vectors: Float32Array[]): Float32Array {
  const out = new Float32Array(vectors[0]!.length);
  for (const v of vectors) for (let i = 0; i < out.length; i++) out[i]! += v[i]!;
  const norm = Math.hypot(...out);
  if (norm > 0) for (let i = 0; i < out.length; i++) out[i]! /= norm;
  return out;
}

/**
 * HyDE (Gao et al., 2022): search with a hypothetical answer, because an answer looks more
 * like the passages than a question does. As in the paper, the search vector is the mean of
 * the query's embedding and the answers' document embeddings; the keyword side searches the
 * query plus the answers (query2doc). That ranking is fused with the query's own by RRF, so
 * an answer the model made up can add candidates but not erase the query's exact matches.
 */
export function hydeStep(options: HydeOptions = {}): RetrievalStep {
  const prompt = options.prompt ?? HYDE_PROMPT;
  const samples = Math.max(1, Math.floor(options.samples ?? 1));
  return {
    name: 'hyde',
    kind: 'refine',
    async run(hits, ctx) {
      const replies = await Promise.all(Array.from({ length: samples }, () => ctx.generate(prompt(ctx.query))));
      const answers = replies.map((r) => r.trim()).filter(Boolean);
      if (answers.length === 0) {
        ctx.warn('hyde: the model returned an empty passage; kept the query results');
        return { hits, detail: { hypothetical: [] } };
      }
      const [queryVector, answerVectors] = await Promise.all([
        ctx.embedQuery(ctx.query),
        ctx.deps.embedder.embed(answers, { kind: 'document', ...(ctx.signal ? { signal: ctx.signal } : {}) }),
      ]);
      const vector = meanDirection([queryVector, ...answerVectors]);
      const found = await ctx.search([ctx.query, ...answers].join('\n'), { vector });
      const before = new Set(hits.map((h) => h.chunk.id));
      const fused = fuseHitLists([{ hits }, { hits: found, weight: options.weight ?? 1 }], ctx.request.rrfK ?? 60).slice(0, ctx.request.candidates);
      return {
        hits: fused,
        detail: {
          hypothetical: answers.map((a) => clip(a, 400)),
          hydeTop: found.slice(0, 3).map((h) => h.chunk.id),
          added: fused.filter((h) => !before.has(h.chunk.id)).length,
        },
      };
    },
  };
}

export interface MultiQueryOptions {
  /** Rewrites to ask for (default 3). */
  count?: number;
  prompt?: (query: string, count: number) => string;
  /** Weight of the original query's ranking in the fusion (default 1; each rewrite weighs 1). */
  originalWeight?: number;
}

export const MULTI_QUERY_PROMPT = (query: string, count: number): string =>
  `Rewrite the search query below in ${count} different ways to find relevant documents: use synonyms, ` +
  `spell out abbreviations, and split compound questions. Write one query per line, nothing else.\n\nQuery: ${query}`;

/** Multi-query expansion (as in RAG-Fusion): N model rewrites, each searched, fused by RRF. */
export function multiQueryStep(options: MultiQueryOptions = {}): RetrievalStep {
  const count = Math.max(1, Math.floor(options.count ?? 3));
  const prompt = options.prompt ?? MULTI_QUERY_PROMPT;
  return expansionStep(
    'multi-query',
    async (query, ctx) => {
      const raw = await ctx.generate(prompt(query, count));
      const queries = parseQueryList(raw, count);
      if (queries.length === 0) ctx.warn(`multi-query: no query could be read from the model's reply: ${JSON.stringify(clip(raw, 200))}`);
      return queries;
    },
    options.originalWeight === undefined ? {} : { originalWeight: options.originalWeight },
  );
}

export interface MultiHopOptions {
  /** Extra retrieval rounds at most (default 2). */
  maxHops?: number;
  /** Passages shown to the model each round (default 5), each clipped to `maxChars` (default 600). */
  passages?: number;
  maxChars?: number;
  prompt?: (query: string, passages: string[], asked: string[]) => string;
}

export const MULTI_HOP_PROMPT = (query: string, passages: string[], asked: string[]): string =>
  `You are helping to find the documents needed to answer a question.\n\nQuestion: ${query}\n\n` +
  `Searches made so far: ${asked.map((q) => JSON.stringify(q)).join(', ')}\n\nPassages found:\n` +
  passages.map((p, i) => `[${i + 1}] ${p}`).join('\n') +
  `\n\nIf these passages contain everything needed to answer the question, reply with the single word DONE. ` +
  `Otherwise reply with one new search query for the missing information, on one line, nothing else.`;

/**
 * Iterative multi-hop retrieval: show the model what was found, ask what is missing (or DONE),
 * search for it, fuse, repeat — at most `maxHops` rounds, never the same query twice.
 */
export function multiHopStep(options: MultiHopOptions = {}): RetrievalStep {
  const maxHops = Math.max(0, Math.floor(options.maxHops ?? 2));
  const shown = options.passages ?? 5;
  const maxChars = options.maxChars ?? 600;
  const prompt = options.prompt ?? MULTI_HOP_PROMPT;
  return {
    name: 'multi-hop',
    kind: 'refine',
    async run(hits, ctx) {
      const lists: Hit[][] = [hits];
      const asked = [ctx.query];
      const seen = new Set([normalizeQuery(ctx.query)]);
      const hops: Array<{ query: string; found: number; added: number }> = [];
      let pool = hits;
      let stopped = 'max-hops';
      for (let hop = 0; hop < maxHops; hop++) {
        const reply = await ctx.generate(prompt(ctx.query, pool.slice(0, shown).map((h) => clip(h.chunk.text, maxChars)), asked));
        const next = parseNextQuery(reply);
        if (!next) {
          ctx.warn(`multi-hop: could not read a query or DONE from the model's reply: ${JSON.stringify(clip(reply, 200))}`);
          stopped = 'unparseable';
          break;
        }
        if (next.done) {
          stopped = 'done';
          break;
        }
        if (seen.has(normalizeQuery(next.query))) {
          stopped = 'repeated-query';
          break;
        }
        seen.add(normalizeQuery(next.query));
        asked.push(next.query);
        const found = await ctx.search(next.query);
        const before = new Set(pool.map((h) => h.chunk.id));
        lists.push(found);
        pool = fuseHitLists(
          lists.map((l) => ({ hits: l })),
          ctx.request.rrfK ?? 60,
        ).slice(0, ctx.request.candidates);
        hops.push({ query: next.query, found: found.length, added: pool.filter((h) => !before.has(h.chunk.id)).length });
      }
      return { hits: pool, detail: { hops, stopped, maxHops } };
    },
  };
}

