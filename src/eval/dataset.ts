/**
 * Evaluation sets for retrieval: questions with what counts as a right answer.
 *
 * Two layouts are read:
 * - one JSONL file, a question a line: `{"query": "...", "relevant": ["guide.md", ...]}`. The
 *   SQuAD shape (`question`, `answers`, `doc`) and BEIR's (`_id`, `text`) field names are
 *   accepted too, so published sets load as they are.
 * - a BEIR pair: `queries.jsonl` plus qrels (`query-id corpus-id score` as TSV, JSONL or TREC).
 *
 * Every malformed row fails with the file and line, because a silently dropped
 * question changes every figure computed from the set.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { IncontextError } from '../core/index.js';

export interface EvalQuery {
  id: string;
  query: string;
  /** Document ids or sources (as the corpus names them) → graded relevance; above 0 is relevant. */
  relevant: Map<string, number>;
  /** Answer strings: a retrieved text that contains one (after normalisation) holds the answer. */
  answers: string[];
  /** Line of the row in its file, from 1. */
  line: number;
}

export interface EvalSet {
  name: string;
  path: string;
  queries: EvalQuery[];
}

type Row = Record<string, unknown>;

const SHAPE_HINT = 'Each line must be a JSON object like {"query": "...", "relevant": ["doc-id or source", ...]} or {"query": "...", "answers": ["..."]}.';

function readText(path: string, what: string): string {
  let text: string;
  try {
    if (statSync(path).isDirectory()) {
      throw new IncontextError('FILE_UNREADABLE', `${what} ${path} is a directory`, { input: { path }, hint: 'Pass the JSONL file, or a BEIR folder holding queries.jsonl and qrels/.' });
    }
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (IncontextError.isInstance(e)) throw e;
    throw new IncontextError('FILE_UNREADABLE', `Cannot read ${what} ${path}: ${(e as Error).message}`, { input: { path }, hint: 'Check the path and its permissions.', cause: e });
  }
  return text.replace(/^\uFEFF/, '');
}

/** Non-empty lines with their 1-based numbers. */
function lines(text: string): Array<{ line: number; text: string }> {
  return text
    .split(/\r?\n/)
    .map((t, i) => ({ line: i + 1, text: t }))
    .filter((l) => l.text.trim() !== '');
}

function bad(path: string, line: number, message: string, hint = SHAPE_HINT, key?: string): IncontextError {
  return new IncontextError('PARSE_FAILED', message, { input: { path, line, ...(key ? { key } : {}) }, hint });
}

function parseObject(path: string, line: number, text: string): Row {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw bad(path, line, `Invalid JSON: ${(e as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad(path, line, `Expected a JSON object, got ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}`);
  return value as Row;
}

function idOf(row: Row, keys: string[]): string | undefined {
  for (const k of keys) {
    const v = row[k];
    if (typeof v === 'string' && v.trim()) return v;
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  }
  return undefined;
}

function grade(path: string, line: number, value: unknown, key: string): number {
  // BEIR qrels in JSONL sometimes carry the score as a string ("1").
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw bad(path, line, `${key} must be a number, got ${JSON.stringify(value)}`, 'Grades are numbers: 0 not relevant, 1 relevant, 2 highly relevant.', key);
  return n;
}

function addRelevant(path: string, line: number, rel: Map<string, number>, entry: unknown, key: string): string | undefined {
  if (typeof entry === 'string' || typeof entry === 'number') {
    const id = String(entry).trim();
    if (!id) throw bad(path, line, `${key} holds an empty id`, undefined, key);
    rel.set(id, Math.max(rel.get(id) ?? 0, 1));
    return undefined;
  }
  if (typeof entry === 'object' && entry !== null && !Array.isArray(entry)) {
    const o = entry as Row;
    if (typeof o.answer === 'string') return o.answer;
    const id = idOf(o, ['id', 'doc', 'doc_id', 'source', 'corpus-id', 'corpus_id']);
    if (id === undefined) throw bad(path, line, `An entry of ${key} has no id: ${JSON.stringify(entry)}`, 'Write entries as "doc-id", {"id": "doc-id", "grade": 2} or {"answer": "text"}.', key);
    const g = 'grade' in o ? grade(path, line, o.grade, `${key}[].grade`) : 'score' in o ? grade(path, line, o.score, `${key}[].score`) : 1;
    rel.set(id, g);
    return undefined;
  }
  throw bad(path, line, `An entry of ${key} must be an id string or an object, got ${JSON.stringify(entry)}`, undefined, key);
}

function stringList(path: string, line: number, row: Row, key: string): string[] {
  const v = row[key];
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
  throw bad(path, line, `${key} must be a string or a list of strings, got ${JSON.stringify(v)}`, undefined, key);
}

/** One row of the single-file layout. */
function queryRow(path: string, line: number, row: Row): EvalQuery {
  const q = row.query ?? row.question ?? row.text;
  if (typeof q !== 'string' || !q.trim()) throw bad(path, line, 'Missing "query" (or "question") string', undefined, 'query');
  const relevant = new Map<string, number>();
  const answers: string[] = [];
  if (row.relevant !== undefined) {
    if (!Array.isArray(row.relevant)) throw bad(path, line, `"relevant" must be a list, got ${JSON.stringify(row.relevant)}`, undefined, 'relevant');
    for (const entry of row.relevant) {
      const answer = addRelevant(path, line, relevant, entry, 'relevant');
      if (answer !== undefined) answers.push(answer);
    }
  }
  for (const key of ['doc', 'docs', 'doc_id', 'doc_ids']) for (const id of stringList(path, line, row, key)) addRelevant(path, line, relevant, id, key);
  answers.push(...stringList(path, line, row, 'answers'), ...stringList(path, line, row, 'answer'));
  const kept = answers.filter((a) => normalizeAnswer(a) !== '');
  if (relevant.size === 0 && kept.length === 0) {
    throw bad(path, line, 'The question has nothing to judge it by: no relevant documents and no answers', 'Add "relevant": ["doc-id or source"] or "answers": ["..."]; for a BEIR queries file pass its qrels too.', 'relevant');
  }
  return { id: idOf(row, ['id', '_id', 'query_id', 'query-id']) ?? `line-${line}`, query: q.trim(), relevant, answers: kept, line };
}

/** The single-file layout, from text (the path only names the source in errors). */
export function parseEvalJsonl(text: string, path: string): EvalSet {
  const queries = lines(text).map((l) => queryRow(path, l.line, parseObject(path, l.line, l.text)));
  if (queries.length === 0) throw new IncontextError('FILE_EMPTY', `The evaluation set ${path} has no questions`, { input: { path }, hint: SHAPE_HINT });
  return { name: basename(path).replace(/\.(jsonl|ndjson|json)$/i, ''), path, queries };
}

/**
 * qrels: BEIR TSV (`query-id<TAB>corpus-id<TAB>score`, header optional), JSONL
 * (`{"query-id"|"query_id", "corpus-id"|"doc_id", "score"}`) or TREC (`qid 0 docid grade`).
 */
export function parseQrels(text: string, path: string): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  const add = (q: string, d: string, g: number) => {
    const m = out.get(q) ?? new Map<string, number>();
    m.set(d, g);
    out.set(q, m);
  };
  const rows = lines(text);
  const jsonl = rows[0]?.text.trimStart().startsWith('{') ?? false;
  for (const { line, text: t } of rows) {
    if (jsonl) {
      const row = parseObject(path, line, t);
      const q = idOf(row, ['query-id', 'query_id', 'qid']);
      const d = idOf(row, ['corpus-id', 'corpus_id', 'doc_id', 'docid', 'doc-id']);
      if (q === undefined || d === undefined) throw bad(path, line, 'A qrels row needs a query id and a document id', 'Write {"query-id": "...", "corpus-id": "...", "score": 1} (or query_id / doc_id).');
      add(q, d, 'score' in row ? grade(path, line, row.score, 'score') : 1);
      continue;
    }
    const cols = t.trim().split(/\t|\s+/);
    if (line === rows[0]?.line && /^(query[-_]?id|qid)$/i.test(cols[0] ?? '')) continue;
    const qrelsHint = 'Each line is "query-id<TAB>corpus-id<TAB>score" (BEIR) or "qid 0 docid grade" (TREC).';
    if (cols.length === 3) add(cols[0]!, cols[1]!, grade(path, line, cols[2], 'score'));
    else if (cols.length === 4) add(cols[0]!, cols[2]!, grade(path, line, cols[3], 'score'));
    else throw bad(path, line, `Expected 3 (BEIR) or 4 (TREC) columns, got ${cols.length}`, qrelsHint);
  }
  if (out.size === 0) throw new IncontextError('FILE_EMPTY', `The qrels file ${path} has no judgements`, { input: { path }, hint: 'Each line is "query-id<TAB>corpus-id<TAB>score".' });
  return out;
}

/** A BEIR pair: queries (`{_id, text}`) judged by qrels. Queries without judgements are left out, as BEIR does. */
export function parseBeirSet(queriesText: string, queriesPath: string, qrelsText: string, qrelsPath: string): EvalSet {
  const qrels = parseQrels(qrelsText, qrelsPath);
  const queries: EvalQuery[] = [];
  for (const { line, text } of lines(queriesText)) {
    const row = parseObject(queriesPath, line, text);
    const id = idOf(row, ['_id', 'id', 'query_id', 'query-id']);
    if (id === undefined) throw bad(queriesPath, line, 'A BEIR query needs an "_id"', 'Each line is {"_id": "q1", "text": "..."}.', '_id');
    const q = row.text ?? row.query ?? row.question;
    if (typeof q !== 'string' || !q.trim()) throw bad(queriesPath, line, 'A BEIR query needs a "text" string', 'Each line is {"_id": "q1", "text": "..."}.', 'text');
    const rel = qrels.get(id);
    if (rel) queries.push({ id, query: q.trim(), relevant: new Map(rel), answers: [], line });
  }
  if (queries.length === 0) {
    throw new IncontextError('BAD_REQUEST', `No query of ${queriesPath} has a judgement in ${qrelsPath}`, {
      input: { path: qrelsPath },
      hint: 'The qrels query ids must be the queries\' "_id" values; check that the two files belong together.',
    });
  }
  return { name: basename(queriesPath).replace(/\.(jsonl|ndjson|json)$/i, ''), path: queriesPath, queries };
}

/**
 * An evaluation set from disk: a JSONL file of questions; a queries file with `qrels`; or a BEIR
 * folder, whose corpus.jsonl (when present) comes back as `corpus`.
 */
export function loadEvalSet(path: string, options: { qrels?: string } = {}): EvalSet & { corpus?: string } {
  if (options.qrels !== undefined) return parseBeirSet(readText(path, 'queries file'), path, readText(options.qrels, 'qrels file'), options.qrels);
  if (isDirectory(path)) {
    const files = findBeirFiles(path);
    const set = parseBeirSet(readText(files.queries, 'queries file'), files.queries, readText(files.qrels, 'qrels file'), files.qrels);
    return { ...set, name: basename(path), ...(files.corpus ? { corpus: files.corpus } : {}) };
  }
  return parseEvalJsonl(readText(path, 'evaluation set'), path);
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    // A missing path is reported by readText with the path and a hint.
    return false;
  }
}

/** One corpus record: BEIR's `{_id, title, text}` (or `doc_id` / `id`). */
export interface CorpusRecord {
  id: string;
  title?: string;
  text: string;
  line: number;
}

export function parseCorpusJsonl(text: string, path: string): CorpusRecord[] {
  const hint = 'Each line of a JSONL corpus is {"_id": "doc1", "title": "...", "text": "..."} (doc_id or id also work).';
  const seen = new Set<string>();
  const out: CorpusRecord[] = [];
  for (const { line, text: t } of lines(text)) {
    const row = parseObject(path, line, t);
    const id = idOf(row, ['_id', 'doc_id', 'id', 'corpus-id']);
    if (id === undefined) throw bad(path, line, 'A corpus record needs an id ("_id", "doc_id" or "id")', hint, '_id');
    if (typeof row.text !== 'string') throw bad(path, line, 'A corpus record needs a "text" string', hint, 'text');
    if (seen.has(id)) throw bad(path, line, `Duplicate document id ${JSON.stringify(id)}`, 'Document ids must be unique: judgements name documents by them.', '_id');
    seen.add(id);
    const title = typeof row.title === 'string' && row.title.trim() ? row.title.trim() : undefined;
    out.push({ id, text: row.text, line, ...(title ? { title } : {}) });
  }
  if (out.length === 0) throw new IncontextError('FILE_EMPTY', `The corpus ${path} has no records`, { input: { path }, hint });
  return out;
}

export function loadCorpusJsonl(path: string): CorpusRecord[] {
  return parseCorpusJsonl(readText(path, 'corpus'), path);
}

/** SQuAD's normalisation: lower case, no punctuation, no articles, single spaces. */
export function normalizeAnswer(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFKC')
    .replace(/[\p{P}\p{S}]/gu, ' ')
    .replace(/\b(a|an|the)\b/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Whether `text` holds one of the answers as whole words, after normalisation. */
export function containsAnswer(text: string, answers: readonly string[]): boolean {
  if (answers.length === 0) return false;
  const hay = ` ${normalizeAnswer(text)} `;
  return answers.some((a) => {
    const needle = normalizeAnswer(a);
    return needle !== '' && hay.includes(` ${needle} `);
  });
}

/** The files of a BEIR folder: queries.jsonl, qrels (test, then dev, then any) and corpus.jsonl when present. */
export function findBeirFiles(dir: string): { queries: string; qrels: string; corpus?: string } {
  const at = (...parts: string[]) => join(dir, ...parts);
  const queries = ['queries.jsonl', 'queries.json'].map((f) => at(f)).find((p) => existsSync(p));
  const candidates = ['qrels/test.tsv', 'qrels/test.jsonl', 'qrels/dev.tsv', 'qrels/dev.jsonl', 'qrels.tsv', 'qrels.jsonl', 'qrels.txt'].map((f) => at(f));
  const qrels = candidates.find((p) => existsSync(p));
  if (!queries || !qrels) {
    throw new IncontextError('NOT_FOUND', `${dir} is not a BEIR folder: ${queries ? 'no qrels' : 'no queries.jsonl'} in it`, {
      input: { path: dir },
      hint: 'A BEIR folder holds queries.jsonl, qrels/test.tsv (or qrels.jsonl) and usually corpus.jsonl; or pass a JSONL file of {"query", "relevant"} rows.',
    });
  }
  const corpus = at('corpus.jsonl');
  return { queries, qrels, ...(existsSync(corpus) ? { corpus } : {}) };
}
