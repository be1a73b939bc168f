/**
 * Measure the local extractive model on a SQuAD-style set (default: the shared
 * rag-dev set). Each question gets the gold paragraph plus the paragraphs a plain
 * BM25 ranks highest for it (k in all, in BM25 order, gold forced in), is asked
 * through `generateText` exactly as incontext would, and is scored after removing
 * the `[n]` citation markers:
 * - EM and F1 with SQuAD's normalisation (lowercase, delete punctuation, drop articles),
 *   on answerable questions (an abstention scores 0);
 * - contains-answer: a gold answer appears in the answer as a word sequence;
 * - abstain rate on unanswerable questions, false-abstain rate on answerable ones;
 * - "all (SQuAD 2.0 scoring)": an abstention on an unanswerable question scores 1.
 *
 *   npx tsx src/model/eval-local.ts [--data DIR] [--k 4] [--min-support 0.4] [--max-sentences 2] [--no-trim] [--show N]
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { generateText } from 'ai';
import { formatRagUserMessage, NO_ANSWER, type ContextBlock } from '../core/index.js';
import { answerType } from './cues.js';
import { createLocalModel } from './local.js';
import { isContentWord, words } from './text.js';

interface Paragraph {
  doc_id: string;
  title: string;
  text: string;
}
interface Question {
  id: string;
  question: string;
  answers: string[];
  doc: string;
  answerable: boolean;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function readJsonl<T>(path: string): T[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);
}

/** SQuAD's normalisation: lowercase, delete punctuation, drop articles, split on whitespace. */
export function normalise(s: string): string[] {
  return s
    .toLowerCase()
    .replace(/[\p{P}\p{S}]/gu, '')
    .replace(/\b(a|an|the)\b/g, ' ')
    .split(/\s+/)
    .filter(Boolean);
}

/** For "does the answer contain the gold text": punctuation splits words, so "Dyrrachium—one" still holds "Dyrrachium". */
function looseWords(s: string): string {
  return ` ${s.toLowerCase().replace(/[\p{P}\p{S}]/gu, ' ').replace(/\b(a|an|the)\b/g, ' ').split(/\s+/).filter(Boolean).join(' ')} `;
}

export function f1(prediction: string, gold: string): number {
  const p = normalise(prediction);
  const g = normalise(gold);
  const counts = new Map<string, number>();
  for (const t of g) counts.set(t, (counts.get(t) ?? 0) + 1);
  let common = 0;
  for (const t of p) {
    const c = counts.get(t) ?? 0;
    if (c > 0) {
      common++;
      counts.set(t, c - 1);
    }
  }
  if (common === 0) return 0;
  const precision = common / p.length;
  const recall = common / g.length;
  return (2 * precision * recall) / (precision + recall);
}

function bm25Ranker(paragraphs: Paragraph[]): (q: string) => Paragraph[] {
  const docs = paragraphs.map((p) => words(p.text).map((t) => t.stem));
  const avg = docs.reduce((s, d) => s + d.length, 0) / docs.length;
  const df = new Map<string, number>();
  for (const d of docs) for (const t of new Set(d)) df.set(t, (df.get(t) ?? 0) + 1);
  return (q) => {
    const terms = words(q).filter((t) => isContentWord(t.lower)).map((t) => t.stem);
    const scored = docs.map((d, i) => {
      let score = 0;
      for (const term of terms) {
        const tf = d.filter((t) => t === term).length;
        if (!tf) continue;
        const n = df.get(term) ?? 0;
        const idf = Math.log(1 + (docs.length - n + 0.5) / (n + 0.5));
        score += (idf * tf * 2.2) / (tf + 1.2 * (0.25 + (0.75 * d.length) / avg));
      }
      return { p: paragraphs[i]!, score };
    });
    return scored.sort((a, b) => b.score - a.score).map((s) => s.p);
  };
}

async function main(): Promise<void> {
  const dir = resolve(arg('data') ?? resolve(import.meta.dirname, '../../../shared/datasets'));
  const k = Number(arg('k') ?? 4);
  const show = Number(arg('show') ?? 0);
  const minSupport = arg('min-support');
  const maxSentences = arg('max-sentences');
  const paragraphs = readJsonl<Paragraph>(resolve(dir, 'rag-dev-corpus.jsonl'));
  const questions = readJsonl<Question>(resolve(dir, 'rag-dev-qa.jsonl'));
  const byId = new Map(paragraphs.map((p) => [p.doc_id, p]));
  const rank = bm25Ranker(paragraphs);
  const model = createLocalModel({
    ...(minSupport ? { minSupport: Number(minSupport) } : {}),
    ...(maxSentences ? { maxSentences: Number(maxSentences) } : {}),
    ...(process.argv.includes('--no-trim') ? { trim: false } : {}),
  });

  let em = 0;
  let f1Sum = 0;
  let contains = 0;
  let answerable = 0;
  let falseAbstain = 0;
  let unanswerable = 0;
  let abstainOnUnanswerable = 0;
  let answerWords = 0;
  const misses: string[] = [];
  const byType = new Map<string, { n: number; f1: number; contains: number }>();
  for (const q of questions) {
    const gold = byId.get(q.doc);
    if (!gold) throw new Error(`question ${q.id} names unknown paragraph ${q.doc}`);
    const picked = rank(q.question).slice(0, k);
    if (!picked.includes(gold)) picked[picked.length - 1] = gold;
    const blocks: ContextBlock[] = picked.map((p, i) => ({ index: i + 1, source: p.doc_id, title: p.title, text: p.text }));
    const { text } = await generateText({ model, prompt: formatRagUserMessage(blocks, q.question) });
    const abstained = text === NO_ANSWER;
    if (!q.answerable) {
      unanswerable++;
      if (abstained) abstainOnUnanswerable++;
      continue;
    }
    answerable++;
    if (abstained) {
      falseAbstain++;
      if (misses.length < show) misses.push(`ABSTAIN  ${q.question}  => ${q.answers[0]}`);
      continue;
    }
    const plain = text.replace(/\s*\[\d+\]/g, '');
    answerWords += normalise(plain).length;
    const hit = q.answers.some((a) => looseWords(plain).includes(looseWords(a)));
    const bucket = byType.get(answerType(q.question)) ?? { n: 0, f1: 0, contains: 0 };
    byType.set(answerType(q.question), bucket);
    bucket.n++;
    bucket.f1 += Math.max(...q.answers.map((a) => f1(plain, a)));
    if (hit) bucket.contains++;
    if (hit) contains++;
    else if (misses.length < show) misses.push(`MISS     ${q.question}  => ${q.answers[0]}\n         got: ${text}`);
    if (q.answers.some((a) => normalise(a).join(' ') === normalise(plain).join(' '))) em++;
    f1Sum += Math.max(...q.answers.map((a) => f1(plain, a)));
  }
  const pct = (n: number, d: number) => `${((100 * n) / Math.max(1, d)).toFixed(1)}%`;
  const answered = answerable - falseAbstain;
  console.log(`questions: ${questions.length} (${answerable} answerable, ${unanswerable} unanswerable), context: gold + ${k - 1} BM25 neighbours`);
  console.log(`answerable  EM ${pct(em, answerable)}  F1 ${pct(f1Sum, answerable)}  contains-answer ${pct(contains, answerable)}`);
  console.log(`            false-abstain ${pct(falseAbstain, answerable)}  mean answer length ${(answerWords / Math.max(1, answered)).toFixed(1)} words`);
  console.log(`unanswerable abstain ${pct(abstainOnUnanswerable, unanswerable)}`);
  // SQuAD 2.0 convention: abstaining on an unanswerable question scores EM = F1 = 1.
  console.log(`all (SQuAD 2.0 scoring)  EM ${pct(em + abstainOnUnanswerable, questions.length)}  F1 ${pct(f1Sum + abstainOnUnanswerable, questions.length)}`);
  for (const [type, b] of byType) console.log(`  answered ${type.padEnd(6)} n=${b.n}  F1 ${pct(b.f1, b.n)}  contains ${pct(b.contains, b.n)}`);
  for (const m of misses) console.log(m);
}

await main();
