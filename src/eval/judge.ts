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
  /** Names a judgement may use for it, most specific first: id, source, origin, ... */
  keys: string[];
  text: string;
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

/** The names a document is known by: its id, source and origin, and the same without extension or folders. */
export function documentKeys(doc: { id: string; source: string; origin?: string }): string[] {
  const keys = [doc.id, doc.source, ...(doc.origin ? [doc.origin] : [])];
  const noExt = (s: string) => s.replace(/\.[A-Za-z0-9]{1,8}$/, '');
  const base = (s: string) => s.slice(s.lastIndexOf('/') + 1);
  keys.push(noExt(doc.source), base(doc.source), noExt(base(doc.source)));
  return [...new Set(keys.filter((k) => k !== ''))];
}

export function createCorpusJudge(docs: readonly JudgedDocument[]): CorpusJudge {
  // One map per key position, so "guide.md" as an exact source wins over another folder's guide.md by base name.
  const levels: Array<Map<string, string[]>> = [];
  for (const d of docs) {
    d.keys.forEach((key, i) => {
      const level = (levels[i] ??= new Map());
      const ids = level.get(key) ?? [];
      if (!ids.includes(d.id)) ids.push(d.id);
      level.set(key, ids);
    });
  }
  const normalized = new Map<string, string>();
  const textOf = (d: JudgedDocument) => {
    let t = normalized.get(d.id);
    if (t === undefined) normalized.set(d.id, (t = normalizeAnswer(d.text)));
    return t;
  };
  const resolve = (name: string): string[] => {
    for (const level of levels) {
      const ids = level.get(name);
      if (ids) return ids;
    }
    return [];
  };
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
