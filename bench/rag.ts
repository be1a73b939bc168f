import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createIncontext } from '../src/app/index.js';
import { countTokens } from '../src/chunk/index.js';
import { BENCH_TMP, fmt, log, mean, msSince, now, percentile, readJsonl, type CorpusDoc, type RagQuestion, type Section, type Table } from './lib.js';

type Mode = 'keyword' | 'vector' | 'hybrid';
const MODES: Mode[] = ['keyword', 'vector', 'hybrid'];

/** SQuAD's official normalisation: lowercase, drop punctuation, drop a/an/the, collapse whitespace. */
export function normalizeAnswer(s: string): string {
  return s
    .toLowerCase()
    .replace(/[\p{P}\p{S}]/gu, ' ')
    .replace(/\b(a|an|the)\b/g, ' ')
    .split(/\s+/)
    .filter(Boolean)
    .join(' ');
}

export function tokenF1(prediction: string, gold: string): number {
  const p = normalizeAnswer(prediction).split(' ').filter(Boolean);
  const g = normalizeAnswer(gold).split(' ').filter(Boolean);
  if (p.length === 0 || g.length === 0) return p.length === g.length ? 1 : 0;
  const counts = new Map<string, number>();
  for (const t of g) counts.set(t, (counts.get(t) ?? 0) + 1);
  let same = 0;
  for (const t of p) {
    const c = counts.get(t) ?? 0;
    if (c > 0) {
      same++;
      counts.set(t, c - 1);
    }
  }
  if (same === 0) return 0;
  const precision = same / p.length;
  const recall = same / g.length;
  return (2 * precision * recall) / (precision + recall);
}

/** Citation markers such as [1], [2, 3] or [1][4] are ours, not part of the answer. */
export function stripCitations(answer: string): string {
  return answer.replace(/\[\d+(?:\s*[,;]\s*\d+)*\]/g, ' ').replace(/\s+/g, ' ').trim();
}

export const ragSection: Section = {
  name: 'rag',
  title: 'Quality of the embedded default on rag-dev',
  async run(): Promise<Table[]> {
    const corpus = readJsonl<CorpusDoc>('rag-dev-corpus.jsonl');
    const questions = readJsonl<RagQuestion>('rag-dev-qa.jsonl');
    // Persistent home so the local embedder's one-off cache survives between runs; the store itself starts empty.
    const home = join(BENCH_TMP, 'rag-home');
    mkdirSync(home, { recursive: true });
    for (const f of readdirSync(home)) if (f.startsWith('incontext.db')) rmSync(join(home, f), { force: true });
    const cachePresent = existsSync(join(home, 'cache')) && readdirSync(join(home, 'cache')).length > 0;

    const inc = createIncontext({ cwd: BENCH_TMP, config: { home: 'rag-home', logLevel: 'silent' } });
    try {
      let t = now();
      const { model } = await inc.embed(['warm up the local embedder']);
      const embedderMs = msSince(t);
      log(`rag: embedder ${model} ready in ${fmt(embedderMs)} ms (cache ${cachePresent ? 'present' : 'built now'})`);

      t = now();
      const goldOf = new Map<string, string>();
      let chunks = 0;
      for (const p of corpus) {
        const r = await inc.ingestBytes(new TextEncoder().encode(p.text), `${p.doc_id.replace('#', '-')}.txt`);
        chunks += r.chunks;
        for (const id of r.documentIds) goldOf.set(id, p.doc_id);
      }
      const ingestMs = msSince(t);
      log(`rag: ingested ${corpus.length} paragraphs as ${chunks} chunks in ${fmt(ingestMs)} ms`);

      const size = inc.config.chunk.size;
      const oversized = corpus.map((p) => ({ id: p.doc_id, tokens: countTokens(p.text) })).filter((p) => p.tokens > size);
      const answerable = questions.filter((q) => q.answerable);
      const unanswerable = questions.filter((q) => !q.answerable);
      const retrievalRows: Array<Array<string | number>> = [];
      for (const mode of MODES) {
        const lat: number[] = [];
        const hit1 = { answerable: 0, all: 0 };
        const hit5 = { answerable: 0, all: 0 };
        for (const q of questions) {
          const s = now();
          const hits = await inc.search(q.question, { mode, k: 5 });
          lat.push(msSince(s));
          const docs = hits.map((h) => goldOf.get(h.document.id));
          const at1 = docs[0] === q.doc ? 1 : 0;
          const at5 = docs.includes(q.doc) ? 1 : 0;
          hit1.all += at1;
          hit5.all += at5;
          if (q.answerable) {
            hit1.answerable += at1;
            hit5.answerable += at5;
          }
        }
        const r = (n: number, d: number) => (n / d).toFixed(3);
        retrievalRows.push([
          mode,
          r(hit1.answerable, answerable.length),
          r(hit5.answerable, answerable.length),
          r(hit1.all, questions.length),
          r(hit5.all, questions.length),
          fmt(percentile(lat, 50)),
          fmt(percentile(lat, 99)),
        ]);
        log(`rag: ${mode} hit@1 ${r(hit1.answerable, answerable.length)}`);
      }

      const f1: number[] = [];
      const em: number[] = [];
      const askLat: number[] = [];
      let falseAbstain = 0;
      let abstain = 0;
      for (const q of questions) {
        const s = now();
        const a = await inc.ask(q.question);
        askLat.push(msSince(s));
        if (!q.answerable) {
          if (a.abstained) abstain++;
          continue;
        }
        if (a.abstained) falseAbstain++;
        const text = stripCitations(a.answer);
        f1.push(Math.max(...q.answers.map((g) => tokenF1(text, g))));
        em.push(q.answers.some((g) => normalizeAnswer(text) === normalizeAnswer(g)) ? 1 : 0);
      }
      log(`rag: ask F1 ${fmt(mean(f1), 3)}`);
      const cfg = inc.config;

      return [
        {
          summary: `rag-dev retrieval hit@1 / hit@5 on answerable questions: keyword ${retrievalRows[0]![1]} / ${retrievalRows[0]![2]}, vector (${model}) ${retrievalRows[1]![1]} / ${retrievalRows[1]![2]}, hybrid ${retrievalRows[2]![1]} / ${retrievalRows[2]![2]}.`,
          title: `Retrieval on rag-dev (SQuAD 2.0 "Normans"): ${corpus.length} paragraphs, ${questions.length} questions, gold = the question's paragraph (unanswerable ones have one too)`,
          head: ['mode', `hit@1 answerable (n=${answerable.length})`, 'hit@5 answerable', `hit@1 all (n=${questions.length})`, 'hit@5 all', 'p50 ms', 'p99 ms'],
          rows: retrievalRows,
          notes: [
            `Through createIncontext with the default config (embedder ${model}, chunk ${cfg.chunk.size}/${cfg.chunk.overlap}, hybrid RRF k=${cfg.retrieve.rrfK}, ${cfg.retrieve.candidates} candidates per retriever).`,
            'Latencies: the first mode that embeds a question (vector) pays for the query embedding; hybrid and ask reuse it from the persistent embedding cache, as a repeated question would.',
            `${corpus.length} paragraphs ingested with ingestBytes as ${chunks} chunks${oversized.length === 0 ? ' (one each)' : ` (longer than ${size} tokens, so split: ${oversized.map((p) => `${p.id} ${p.tokens} tokens`).join(', ')})`} in ${fmt(ingestMs)} ms; embedder ready in ${fmt(embedderMs)} ms (${cachePresent ? 'cache present' : 'first run: cache built'}), not counted in the query latencies.`,
          ],
        },
        {
          summary: `rag-dev answers with the local model: token F1 ${mean(f1).toFixed(3)}, EM ${mean(em).toFixed(3)} on answerable; abstains on ${fmt((100 * abstain) / Math.max(1, unanswerable.length), 0)}% of unanswerable and falsely on ${fmt((100 * falseAbstain) / answerable.length, 0)}% of answerable.`,
          title: `Answers with the local model (ask, mode ${cfg.retrieve.mode}, k=${cfg.retrieve.k}) on all ${questions.length} questions`,
          head: ['metric', 'value'],
          rows: [
            ['token F1 (answerable, n=' + answerable.length + ')', fmt(mean(f1), 3)],
            ['exact match (answerable)', fmt(mean(em), 3)],
            ['false-abstention rate (answerable)', fmt(falseAbstain / answerable.length, 3)],
            ['abstention rate (unanswerable, n=' + unanswerable.length + ')', fmt(abstain / Math.max(1, unanswerable.length), 3)],
            ['ask p50 ms', fmt(percentile(askLat, 50))],
            ['ask p99 ms', fmt(percentile(askLat, 99))],
          ],
          notes: ['SQuAD scoring: citation markers [n] stripped, then lowercase, punctuation and a/an/the removed; max over the gold answers. An abstention scores 0 F1 on answerable questions.'],
        },
      ];
    } finally {
      await inc.close();
    }
  },
};
