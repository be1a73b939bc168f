import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { prng, type Filter } from '../../core/index.js';
import { openSqliteStore, type DocumentEntry, type ScoredChunk, type SqliteStore } from '../index.js';
import { queryTerms } from '../text.js';
import { KeywordIndex } from './keyword-index.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const MODEL = 'test:none';

/**
 * Real prose: the lines of this repository's user documentation (and README), so the
 * postings have the skew of real text — a few very common tokens, a long tail, repeated
 * words within a line, numbers, code words and punctuation.
 */
function proseLines(): string[] {
  const files = [join(REPO, 'README.md'), ...readdirSync(join(REPO, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => join(REPO, 'docs', f))];
  const lines = new Set<string>();
  for (const f of files) {
    if (!existsSync(f)) continue;
    for (const line of readFileSync(f, 'utf8').split('\n')) if (line.trim().length > 20) lines.add(line.trim());
  }
  return [...lines];
}

/** One document per origin, `per` chunks a document; every third origin tagged for filters. */
function entry(projectId: string, origin: string, texts: string[], n: number, name = origin): DocumentEntry {
  const ts = '2026-01-01T00:00:00.000Z';
  const metadata = { part: n % 3 === 0 ? 'a' : 'b', n };
  return {
    document: { id: `doc:${name}`, projectId, origin, source: origin, format: 'text', text: texts.join('\n'), metadata, contentHash: `h:${name}:${n}`, createdAt: ts, updatedAt: ts },
    chunks: texts.map((t, i) => ({ id: `${name}#${i}`, documentId: `doc:${name}`, projectId, index: i, text: t, tokenCount: 1, start: 0, end: t.length, metadata })),
    vectors: texts.map((_, i) => new Float32Array([1, i + 1])),
    model: MODEL,
  };
}

/** Queries made of the corpus's own words (so most match), with stopwords, stems that collide, unknown and odd words mixed in. */
function queries(lines: string[], count: number, seed: number): string[] {
  const rand = prng(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const extras = ['the', 'running runs run', 'zyzzyvas', 'Café naïve', 'x²', '𞤀𞤁', 'R2-D2', 'don\'t', '1,000', 'SQLite FTS5'];
  const out: string[] = ['store', 'search search search', 'the of and'];
  while (out.length < count) {
    const words = pick(lines).split(/\s+/);
    const start = Math.floor(rand() * words.length);
    let q = words.slice(start, start + 1 + Math.floor(rand() * 6)).join(' ');
    if (rand() < 0.3) q += ` ${pick(extras)}`;
    if (q.trim()) out.push(q);
  }
  return out;
}

const view = (hits: ScoredChunk[]) => hits.map((h) => [h.chunk.id, h.score, h.document.id, h.chunk.text]);

describe('in-memory keyword index', () => {
  let dir: string;
  let fast: SqliteStore;
  let reference: SqliteStore;
  const lines = proseLines();

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'incontext-kw-'));
    fast = openSqliteStore({ path: join(dir, 'store.db') });
    // Same file, every keyword query in SQL (FTS5 MATCH ... ORDER BY bm25()): the ground truth.
    reference = openSqliteStore({ path: join(dir, 'store.db'), keywordIndex: false });
  });
  afterEach(async () => {
    await fast.close();
    await reference.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function seed(store: SqliteStore, projects: string[], from = 0): Promise<number> {
    let at = from;
    let n = 0;
    for (const p of projects) {
      for (let o = 0; o < 12; o++) {
        const per = 1 + (o % 5);
        const texts = Array.from({ length: per * 3 }, (_, i) => lines[(at + i) % lines.length]!);
        at += texts.length;
        await store.replaceOrigin(p, `o${o}.md`, [entry(p, `o${o}.md`, texts.slice(0, per), n++), entry(p, `o${o}.md`, texts.slice(per), n++, `o${o}b.md`)]);
      }
    }
    return at;
  }

  /** Every query, every project, several k and filters: ids, scores (bit for bit), documents and texts equal. */
  async function expectSameAsFts5(qs: string[], projects: string[]): Promise<void> {
    const filters: Array<Filter | undefined> = [undefined, { part: 'a' }, { n: { gte: 10 } }];
    let compared = 0;
    for (const q of qs) {
      for (const projectId of projects) {
        for (const [i, filter] of filters.entries()) {
          const k = [50, 3, 1000][i]!;
          const query = { projectId, query: q, k, ...(filter ? { filter } : {}) };
          const want = await reference.keywordSearch(query);
          const got = await fast.keywordSearch(query);
          expect(view(got), `${projectId} "${q}" k=${k} ${JSON.stringify(filter)}`).toEqual(view(want));
          compared += want.length;
        }
      }
    }
    // The comparison must have had something to compare.
    expect(compared).toBeGreaterThan(qs.length);
  }

  it('ranks and scores exactly like FTS5 bm25() on real text, across writes, deletes and seq reuse, without rebuilding', async () => {
    expect(lines.length).toBeGreaterThan(200);
    const projects = ['A', 'B', 'C'];
    const at = await seed(fast, projects);
    const qs = queries(lines, 60, 7);
    await expectSameAsFts5(qs, projects);
    const first = fast.keywordIndexStatus()!;
    expect(first).toMatchObject({ ready: true, builds: 1 });
    expect(first.rows).toBe((await fast.stats('A')).chunks + (await fast.stats('B')).chunks + (await fast.stats('C')).chunks);

    // Re-ingest with new text, delete whole origins and single documents, then add rows that
    // take over the seqs just freed (the highest seqs are reused by SQLite after a delete).
    await fast.replaceOrigin('A', 'o1.md', [entry('A', 'o1.md', lines.slice(at, at + 7), 100)]);
    expect(await fast.deleteOrigin('B', 'o2.md')).toBe(2);
    expect(await fast.deleteDocument('C', 'doc:o3b.md')).toBe(true);
    expect(await fast.deleteOrigin('C', 'o11.md')).toBe(2);
    await fast.replaceOrigin('C', 'new.md', [entry('C', 'new.md', lines.slice(at + 7, at + 16), 101)]);
    await fast.replaceOrigin('A', 'o0.md', []);
    await expectSameAsFts5(queries(lines, 40, 8), projects);
    const after = fast.keywordIndexStatus()!;
    expect(after.builds).toBe(1);
    expect(after.rows).toBe((await fast.stats('A')).chunks + (await fast.stats('B')).chunks + (await fast.stats('C')).chunks);

    // Empty the whole store: nothing matches, and nothing stale is left behind.
    for (const p of projects) for (const o of await fast.listOrigins(p)) await fast.deleteOrigin(p, o.origin);
    expect(await fast.keywordSearch({ projectId: 'A', query: qs[0]!, k: 10 })).toEqual([]);
    expect(fast.keywordIndexStatus()).toMatchObject({ builds: 1, rows: 0, postings: 0 });
    await seed(fast, ['A'], 5);
    await expectSameAsFts5(qs.slice(0, 20), ['A']);
    expect(fast.keywordIndexStatus()!.builds).toBe(1);
  });

  it('notices writes by another connection and rebuilds from SQLite', async () => {
    await seed(fast, ['A']);
    const qs = queries(lines, 20, 9);
    await expectSameAsFts5(qs, ['A']);
    // The reference connection writes: the fast store learns of it through PRAGMA data_version.
    await reference.deleteOrigin('A', 'o4.md');
    await reference.replaceOrigin('A', 'other.md', [entry('A', 'other.md', lines.slice(0, 5), 7)]);
    await expectSameAsFts5(qs, ['A']);
    expect(fast.keywordIndexStatus()!.builds).toBe(2);
  });

  it('a write that fails leaves the index to be rebuilt, never half-applied', async () => {
    await seed(fast, ['A']);
    await fast.keywordSearch({ projectId: 'A', query: 'store', k: 5 });
    // Vectors of another width for the same model: refused inside the transaction, after the
    // origin's old rows were deleted, so everything rolls back.
    const bad = entry('A', 'o1.md', ['a store of words', 'more words'], 1);
    bad.vectors = [new Float32Array([1, 1, 1]), new Float32Array([1, 2, 3])];
    await expect(fast.replaceOrigin('A', 'o1.md', [bad])).rejects.toThrow(/2-dimensional vectors/);
    expect(fast.keywordIndexStatus()!.ready).toBe(false);
    await expectSameAsFts5(['store', 'a store of words'], ['A']);
    expect(fast.keywordIndexStatus()).toMatchObject({ ready: true, builds: 2 });
  });

  it('answers from SQL while the index is still being read, then from memory, the same either way', async () => {
    await seed(fast, ['A', 'B']);
    const slow = openSqliteStore({ path: join(dir, 'store.db'), keywordIndex: { buildBudgetMs: 0 } });
    try {
      const qs = queries(lines, 200, 12);
      let whileBuilding = 0;
      for (const q of qs) {
        const ready = slow.keywordIndexStatus()!.ready;
        const want = await reference.keywordSearch({ projectId: 'B', query: q, k: 20 });
        expect(view(await slow.keywordSearch({ projectId: 'B', query: q, k: 20 })), q).toEqual(view(want));
        if (!ready) whileBuilding++;
      }
      expect(whileBuilding).toBeGreaterThan(1);
      expect(slow.keywordIndexStatus()).toMatchObject({ ready: true, builds: 1 });
    } finally {
      await slow.close();
    }
  });

  it('builds in slices under a time budget, and answers like FTS5 once complete', async () => {
    await seed(fast, ['A', 'B']);
    const db = new Database(join(dir, 'store.db'), { readonly: true });
    try {
      const index = new KeywordIndex(db, 0);
      const terms = queryTerms('store search results');
      let slices = 0;
      let found: ReturnType<KeywordIndex['search']>;
      while (!(found = index.search('A', terms, 10))) slices++;
      expect(slices).toBeGreaterThan(1);
      const want = await reference.keywordSearch({ projectId: 'A', query: 'store search results', k: 10 });
      expect(found.scores).toEqual(want.map((h) => h.score));
      expect(found.seqs.length).toBe(want.length);
      // A term FTS5 would read as a phrase of several tokens is left to SQL.
      expect(index.search('A', ['store', 'two words'], 10)).toBeUndefined();
    } finally {
      db.close();
    }
  });
});
