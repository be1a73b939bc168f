/**
 * Where adapter training questions come from: answers that got positive feedback
 * (the question and the chunks it cited), an eval-style JSONL file, or questions
 * made from the chunks themselves (inverse cloze without a model, or written by the
 * configured model). Each becomes a Question: its text, the vectors it should land
 * near, and the documents that count as relevant when it is used for measuring.
 */
import { readFileSync } from 'node:fs';
import { IncontextError, prng, type Chunk } from '../core/index.js';
import { inverseClozeQueries, type Embedder } from '../embed/index.js';
import type { Store } from '../store/index.js';
import type { SpanNode, TraceStore } from '../trace/index.js';

export interface Question {
  text: string;
  /** Passages whose vectors are the positives (embedded as documents), with their document when known. */
  positives: Array<{ text: string; doc?: string }>;
  /** Document ids that are relevant when measuring; empty means train-only. */
  relevant: Set<string>;
  /** Questions of one group are never each other's negatives (and stay on one side of a split). */
  group: string;
  /** Inverse cloze: the chunk the sentence was cut from, scored by its remainder when measuring. */
  cut?: { chunkId: string; remainder: string };
}

/** The project's chunks in document order, at most `limit` (documents taken whole). */
export async function projectChunks(store: Store, projectId: string, limit: number): Promise<Chunk[]> {
  const out: Chunk[] = [];
  for (let offset = 0; out.length < limit; offset += 200) {
    const docs = await store.listDocuments(projectId, { limit: 200, offset });
    if (docs.length === 0) break;
    for (const d of docs) {
      if (out.length >= limit) break;
      if (d.chunkCount > 0) out.push(...(await store.getChunkRange(projectId, d.id, 0, d.chunkCount - 1)));
    }
  }
  return out;
}

const POSITIVE_LABELS = new Set(['good', 'positive', 'up', 'thumbs-up', 'thumbs_up', 'correct', 'helpful', 'yes', 'like']);
const NEGATIVE_LABELS = new Set(['bad', 'negative', 'down', 'thumbs-down', 'thumbs_down', 'wrong', 'incorrect', 'unhelpful', 'no', 'dislike']);

/** The latest feedback decides; a score above 0 or a label such as "good" is positive. */
function isPositive(feedback: Array<{ score?: number; label?: string; createdAt: number }>): boolean {
  const last = [...feedback].sort((a, b) => b.createdAt - a.createdAt)[0];
  if (!last) return false;
  if (last.score !== undefined) return last.score > 0;
  const label = last.label?.trim().toLowerCase() ?? '';
  return POSITIVE_LABELS.has(label) && !NEGATIVE_LABELS.has(label);
}

function findSpan(nodes: SpanNode[], test: (s: SpanNode) => boolean): SpanNode | undefined {
  for (const n of nodes) {
    if (test(n)) return n;
    const inner = findSpan(n.children, test);
    if (inner) return inner;
  }
  return undefined;
}

/** Citation numbers in an answer: "[2]", "[1, 3]", "[2-4]". */
function citedNumbers(answer: string): number[] {
  const out = new Set<number>();
  for (const m of answer.matchAll(/\[(\d+(?:\s*[,–-]\s*\d+)*)\]/g)) {
    for (const part of (m[1] ?? '').split(',')) {
      const [from, to = from] = part.split(/[–-]/).map((s) => Number(s.trim())) as [number, number?];
      for (let n = from; n <= (to ?? from) && n - from < 20; n++) out.add(n);
    }
  }
  return [...out];
}

export interface FeedbackScan {
  questions: Question[];
  /** Traces with positive feedback that could not be used (no question text, no citation, chunk gone). */
  skipped: number;
}

/**
 * Asks with positive feedback → (question, the chunks its answer cited). The cited numbers
 * index the hits the prompt was built from, which are the first hits of the retrieve span.
 */
export async function feedbackQuestions(traces: TraceStore, store: Store, projectId: string, maxTraces = 5000): Promise<FeedbackScan> {
  const questions: Question[] = [];
  let skipped = 0;
  let seen = 0;
  let cursor: string | undefined;
  do {
    const page = await traces.listTraces(projectId, { limit: 500, ...(cursor ? { cursor } : {}) });
    for (const t of page.traces) {
      if (++seen > maxTraces) break;
      const feedback = await traces.listFeedback(projectId, t.traceId);
      if (!isPositive(feedback)) continue;
      const tree = await traces.getTrace(projectId, t.traceId);
      const root = findSpan(tree, (s) => s.kind === 'request');
      const retrieve = findSpan(tree, (s) => s.kind === 'retrieval' && s.name === 'retrieve');
      const q = root?.input;
      if (!q || q.startsWith('sha256:') || !root?.output || !retrieve?.output) {
        skipped++;
        continue;
      }
      let hits: Array<{ chunkId?: string }> = [];
      try {
        hits = JSON.parse(retrieve.output) as Array<{ chunkId?: string }>;
      } catch {
        skipped++;
        continue;
      }
      const ids = citedNumbers(root.output)
        .map((n) => hits[n - 1]?.chunkId)
        .filter((id): id is string => typeof id === 'string');
      const chunks = ids.length ? await store.getChunks(projectId, ids) : [];
      if (chunks.length === 0) {
        skipped++;
        continue;
      }
      questions.push({ text: q, positives: chunks.map((c) => ({ text: c.text, doc: c.documentId })), relevant: new Set(chunks.map((c) => c.documentId)), group: `q:${q}` });
    }
    cursor = page.nextCursor;
  } while (cursor && seen < maxTraces);
  return { questions, skipped };
}

const fold = (s: string) => s.replace(/\s+/g, ' ').trim().toLowerCase();

/**
 * An eval-style JSONL file: one `{"query": "...", "relevant": ["<document id, chunk id or chunk text>", ...]}`
 * a line (`question` is accepted for `query`). Text that is in no chunk still trains (its own
 * vector is the positive) but cannot be measured.
 */
export async function fileQuestions(path: string, store: Store, projectId: string, chunks: Chunk[], embedder: Embedder): Promise<Question[]> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new IncontextError('FILE_UNREADABLE', `Cannot read ${path}: ${(e as Error).message}`, { input: { path }, hint: 'Check the path of --file.', cause: e });
  }
  const byChunk = new Map(chunks.map((c) => [c.id, c]));
  const byDoc = new Map<string, Chunk[]>();
  for (const c of chunks) byDoc.set(c.documentId, [...(byDoc.get(c.documentId) ?? []), c]);
  const folded = chunks.map((c) => fold(c.text));
  const out: Question[] = [];
  const lines = text.split('\n');
  for (const [i, raw] of lines.entries()) {
    if (!raw.trim()) continue;
    const bad = (why: string) => new IncontextError('PARSE_FAILED', `Bad training line: ${why}`, { input: { path, line: i + 1 }, hint: 'Each line is {"query": "...", "relevant": ["<document id, chunk id or passage text>"]}.' });
    let row: { query?: unknown; question?: unknown; relevant?: unknown };
    try {
      row = JSON.parse(raw) as typeof row;
    } catch (e) {
      throw bad((e as Error).message);
    }
    const query = typeof row.query === 'string' ? row.query : row.question;
    if (typeof query !== 'string' || !query.trim()) throw bad('"query" must be a non-empty string');
    const rel = typeof row.relevant === 'string' ? [row.relevant] : row.relevant;
    if (!Array.isArray(rel) || rel.length === 0 || !rel.every((r) => typeof r === 'string' && r.trim())) throw bad('"relevant" must be a non-empty list of strings');
    const positives: Question['positives'] = [];
    const relevant = new Set<string>();
    for (const r of rel as string[]) {
      const docChunks = byDoc.get(r) ?? (await docChunksOf(store, projectId, r));
      if (docChunks.length) {
        // The document's chunk nearest the query is its positive (one document, many chunks).
        positives.push({ text: (await nearestChunk(embedder, query, docChunks)).text, doc: r });
        relevant.add(r);
        continue;
      }
      const chunk = byChunk.get(r);
      if (chunk) {
        positives.push({ text: chunk.text, doc: chunk.documentId });
        relevant.add(chunk.documentId);
        continue;
      }
      const f = fold(r);
      const at = folded.findIndex((c) => c.includes(f) || (c.length > 40 && f.includes(c)));
      positives.push(at >= 0 ? { text: chunks[at]!.text, doc: chunks[at]!.documentId } : { text: r });
      if (at >= 0) relevant.add(chunks[at]!.documentId);
    }
    out.push({ text: query, positives, relevant, group: `q:${query}` });
  }
  return out;
}

async function docChunksOf(store: Store, projectId: string, id: string): Promise<Chunk[]> {
  const doc = await store.getDocument(projectId, id);
  return doc && doc.chunkCount > 0 ? store.getChunkRange(projectId, id, 0, doc.chunkCount - 1) : [];
}

async function nearestChunk(embedder: Embedder, query: string, chunks: Chunk[]): Promise<Chunk> {
  if (chunks.length === 1) return chunks[0]!;
  const [q] = await embedder.embed([query], { kind: 'query' });
  const vs = await embedder.embed(chunks.map((c) => c.text), { kind: 'document' });
  let best = 0;
  let bestScore = -Infinity;
  vs.forEach((v, i) => {
    let s = 0;
    for (let k = 0; k < v.length; k++) s += v[k]! * q![k]!;
    if (s > bestScore) [best, bestScore] = [i, s];
  });
  return chunks[best]!;
}

/** Inverse-cloze questions: several per chunk on small projects, one per sampled chunk on large ones. */
export function clozeQuestions(chunks: Chunk[], count: number, seed: number): Question[] {
  const perSource = Math.min(4, Math.max(1, Math.ceil(count / Math.max(1, chunks.length))));
  return inverseClozeQueries(
    chunks.map((c) => ({ id: c.id, text: c.text, group: c.documentId })),
    { count, perSource, seed },
  ).map((c) => ({ text: c.query, positives: [{ text: c.remainder, doc: c.group! }], relevant: new Set([c.group!]), group: c.group!, cut: { chunkId: c.id, remainder: c.remainder } }));
}

export const QUESTION_PROMPT = 'Write one question that a user might ask and that this passage answers. Reply with the question only, on one line.\n\nPassage:\n';

/** Questions written by the configured model, one per sampled chunk; the chunk is the positive. */
export async function modelQuestions(chunks: Chunk[], count: number, seed: number, generate: (prompt: string) => Promise<string>): Promise<Question[]> {
  const rand = prng(seed);
  const picked = [...chunks].sort(() => rand() - 0.5).slice(0, count);
  const out: Question[] = [];
  const seen = new Map<string, number>();
  for (const c of picked) {
    const q = (await generate(`${QUESTION_PROMPT}${c.text}`)).split('\n').map((l) => l.trim()).find((l) => l.length > 0);
    if (!q || q.length < 8) continue;
    const text = q.replace(/^(question|q)\s*[:.-]\s*/i, '');
    seen.set(text, (seen.get(text) ?? 0) + 1);
    out.push({ text, positives: [{ text: c.text, doc: c.documentId }], relevant: new Set([c.documentId]), group: c.documentId });
  }
  // A model that answers every passage with the same text (the local extractive model does) writes no questions.
  const [top, times] = [...seen.entries()].sort((a, b) => b[1] - a[1])[0] ?? ['', 0];
  if (out.length >= 4 && times > out.length / 2) {
    throw new IncontextError('MODEL_FAILED', `The model wrote the same text for ${times} of ${out.length} passages ("${top.slice(0, 80)}"): it does not write questions`, {
      input: { key: 'model.default' },
      hint: 'Configure a generative model (model.default, e.g. openai:gpt-4o-mini), or use the cloze generator, which needs no model.',
    });
  }
  return out.filter((q) => seen.get(q.text) === 1);
}
