import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { Incontext } from '../src/app/index.js';
import { CORPUS, openTemp, writeTree } from './helpers.js';

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89]);

function counts(ic: Incontext) {
  const db = new Database(join(ic.homeDir, 'incontext.db'), { readonly: true });
  try {
    const one = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    return {
      integrity: (db.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check,
      documents: one('SELECT count(*) AS n FROM documents'),
      chunks: one('SELECT count(*) AS n FROM chunks'),
      fts: one('SELECT count(*) AS n FROM chunks_fts'),
    };
  } finally {
    db.close();
  }
}

let open: Incontext | undefined;
afterEach(async () => {
  await open?.close();
  open = undefined;
});

describe('ingest pipeline', () => {
  it('ingests a mixed folder, reports broken files with path and reason, and keeps going', async () => {
    const { ic, cwd } = openTemp();
    open = ic;
    writeTree(join(cwd, 'corpus'), {
      ...CORPUS,
      'broken.pdf': '%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage without xref',
      'image.txt': PNG,
      'empty.md': '',
    });
    const report = await ic.ingest([join(cwd, 'corpus')]);
    expect(report.failed.map((f) => [f.path, f.code]).sort()).toEqual([
      ['corpus/broken.pdf', 'PARSE_FAILED'],
      ['corpus/empty.md', 'FILE_EMPTY'],
      ['corpus/image.txt', 'FILE_BINARY'],
    ]);
    expect(report.ingested).toBe(4);
    // faq.csv is one document per row.
    expect(report.documents).toBe(5);
    const c = counts(ic);
    expect(c.integrity).toBe('ok');
    expect(c.documents).toBe(5);
    expect(c.chunks).toBe(report.chunks);
    expect(c.fts).toBe(c.chunks);
    const hits = await ic.search('Battle of Hastings 1066', { k: 3 });
    expect(hits[0]?.document.source).toBe('corpus/normans.md');
  });

  it('skips unchanged files, replaces changed ones, prunes deleted ones', async () => {
    const { ic, cwd } = openTemp();
    open = ic;
    writeTree(join(cwd, 'c'), CORPUS);
    const first = await ic.ingest(['c']);
    expect(first.ingested).toBe(4);
    const again = await ic.ingest(['c']);
    expect(again).toMatchObject({ ingested: 0, skipped: 4, failed: [] });

    writeFileSync(join(cwd, 'c/photosynthesis.txt'), 'Volcanoes erupt when magma rises through the crust and escapes as lava.');
    const changed = await ic.ingest(['c']);
    expect(changed).toMatchObject({ ingested: 1, skipped: 3 });
    const hits = await ic.search('chlorophyll chloroplasts', { mode: 'keyword' });
    expect(hits.find((h) => h.document.source === 'c/photosynthesis.txt')).toBeUndefined();
    expect((await ic.search('magma lava', { mode: 'keyword' }))[0]?.document.source).toBe('c/photosynthesis.txt');

    rmSync(join(cwd, 'c/guides/rust.md'));
    const withoutPrune = await ic.ingest(['c']);
    expect(withoutPrune.pruned).toBe(0);
    expect((await ic.listDocuments()).some((d) => d.source === 'c/guides/rust.md')).toBe(true);
    const pruned = await ic.ingest(['c'], { prune: true });
    expect(pruned.pruned).toBe(1);
    expect((await ic.listDocuments()).some((d) => d.source === 'c/guides/rust.md')).toBe(false);
    expect(counts(ic).integrity).toBe('ok');
  });

  it('a file that breaks on re-ingest keeps its stored version', async () => {
    const { ic, cwd } = openTemp();
    open = ic;
    writeTree(join(cwd, 'd'), { 'notes.json': JSON.stringify({ title: 'Tides', body: 'Tides are caused by the gravity of the Moon.' }) });
    await ic.ingest(['d']);
    const before = counts(ic);
    writeFileSync(join(cwd, 'd/notes.json'), '{"title": "Tides", "body": ');
    const r = await ic.ingest(['d']);
    expect(r.failed[0]).toMatchObject({ path: 'd/notes.json', code: 'PARSE_FAILED' });
    expect(counts(ic)).toEqual(before);
    expect((await ic.search('gravity of the Moon', { mode: 'keyword' }))[0]?.document.source).toBe('d/notes.json');
  });

  it('keeps projects apart', async () => {
    const { ic, cwd } = openTemp();
    open = ic;
    writeTree(join(cwd, 'a'), { 'normans.md': CORPUS['normans.md'] as string });
    writeTree(join(cwd, 'b'), { 'rust.md': CORPUS['guides/rust.md'] as string });
    await ic.ingest(['a'], { project: 'alpha' });
    await ic.ingest(['b'], { project: 'beta' });
    const alpha = await ic.search('ownership borrow checker', { project: 'alpha', k: 10 });
    expect(alpha.every((h) => h.document.source.startsWith('a/'))).toBe(true);
    expect((await ic.listDocuments({ project: 'beta' })).map((d) => d.source)).toEqual(['b/rust.md']);
  });

  it('applies metadata filters from CSV fields', async () => {
    const { ic, cwd } = openTemp();
    open = ic;
    writeTree(join(cwd, 'f'), { 'faq.csv': CORPUS['faq.csv'] as string });
    await ic.ingest(['f']);
    const hits = await ic.search('capital tall', { filter: { year: { gte: 2021 } }, k: 5 });
    expect(hits.map((h) => h.chunk.text)).toEqual([expect.stringContaining('Everest')]);
  });
});

describe('ask', () => {
  it('answers from the documents with a citation that maps to the source chunk', async () => {
    const { ic, cwd } = openTemp();
    open = ic;
    writeTree(join(cwd, 'c'), CORPUS);
    await ic.ingest(['c']);
    const a = await ic.ask('Who did William the Conqueror defeat at the Battle of Hastings?');
    expect(a.abstained).toBe(false);
    expect(a.answer).toMatch(/Harold/);
    expect(a.citations.length).toBeGreaterThan(0);
    const cited = a.citations[0];
    expect(cited?.source).toBe('c/normans.md');
    expect(a.hits.some((h) => h.chunk.id === cited?.chunkId && h.document.id === cited?.documentId)).toBe(true);
    expect(a.model).toBe('local:extractive');
  });

  it('says it does not know when the documents lack the answer', async () => {
    const { ic, cwd } = openTemp();
    open = ic;
    writeTree(join(cwd, 'c'), CORPUS);
    await ic.ingest(['c']);
    const a = await ic.ask('What is the airspeed velocity of an unladen swallow?');
    expect(a.abstained).toBe(true);
    expect(a.citations).toEqual([]);
  });

  it('explain returns the exact messages, hits, tokens and cost without calling a model', async () => {
    const { ic, cwd } = openTemp({ model: { default: 'openai:gpt-4o-mini' } });
    open = ic;
    writeTree(join(cwd, 'c'), CORPUS);
    await ic.ingest(['c']);
    // No OPENAI_API_KEY in env: explain must still work because it never calls the model.
    const x = await ic.explain('What is ownership in Rust?');
    expect(x.model).toBe('openai:gpt-4o-mini');
    expect(x.messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(x.messages[1]?.content).toContain('[1] source: c/guides/rust.md');
    expect(x.hits[0]?.document.source).toBe('c/guides/rust.md');
    expect(x.inputTokens).toBeGreaterThan(50);
    expect(x.estimatedCostUsd).toBeGreaterThan(0);
    // and asking for real without the key names the variable to set
    await expect(ic.ask('What is ownership in Rust?')).rejects.toThrow(/OPENAI_API_KEY/);
  });

  it('streams named parts ending in done', async () => {
    const { ic, cwd } = openTemp();
    open = ic;
    writeTree(join(cwd, 'c'), CORPUS);
    await ic.ingest(['c']);
    const types: string[] = [];
    let text = '';
    for await (const p of ic.askStream('Where does photosynthesis take place in leaf cells?')) {
      types.push(p.type);
      if (p.type === 'text-delta') text += p.text;
      if (p.type === 'done') expect(p.answer.answer).toBe(text.trim());
    }
    expect(types[0]).toBe('hit');
    expect(types).toContain('text-delta');
    expect(types).toContain('citation');
    expect(types.at(-2)).toBe('usage');
    expect(types.at(-1)).toBe('done');
    expect(text).toMatch(/chloroplast/);
  });
});
