/**
 * Fine-tuned query embeddings per project: a linear adapter (src/embed) trained on
 * the project's own questions, stored next to its data, and applied to query
 * vectors of search and ask. The stored chunk vectors and the embedding cache stay
 * raw, so removing or retraining an adapter never means re-embedding anything.
 *
 * Training measures before it saves: a share of the questions is held apart and
 * ranked with and without the adapter (hit@5, MRR, nDCG@10 over the project's
 * vectors); the adapter is kept only when nDCG@10 improves, or when forced.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IncontextError, prng, sha256 } from '../core/index.js';
import {
  adapterDrift,
  parseAdapter,
  serializeAdapter,
  trainLinearAdapter,
  withQueryAdapter,
  type AdaptedEmbedder,
  type AdapterPair,
  type AdapterTrainingSummary,
  type Embedder,
  type LinearAdapter,
} from '../embed/index.js';
import type { Store } from '../store/index.js';
import type { TraceStore } from '../trace/index.js';
import { clozeQuestions, feedbackQuestions, fileQuestions, modelQuestions, projectChunks, type Question } from './adapter-sources.js';

export type AdapterSource = 'feedback' | 'file' | 'synthetic';

export interface AdapterTrainOptions {
  from: AdapterSource;
  /** The JSONL file for `from: 'file'`. */
  file?: string;
  project?: string;
  /** Share of the questions held apart to measure before/after (default 0.2). */
  holdOut?: number;
  /** Save even when the held-apart questions do not improve. */
  force?: boolean;
  /** Synthetic questions: `cloze` (default, no model) or `model` (the configured model writes them). */
  generator?: 'cloze' | 'model';
  /** How many synthetic questions (default 2000 cloze, 200 model). */
  count?: number;
  seed?: number;
}

export interface RankingMetrics {
  questions: number;
  hit5: number;
  mrr: number;
  ndcg10: number;
}

export interface AdapterTrainReport {
  project: string;
  embedder: string;
  from: AdapterSource;
  /** Questions collected, and how many of them trained the adapter / were held apart. */
  questions: number;
  trainQuestions: number;
  heldOut: number;
  /** Questions the source offered but could not be used (e.g. feedback without citations). */
  skipped: number;
  before: RankingMetrics;
  after: RankingMetrics;
  saved: boolean;
  /** Why it was (not) saved, in a sentence. */
  reason: string;
  path?: string;
  version: string;
  training: AdapterTrainingSummary;
  ms: number;
}

export interface AdapterInfo {
  project: string;
  embedder: string;
  path: string;
  version: string;
  dimensions: number;
  bias: boolean;
  createdAt: string;
  /** ‖W − I‖_F / √d: how far queries are moved. */
  drift: number;
  training?: AdapterTrainingSummary;
}

export interface AdapterDeps {
  store: Store;
  traces: TraceStore;
  /** The project's embedder (behind the embedding cache): raw vectors. */
  embedder: (projectId: string) => Promise<Embedder>;
  homeDir: string;
  /** The configured model for a project, for `generator: 'model'`. */
  generate?: (projectId: string) => (prompt: string) => Promise<string>;
}

export interface ProjectAdapters {
  /** The embedder search and ask use for a project: queries through its adapter when one is stored. */
  queryEmbedder(projectId: string): Promise<Embedder | AdaptedEmbedder>;
  train(projectId: string, options: AdapterTrainOptions): Promise<AdapterTrainReport>;
  info(projectId: string): Promise<AdapterInfo | undefined>;
  remove(projectId: string): Promise<boolean>;
}

const slug = (s: string) => s.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 60) || '_';

/** `<home>/adapters/<project>.<embedder>.<hash>.json`: readable names, the hash keeps `a:b` and `a_b` apart. */
export function adapterPath(homeDir: string, projectId: string, embedderId: string): string {
  return join(homeDir, 'adapters', `${slug(projectId)}.${slug(embedderId)}.${sha256(`${projectId}\u0000${embedderId}`).slice(0, 8)}.json`);
}

const SEARCH_K = 50;
const MIN_QUESTIONS = 10;
const MAX_CHUNKS = 20_000;

export function createProjectAdapters(deps: AdapterDeps): ProjectAdapters {
  // Parsed adapters by path, re-read when the file changes (another process may train).
  const loaded = new Map<string, { mtimeMs: number; size: number; embedder: AdaptedEmbedder }>();

  const load = (path: string, base: Embedder): AdaptedEmbedder | undefined => {
    let st;
    try {
      st = statSync(path);
    } catch {
      loaded.delete(path);
      return undefined;
    }
    const hit = loaded.get(path);
    if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit.embedder;
    const adapter = parseAdapter(readFileSync(path, 'utf8'), { path, embedder: { id: base.id, dimensions: base.dimensions } });
    const embedder = withQueryAdapter(base, adapter);
    loaded.set(path, { mtimeMs: st.mtimeMs, size: st.size, embedder });
    return embedder;
  };

  const readAdapter = async (projectId: string): Promise<{ adapter: LinearAdapter; path: string } | undefined> => {
    const base = await deps.embedder(projectId);
    const path = adapterPath(deps.homeDir, projectId, base.id);
    if (!existsSync(path)) return undefined;
    return { adapter: parseAdapter(readFileSync(path, 'utf8'), { path, embedder: { id: base.id, dimensions: base.dimensions } }), path };
  };

  return {
    async queryEmbedder(projectId) {
      const base = await deps.embedder(projectId);
      return load(adapterPath(deps.homeDir, projectId, base.id), base) ?? base;
    },

    async info(projectId) {
      const found = await readAdapter(projectId);
      if (!found) return undefined;
      const { adapter, path } = found;
      return {
        project: projectId,
        embedder: adapter.embedder,
        path,
        version: adapter.version,
        dimensions: adapter.dimensions,
        bias: adapter.bias !== undefined,
        createdAt: adapter.createdAt,
        drift: Math.round(adapterDrift(adapter) * 1e4) / 1e4,
        ...(adapter.training ? { training: adapter.training } : {}),
      };
    },

    async remove(projectId) {
      const base = await deps.embedder(projectId);
      const path = adapterPath(deps.homeDir, projectId, base.id);
      if (!existsSync(path)) return false;
      unlinkSync(path);
      loaded.delete(path);
      return true;
    },

    async train(projectId, options) {
      const started = Date.now();
      const embedder = await deps.embedder(projectId);
      const seed = options.seed ?? 1;
      const holdOut = options.holdOut ?? 0.2;
      if (!(holdOut >= 0 && holdOut < 1)) {
        throw new IncontextError('BAD_REQUEST', `holdOut must be in [0, 1), got ${holdOut}`, { input: { key: 'holdOut' }, hint: 'Use e.g. 0.2 to measure on a fifth of the questions.' });
      }
      const chunks = await projectChunks(deps.store, projectId, MAX_CHUNKS);
      if (chunks.length === 0) {
        throw new IncontextError('BAD_REQUEST', `Project "${projectId}" has no chunks to train an adapter on`, { input: { key: 'project' }, hint: 'Ingest documents first (incontext ingest <paths>).' });
      }
      const { questions, skipped } = await collect(deps, projectId, options, chunks, embedder, seed);
      if (questions.length < MIN_QUESTIONS) {
        throw new IncontextError('BAD_REQUEST', `Only ${questions.length} usable training question(s) from ${options.from}; at least ${MIN_QUESTIONS} are needed`, {
          input: { key: 'from' },
          hint: options.from === 'feedback' ? 'Give positive feedback on more cited answers, or train from a file or --from synthetic.' : 'Add more questions or documents.',
        });
      }
      const { train, held } = splitQuestions(questions, holdOut, seed);
      const vectors = await embedQuestions(embedder, [...train, ...held]);
      // A pair's group is its positive's document: other chunks of it are never its negatives.
      const pairs: AdapterPair[] = train.flatMap((q) =>
        q.positives.map((p, i) => ({ query: vectors.query.get(q)!, positive: vectors.positives.get(q)![i]!, group: p.doc ?? `text:${p.text}` })),
      );
      const cloze = options.from === 'synthetic' && options.generator !== 'model';
      const chunkVectors = await embedder.embed(chunks.map((c) => c.text), { kind: 'document' });
      const adapter = trainLinearAdapter(pairs, {
        embedder: embedder.id,
        seed,
        validationSplit: cloze ? 'group' : 'pair',
        corpus: { vectors: chunkVectors, groups: chunks.map((c) => c.documentId) },
        // Cloze positives are remainders, one sentence short of a stored chunk: full chunks as
        // training negatives would teach "shorter wins", so they only serve the validation there.
        ...(cloze ? { negativesPerBatch: 0, hardNegatives: 0 } : {}),
      });
      const measured = held.filter((q) => q.relevant.size > 0);
      const rank = (q: Question, vector: Float32Array) => rankDocuments(deps.store, projectId, embedder, vector, q, vectors);
      const before = await metrics(measured, (q) => rank(q, vectors.query.get(q)!));
      const adapted = withQueryAdapter(embedder, adapter);
      const after = await metrics(measured, (q) => rank(q, adapted.apply(vectors.query.get(q)!)));
      const { saved, reason } = decide(before, after, options.force === true);
      const training: AdapterTrainingSummary = {
        ...adapter.training!,
        notes: { source: options.from, heldOut: measured.length, ndcg10Before: before.ndcg10, ndcg10After: after.ndcg10, mrrBefore: before.mrr, mrrAfter: after.mrr, hit5Before: before.hit5, hit5After: after.hit5 },
      };
      const kept: LinearAdapter = { ...adapter, training };
      const path = adapterPath(deps.homeDir, projectId, embedder.id);
      if (saved) writeAtomic(path, serializeAdapter(kept));
      return {
        project: projectId,
        embedder: embedder.id,
        from: options.from,
        questions: questions.length,
        trainQuestions: train.length,
        heldOut: measured.length,
        skipped,
        before,
        after,
        saved,
        reason,
        ...(saved ? { path } : {}),
        version: adapter.version,
        training,
        ms: Date.now() - started,
      };
    },
  };
}

/** Saved when nDCG@10 on the held-apart questions improves, or when forced; the reason in one sentence. */
function decide(before: RankingMetrics, after: RankingMetrics, force: boolean): { saved: boolean; reason: string } {
  if (before.questions === 0) return { saved: force, reason: `no held-apart question could be measured; ${force ? 'saved because forced' : 'not saved (pass force to save anyway)'}` };
  const helps = after.ndcg10 > before.ndcg10;
  const figures = `nDCG@10 on ${before.questions} held-apart questions ${before.ndcg10.toFixed(3)} → ${after.ndcg10.toFixed(3)}`;
  return { saved: helps || force, reason: `${figures}: ${helps ? 'saved' : force ? 'no gain, saved because forced' : 'no gain, not saved'}` };
}

async function collect(deps: AdapterDeps, projectId: string, o: AdapterTrainOptions, chunks: Awaited<ReturnType<typeof projectChunks>>, embedder: Embedder, seed: number): Promise<{ questions: Question[]; skipped: number }> {
  switch (o.from) {
    case 'feedback':
      return feedbackQuestions(deps.traces, deps.store, projectId);
    case 'file': {
      if (!o.file) throw new IncontextError('BAD_REQUEST', 'Training from a file needs the file', { input: { key: 'file' }, hint: 'Pass --file questions.jsonl (lines of {"query": "...", "relevant": ["<document id or passage>"]}).' });
      return { questions: await fileQuestions(o.file, deps.store, projectId, chunks, embedder), skipped: 0 };
    }
    case 'synthetic': {
      if (o.generator === 'model') {
        if (!deps.generate) throw new IncontextError('MODEL_NOT_CONFIGURED', 'No model is available to write questions', { input: { key: 'model.default' }, hint: 'Configure model.default, or use the cloze generator (no model).' });
        return { questions: await modelQuestions(chunks, o.count ?? 200, seed, deps.generate(projectId)), skipped: 0 };
      }
      return { questions: clozeQuestions(chunks, o.count ?? 2000, seed), skipped: 0 };
    }
    default:
      throw new IncontextError('BAD_REQUEST', `Unknown adapter training source "${String(o.from)}"`, { input: { key: 'from' }, hint: 'Use feedback, file or synthetic.' });
  }
}

/**
 * Held-apart questions, one by one: the adapter will serve new questions about the same
 * documents, so that is what is measured (a cloze question's own sentence is never trained on).
 */
function splitQuestions(questions: Question[], share: number, seed: number): { train: Question[]; held: Question[] } {
  const rand = prng(seed ^ 0x5eed);
  const order = questions.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const held = new Set(order.slice(0, Math.round(order.length * share)));
  return { train: questions.filter((_, i) => !held.has(i)), held: questions.filter((_, i) => held.has(i)) };
}

interface QuestionVectors {
  query: Map<Question, Float32Array>;
  positives: Map<Question, Float32Array[]>;
  remainders: Map<Question, Float32Array>;
}

async function embedQuestions(embedder: Embedder, questions: Question[]): Promise<QuestionVectors> {
  const qv = await embedder.embed(questions.map((q) => q.text), { kind: 'query' });
  const texts = [...new Set(questions.flatMap((q) => q.positives.map((p) => p.text)))];
  const pv = await embedder.embed(texts, { kind: 'document' });
  const byText = new Map(texts.map((t, i) => [t, pv[i]!]));
  const out: QuestionVectors = { query: new Map(), positives: new Map(), remainders: new Map() };
  questions.forEach((q, i) => {
    out.query.set(q, qv[i]!);
    out.positives.set(q, q.positives.map((p) => byText.get(p.text)!));
    if (q.cut) out.remainders.set(q, byText.get(q.cut.remainder)!);
  });
  return out;
}

/**
 * Documents ranked by their best chunk for a query vector. A cloze question's source chunk
 * still holds the sentence verbatim, so it is scored by its remainder instead.
 */
async function rankDocuments(store: Store, projectId: string, embedder: Embedder, vector: Float32Array, q: Question, vectors: QuestionVectors): Promise<string[]> {
  const hits = await store.vectorSearch({ projectId, model: embedder.id, vector, k: SEARCH_K });
  const scored = hits.filter((h) => h.chunk.id !== q.cut?.chunkId).map((h) => ({ doc: h.document.id, score: h.score }));
  const remainder = vectors.remainders.get(q);
  if (q.cut && remainder) {
    let s = 0;
    for (let k = 0; k < vector.length; k++) s += vector[k]! * remainder[k]!;
    scored.push({ doc: [...q.relevant][0]!, score: s });
  }
  scored.sort((a, b) => b.score - a.score);
  return [...new Set(scored.map((s) => s.doc))];
}

async function metrics(questions: Question[], rank: (q: Question) => Promise<string[]>): Promise<RankingMetrics> {
  let hit5 = 0;
  let mrr = 0;
  let ndcg = 0;
  for (const q of questions) {
    const ranked = await rank(q);
    const first = ranked.findIndex((d) => q.relevant.has(d));
    if (first >= 0 && first < 5) hit5++;
    if (first >= 0) mrr += 1 / (first + 1);
    let dcg = 0;
    ranked.slice(0, 10).forEach((d, i) => (dcg += q.relevant.has(d) ? 1 / Math.log2(i + 2) : 0));
    let ideal = 0;
    for (let i = 0; i < Math.min(10, q.relevant.size); i++) ideal += 1 / Math.log2(i + 2);
    ndcg += ideal ? dcg / ideal : 0;
  }
  const n = Math.max(1, questions.length);
  const r = (v: number) => Math.round((v / n) * 1e4) / 1e4;
  return { questions: questions.length, hit5: r(hit5), mrr: r(mrr), ndcg10: r(ndcg) };
}

/** Write to a temporary file in the same folder, then rename: readers see the old file or the new one, never half of one. */
function writeAtomic(path: string, text: string): void {
  mkdirSync(join(path, '..'), { recursive: true });
  const tmp = `${path}.${process.pid}.${Date.now().toString(36)}.tmp`;
  writeFileSync(tmp, text);
  try {
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // The rename error below is the one to report; a leftover temp file is harmless.
    }
    throw new IncontextError('STORE_FAILED', `Cannot save the adapter to ${path}: ${(e as Error).message}`, { input: { path }, hint: 'Check that the home folder is writable.', cause: e });
  }
}
