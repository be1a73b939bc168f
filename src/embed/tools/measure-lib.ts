/** Shared helpers of the measurement scripts: the dev sets and their metrics. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dot } from '../normalize.js';

const DATA = join(import.meta.dirname, '../../../../shared/datasets');
const readJsonl = <T>(name: string): T[] =>
  readFileSync(join(DATA, name), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as T);

interface Doc { doc_id: string; title: string; text: string }
export const ragDocs = readJsonl<Doc>('rag-dev-corpus.jsonl');
export const ragQa = readJsonl<{ question: string; doc: string }>('rag-dev-qa.jsonl');
export const sciDocs = readJsonl<Doc>('scifact-corpus.jsonl');
export const sciQueries = readJsonl<{ id: string; query: string }>('scifact-dev-queries.jsonl');
const qrels = new Map<string, Set<string>>();
for (const q of readJsonl<{ query_id: string; doc_id: string; score: number }>('scifact-dev-qrels.jsonl')) {
  if (q.score > 0) qrels.set(q.query_id, (qrels.get(q.query_id) ?? new Set()).add(q.doc_id));
}

export type EmbedFn = (texts: string[]) => Float32Array[];

function rank(queries: Float32Array[], docs: Float32Array[], k: number): number[][] {
  return queries.map((q) =>
    docs
      .map((d, i) => [dot(q, d), i] as const)
      .sort((a, b) => b[0] - a[0])
      .slice(0, k)
      .map(([, i]) => i),
  );
}

export function evaluate(embed: EmbedFn): { hit5: number; ndcg10: number; recall10: number } {
  const rd = embed(ragDocs.map((d) => `${d.title}\n${d.text}`));
  const rq = embed(ragQa.map((q) => q.question));
  const top = rank(rq, rd, 5);
  const hit5 = top.filter((t, i) => t.some((j) => ragDocs[j]!.doc_id === ragQa[i]!.doc)).length / ragQa.length;
  const sd = embed(sciDocs.map((d) => `${d.title}\n${d.text}`));
  const sq = embed(sciQueries.map((q) => q.query));
  const stop = rank(sq, sd, 10);
  let ndcg = 0;
  let recall = 0;
  let n = 0;
  sciQueries.forEach((q, qi) => {
    const rel = qrels.get(q.id);
    if (!rel) return;
    n++;
    let dcg = 0;
    let found = 0;
    stop[qi]!.forEach((di, r) => {
      if (rel.has(sciDocs[di]!.doc_id)) {
        dcg += 1 / Math.log2(r + 2);
        found++;
      }
    });
    let idcg = 0;
    for (let r = 0; r < Math.min(rel.size, 10); r++) idcg += 1 / Math.log2(r + 2);
    ndcg += dcg / idcg;
    recall += found / rel.size;
  });
  return { hit5, ndcg10: ndcg / n, recall10: recall / n };
}

export const fmt = (r: ReturnType<typeof evaluate>) =>
  `hit@5 ${r.hit5.toFixed(3)}  nDCG@10 ${r.ndcg10.toFixed(3)}  recall@10 ${r.recall10.toFixed(3)}`;
