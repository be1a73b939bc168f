/**
 * The development sets as one shape: documents, queries and graded judgements.
 * SciFact is a BEIR collection already; rag-dev (SQuAD "Normans") becomes one by
 * taking each question's paragraph as its one relevant document.
 */
import { readJsonl, type CorpusDoc, type Qrel, type RagQuestion, type SciQuery } from '../lib.js';

export interface IrQuery {
  id: string;
  text: string;
}

export interface IrDataset {
  name: string;
  docs: CorpusDoc[];
  queries: IrQuery[];
  /** query id → document id → graded relevance (> 0 is relevant). */
  qrels: Map<string, Map<string, number>>;
  /** Whether titles carry information (SciFact) or repeat for every document (rag-dev: "Normans"). */
  titled: boolean;
}

export function loadSciFact(): IrDataset {
  const docs = readJsonl<CorpusDoc>('scifact-corpus.jsonl');
  const qrels = new Map<string, Map<string, number>>();
  for (const r of readJsonl<Qrel>('scifact-dev-qrels.jsonl')) {
    const m = qrels.get(r.query_id) ?? new Map<string, number>();
    m.set(r.doc_id, r.score);
    qrels.set(r.query_id, m);
  }
  const queries = readJsonl<SciQuery>('scifact-dev-queries.jsonl')
    .filter((q) => qrels.has(q.id))
    .map((q) => ({ id: q.id, text: q.query }));
  return { name: 'scifact', docs, queries, qrels, titled: true };
}

export function loadRagDev(): IrDataset {
  const docs = readJsonl<CorpusDoc>('rag-dev-corpus.jsonl');
  const questions = readJsonl<RagQuestion>('rag-dev-qa.jsonl');
  const qrels = new Map<string, Map<string, number>>();
  for (const q of questions) qrels.set(q.id, new Map([[q.doc, 1]]));
  return { name: 'rag-dev', docs, queries: questions.map((q) => ({ id: q.id, text: q.question })), qrels, titled: false };
}

/** The text every engine indexes for a document: title, blank line, body (as BEIR concatenates them). */
export function docText(d: CorpusDoc, titled: boolean): string {
  return titled && d.title ? `${d.title}\n\n${d.text}` : d.text;
}
