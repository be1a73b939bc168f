/**
 * Turns an evaluation set's judgements into judgements of one corpus's documents.
 * A set names documents as its authors knew them (an id, a file path, a path
 * without its extension); the corpus knows each document by several such keys.
 * A question with answers but no named documents is judged by which documents
 * hold an answer, so the judgement does not depend on how the text was chunked.
 */
import { containsAnswer, normalizeAnswer, type EvalQuery } from './dataset.js';

export interface JudgedDocument {
  /** The id the ranking uses (the store's document id). */
  id: string;
  /** Names a judgement may use for it (see documentKeys). */
  keys: DocumentKey[];
  text: string;
}

/** A name of a document; when several documents answer to a name, those with the lowest rank win. */
export interface DocumentKey {
  name: string;
  rank: number;
}

export interface QueryJudgement {
  /** Corpus document id → grade. */
  relevant: Map<string, number>;
  /** Names in the question's judgements that no corpus document answers to. */
  unmatched: string[];
  /** How the judgement was made. */
  by: 'documents' | 'answers' | 'none';
}

export interface CorpusJudge {
  /** Every corpus document a name refers to (a file name may cover several records). */
  resolve(name: string): string[];
  judge(query: EvalQuery): QueryJudgement;
}

/**
 * The names a document is known by: its id, source and origin (rank 0), the source without
 * extension (1), then the source with leading folders dropped, the longer tails first, so
 * `docs/guide.md`, `guide.md` and `guide` all name `/work/site/docs/guide.md`, and
 * `a/guide.md` still tells it from `b/guide.md`.
 */
export function documentKeys(doc: { id: string; source: string; origin?: string }): DocumentKey[] {
  const noExt = (s: string) => s.replace(/\.[A-Za-z0-9]{1,8}$/, '');
  const keys: DocumentKey[] = [doc.id, doc.source, ...(doc.origin ? [doc.origin] : [])].map((name) => ({ name, rank: 0 }));
  keys.push({ name: noExt(doc.source), rank: 1 });
  const parts = doc.source.split('/');
  for (let i = 1; i < parts.length; i++) {
    const tail = parts.slice(i).join('/');
    // Fewer segments left: a vaguer name, a higher rank.
    const rank = 2 + 2 * (1000 - (parts.length - i));
    keys.push({ name: tail, rank }, { name: noExt(tail), rank: rank + 1 });
  }
  return keys.filter((k) => k.name !== '');
}

export function createCorpusJudge(docs: readonly JudgedDocument[]): CorpusJudge {
  const names = new Map<string, { rank: number; ids: string[] }>();
  for (const d of docs) {
    for (const { name, rank } of d.keys) {
      const at = names.get(name);
      if (!at || rank < at.rank) names.set(name, { rank, ids: [d.id] });
      else if (rank === at.rank && !at.ids.includes(d.id)) at.ids.push(d.id);
    }
  }
  const normalized = new Map<string, string>();
  const textOf = (d: JudgedDocument) => {
    let t = normalized.get(d.id);
    if (t === undefined) normalized.set(d.id, (t = normalizeAnswer(d.text)));
    return t;
  };
  const resolve = (name: string): string[] => names.get(name)?.ids ?? [];
  return {
    resolve,
    judge(query) {
      const relevant = new Map<string, number>();
      const unmatched: string[] = [];
      if (query.relevant.size > 0) {
        for (const [name, grade] of query.relevant) {
          const ids = resolve(name);
          if (ids.length === 0) unmatched.push(name);
          for (const id of ids) relevant.set(id, Math.max(relevant.get(id) ?? 0, grade));
        }
        return { relevant, unmatched, by: [...relevant.values()].some((g) => g > 0) ? 'documents' : 'none' };
      }
      const needles = query.answers.map(normalizeAnswer).filter((a) => a !== '');
      for (const d of docs) {
        const hay = ` ${textOf(d)} `;
        if (needles.some((n) => hay.includes(` ${n} `))) relevant.set(d.id, 1);
      }
      return { relevant, unmatched, by: relevant.size > 0 ? 'answers' : 'none' };
    },
  };
}

/** Whether any of the first `k` retrieved texts holds one of the query's answers; undefined without answers. */
export function answerInTop(texts: readonly string[], query: Pick<EvalQuery, 'answers'>, k: number): number | undefined {
  if (query.answers.length === 0) return undefined;
  return texts.slice(0, k).some((t) => containsAnswer(t, query.answers)) ? 1 : 0;
}
