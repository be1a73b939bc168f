/**
 * Stats of a project: the trace store's figures plus drift, week over week —
 * of what users ask (centroid distance of the question embeddings) and of how
 * they rate the answers (mean feedback score).
 */
import type { Embedder } from '../embed/index.js';
import type { TraceStats, TraceStore } from '../trace/index.js';

const WEEK = 7 * 86_400_000;
/** Questions sampled per week; the centroid of 500 is stable to a few thousandths. */
const SAMPLE = 500;

export interface Drift {
  inputs: {
    thisWeek: number;
    lastWeek: number;
    /**
     * 1 − cosine similarity of the mean question embedding of the last 7 days and of the 7 days
     * before; 0 means the same mix of topics. Null when either week has fewer than 5 questions,
     * or traces keep no text (privacy hash/none).
     */
    centroidDistance: number | null;
    /** The same figure between two halves of last week's sample: the level of noise to compare against. */
    baseline: number | null;
    embedder: string;
  };
  feedback: { thisWeek: number | null; lastWeek: number | null; change: number | null };
}

export type ProjectStats = TraceStats & { drift: Drift };

export async function projectStats(traces: TraceStore, embedder: Embedder, projectId: string, range: { from: number; to: number }): Promise<ProjectStats> {
  const { to } = range;
  const thisWeek = { from: to - WEEK, to };
  const lastWeek = { from: to - 2 * WEEK, to: to - WEEK };
  const [stats, now, before, fbNow, fbBefore] = await Promise.all([
    traces.stats(projectId, range),
    traces.rootInputs(projectId, thisWeek, SAMPLE),
    traces.rootInputs(projectId, lastWeek, SAMPLE),
    traces.stats(projectId, thisWeek),
    traces.stats(projectId, lastWeek),
  ]);
  let centroidDistance: number | null = null;
  let baseline: number | null = null;
  if (now.length >= 5 && before.length >= 5) {
    const vectors = await embedder.embed([...now, ...before], { kind: 'query' });
    const a = vectors.slice(0, now.length);
    const b = vectors.slice(now.length);
    centroidDistance = distance(centroid(a), centroid(b));
    if (b.length >= 10) baseline = distance(centroid(b.filter((_, i) => i % 2 === 0)), centroid(b.filter((_, i) => i % 2 === 1)));
  }
  const avgNow = fbNow.feedback.avgScore ?? null;
  const avgBefore = fbBefore.feedback.avgScore ?? null;
  return {
    ...stats,
    drift: {
      inputs: { thisWeek: now.length, lastWeek: before.length, centroidDistance, baseline, embedder: embedder.id },
      feedback: { thisWeek: avgNow, lastWeek: avgBefore, change: avgNow !== null && avgBefore !== null ? avgNow - avgBefore : null },
    },
  };
}

function centroid(vectors: Float32Array[]): Float64Array {
  const c = new Float64Array(vectors[0]?.length ?? 0);
  for (const v of vectors) for (let i = 0; i < v.length; i++) c[i]! += v[i]!;
  return c;
}

/** 1 − cosine; the centroid's length does not matter, so sums need no division. */
function distance(a: Float64Array, b: Float64Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  if (na === 0 || nb === 0) return 0;
  return Math.max(0, 1 - dot / Math.sqrt(na * nb));
}
