import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { answerInTop, containsAnswer, createCorpusJudge, documentKeys, loadCorpusJsonl, loadEvalSet, parseEvalJsonl, parseQrels } from './index.js';
import { thrownError } from '../testing/index.js';

const dir = mkdtempSync(join(tmpdir(), 'ic-eval-'));
function file(name: string, text: string): string {
  const p = join(dir, name);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, text);
  return p;
}

describe('evaluation sets', () => {
  it('reads {query, relevant} rows with ids, graded objects and answer entries', () => {
    const p = file(
      'qa.jsonl',
      [
        '{"id": "q1", "query": "How do I ingest PDFs?", "relevant": ["guides/ingest.md", {"id": "faq.md", "grade": 2}, {"answer": "unpdf"}]}',
        '',
        '{"query": "What is RRF?", "relevant": ["retrieval"]}',
      ].join('\n'),
    );
    const set = loadEvalSet(p);
    expect(set.name).toBe('qa');
    expect(set.queries).toHaveLength(2);
    expect(set.queries[0]).toEqual({
      id: 'q1',
      query: 'How do I ingest PDFs?',
      relevant: new Map([
        ['guides/ingest.md', 1],
        ['faq.md', 2],
      ]),
      answers: ['unpdf'],
      line: 1,
    });
    // No id: named by its line (blank lines still count).
    expect(set.queries[1]).toMatchObject({ id: 'line-3', line: 3 });
  });

  it('reads the SQuAD-shaped rag-dev rows: question, answers and the gold paragraph', () => {
    const set = loadEvalSet('../shared/datasets/rag-dev-qa.jsonl');
    expect(set.queries).toHaveLength(208);
    expect(set.queries[0]).toMatchObject({ id: '56ddde6b9a695914005b9628', query: 'In what country is Normandy located?', answers: ['France'] });
    expect([...set.queries[0]!.relevant]).toEqual([['Normans#0', 1]]);
    // Unanswerable questions keep their paragraph as the relevant document and have no answers.
    const unanswerable = set.queries.filter((q) => q.answers.length === 0);
    expect(unanswerable.length).toBe(112);
    expect(unanswerable.every((q) => q.relevant.size === 1)).toBe(true);
  });

  it('names the file and line of a malformed row', () => {
    const cases: Array<[string, RegExp, string?]> = [
      ['{"query": "ok", "relevant": ["a"]}\n{"query": "broken", ', /Invalid JSON/],
      ['{"query": "ok", "relevant": ["a"]}\n["not", "an", "object"]', /Expected a JSON object/],
      ['{"query": "ok", "relevant": ["a"]}\n{"relevant": ["a"]}', /Missing "query"/, 'query'],
      ['{"query": "ok", "relevant": ["a"]}\n{"query": "x", "relevant": "a"}', /"relevant" must be a list/, 'relevant'],
      ['{"query": "ok", "relevant": ["a"]}\n{"query": "x", "relevant": [{"id": "a", "grade": "high"}]}', /grade must be a number/, 'relevant[].grade'],
      ['{"query": "ok", "relevant": ["a"]}\n{"query": "x"}', /nothing to judge it by/, 'relevant'],
      ['{"query": "ok", "relevant": ["a"]}\n{"query": "x", "relevant": [true]}', /must be an id string or an object/, 'relevant'],
    ];
    for (const [text, message, key] of cases) {
      const err = thrownError(() => parseEvalJsonl(text, 'set.jsonl'));
      expect(err.code).toBe('PARSE_FAILED');
      expect(err.message).toMatch(message);
      expect(err.input).toEqual({ path: 'set.jsonl', line: 2, ...(key ? { key } : {}) });
      expect(err.hint).toBeTruthy();
    }
  });

  it('fails on a missing or empty file with the path', () => {
    const missing = thrownError(() => loadEvalSet(join(dir, 'nope.jsonl')));
    expect(missing.code).toBe('FILE_UNREADABLE');
    expect(missing.input?.path).toBe(join(dir, 'nope.jsonl'));
    expect(thrownError(() => loadEvalSet(file('empty.jsonl', '\n\n'))).code).toBe('FILE_EMPTY');
  });
});

describe('BEIR queries and qrels', () => {
  it('reads the SciFact pair: queries without judgements are left out, like BEIR', () => {
    const set = loadEvalSet('../shared/datasets/scifact-dev-queries.jsonl', { qrels: '../shared/datasets/scifact-dev-qrels.jsonl' });
    expect(set.queries).toHaveLength(100);
    expect(set.queries[0]).toMatchObject({ id: '1', query: '0-dimensional biomaterials show inductive properties.' });
    expect([...set.queries[0]!.relevant]).toEqual([['31715818', 1]]);
  });

  it('reads BEIR TSV (with header), TREC and JSONL qrels with string scores', () => {
    expect(parseQrels('query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td2\t2\nq2\td3\t0\n', 'test.tsv')).toEqual(
      new Map([
        ['q1', new Map([['d1', 1], ['d2', 2]])],
        ['q2', new Map([['d3', 0]])],
      ]),
    );
    expect(parseQrels('q1 0 d1 3\n', 'qrels.txt')).toEqual(new Map([['q1', new Map([['d1', 3]])]]));
    expect(parseQrels('{"query-id": "q1", "corpus-id": "d9", "score": "2"}\n', 'q.jsonl')).toEqual(new Map([['q1', new Map([['d9', 2]])]]));
    const err = thrownError(() => parseQrels('q1\td1\t1\nq2 d2\n', 'test.tsv'));
    expect(err.input).toEqual({ path: 'test.tsv', line: 2 });
    expect(err.message).toMatch(/3 \(BEIR\) or 4 \(TREC\) columns/);
  });

  it('reads a BEIR folder and hands back its corpus', () => {
    const root = join(dir, 'beir');
    file('beir/queries.jsonl', '{"_id": "q1", "text": "what is ownership"}\n{"_id": "q2", "text": "unjudged"}\n');
    file('beir/qrels/test.tsv', 'query-id\tcorpus-id\tscore\nq1\trust\t1\n');
    file('beir/corpus.jsonl', '{"_id": "rust", "title": "Rust", "text": "Ownership rules."}\n');
    const set = loadEvalSet(root);
    expect(set.queries.map((q) => q.id)).toEqual(['q1']);
    expect(set.corpus).toBe(join(root, 'corpus.jsonl'));
    expect(loadCorpusJsonl(set.corpus!)).toEqual([{ id: 'rust', title: 'Rust', text: 'Ownership rules.', line: 1 }]);
    expect(thrownError(() => loadEvalSet(join(dir))).code).toBe('NOT_FOUND');
  });

  it('a corpus record without text or with a duplicate id fails at its line', () => {
    const noText = thrownError(() => loadCorpusJsonl(file('c1.jsonl', '{"_id": "a", "text": "x"}\n{"_id": "b", "body": "y"}\n')));
    expect(noText.input).toMatchObject({ line: 2, key: 'text' });
    const dup = thrownError(() => loadCorpusJsonl(file('c2.jsonl', '{"doc_id": "a", "text": "x"}\n{"doc_id": "a", "text": "y"}\n')));
    expect(dup.message).toMatch(/Duplicate document id "a"/);
    expect(dup.input).toMatchObject({ line: 2 });
  });
});

describe('judging against a corpus', () => {
  const docs = [
    { id: 'doc_1', source: 'site/guides/setup.md', origin: 'site/guides/setup.md', text: 'Install with npm. The default port is 8686.' },
    { id: 'doc_2', source: 'faq.csv#row=1', origin: 'faq.csv', text: 'The capital of Australia is Canberra.' },
    { id: 'doc_3', source: 'faq.csv#row=2', origin: 'faq.csv', text: 'Mount Everest is 8849 metres tall.' },
    { id: 'doc_4', source: 'notes/setup.md', origin: 'notes/setup.md', text: 'Setup notes: the Canberra office.' },
  ].map((d) => ({ id: d.id, keys: documentKeys(d), text: d.text }));
  const judge = createCorpusJudge(docs);

  it('resolves ids, sources, origins, paths without extension or leading folders; longer names win', () => {
    expect(judge.resolve('doc_3')).toEqual(['doc_3']);
    expect(judge.resolve('site/guides/setup.md')).toEqual(['doc_1']);
    expect(judge.resolve('site/guides/setup')).toEqual(['doc_1']);
    // Paths relative to a folder inside the corpus root.
    expect(judge.resolve('guides/setup.md')).toEqual(['doc_1']);
    expect(judge.resolve('guides/setup')).toEqual(['doc_1']);
    // A file of several records covers them all.
    expect(judge.resolve('faq.csv')).toEqual(['doc_2', 'doc_3']);
    // Ambiguous by base name: both setup.md files.
    expect(judge.resolve('setup.md')).toEqual(['doc_1', 'doc_4']);
    expect(judge.resolve('missing.md')).toEqual([]);
  });

  it('named documents decide; answers judge only questions that name none', () => {
    const named = judge.judge({ id: 'a', query: 'q', relevant: new Map([['guides/setup.md', 2], ['gone.md', 1]]), answers: ['Canberra'], line: 1 });
    expect(named).toEqual({ relevant: new Map([['doc_1', 2]]), unmatched: ['gone.md'], by: 'documents' });
    const byAnswer = judge.judge({ id: 'b', query: 'q', relevant: new Map(), answers: ['canberra'], line: 2 });
    expect(byAnswer).toEqual({ relevant: new Map([['doc_2', 1], ['doc_4', 1]]), unmatched: [], by: 'answers' });
    expect(judge.judge({ id: 'c', query: 'q', relevant: new Map(), answers: ['Paris'], line: 3 }).by).toBe('none');
  });

  it('answers match as whole words after SQuAD normalisation', () => {
    expect(containsAnswer('In the 10th and 11th centuries, Normandy...', ['the 10th and 11th Centuries'])).toBe(true);
    expect(containsAnswer('Frances was there', ['France'])).toBe(false);
    expect(answerInTop(['nothing here', 'Rollo led them'], { answers: ['Rollo'] }, 1)).toBe(0);
    expect(answerInTop(['nothing here', 'Rollo led them'], { answers: ['Rollo'] }, 2)).toBe(1);
    expect(answerInTop(['x'], { answers: [] }, 5)).toBeUndefined();
  });
});
