import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { prng } from '../../core/index.js';
import { hashEmbed } from '../../embed/index.js';
import { runStoreConformance } from '../conformance.js';
import { HnswIndex, openSqliteStore, type AnnOptions, type ScoredChunk, type SqliteStore } from '../index.js';
import { DIMS, MODEL, PROJECT, embed, entryOf, randomUnit, realLines } from './__fixtures__/data.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const SRC = resolve(HERE, '../..');
const REPO = resolve(SRC, '..');
const CRASH_WRITER = join(HERE, '__fixtures__', 'crash-writer.ts');
/** Tests that embed and index thousands of real lines: a limit for a shared 2-core machine, not a speed check. */
const HEAVY = 300_000;

let conformanceDir: string | undefined;
runStoreConformance(
  'sqlite with the ANN index forced on',
  () => {
    conformanceDir = mkdtempSync(join(tmpdir(), 'incontext-ann-conf-'));
    return openSqliteStore({ path: join(conformanceDir, 'store.db'), ann: { mode: 'ann' } });
  },
  () => {
    if (conformanceDir) rmSync(conformanceDir, { recursive: true, force: true });
    conformanceDir = undefined;
  },
);

describe('HnswIndex', () => {
  it('upserts, removes and finds vectors by key, and survives save and load', () => {
    const rand = prng(1);
    const index = new HnswIndex({ dims: 32, quantization: 'f32', connectivity: 8, expansionAdd: 32, expansionSearch: 32 });
    const vectors = Array.from({ length: 200 }, () => randomUnit(rand, 32));
    const flat = new Float32Array(200 * 32);
    vectors.forEach((v, i) => flat.set(v, i * 32));
    index.upsert(Array.from({ length: 200 }, (_, i) => i + 1), flat);
    expect(index.size).toBe(200);
    const top = index.search(vectors[10]!, 3);
    expect(top.keys[0]).toBe(11);
    expect(top.scores[0]).toBeCloseTo(1, 5);
    // Upsert of an existing key replaces its vector instead of failing or duplicating.
    index.upsert([11], vectors[20]!);
    expect(index.size).toBe(200);
    expect(index.search(vectors[10]!, 1).keys[0]).not.toBe(11);
    expect(index.remove([11, 9999])).toBe(1);
    expect(index.has(11)).toBe(false);
    const dir = mkdtempSync(join(tmpdir(), 'incontext-hnsw-'));
    try {
      index.save(join(dir, 'x.usearch'));
      const again = new HnswIndex(index.params);
      again.load(join(dir, 'x.usearch'));
      expect(again.size).toBe(199);
      expect(again.search(vectors[50]!, 1).keys[0]).toBe(51);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('SQLite store with an ANN index', () => {
  let dir: string;
  let path: string;
  const open: SqliteStore[] = [];
  const store = (ann: AnnOptions): SqliteStore => {
    const s = openSqliteStore({ path, ann });
    open.push(s);
    return s;
  };
  const search = (s: SqliteStore, vector: Float32Array, k = 10, filter?: Record<string, string>): Promise<ScoredChunk[]> =>
    s.vectorSearch({ projectId: PROJECT, model: MODEL, vector, k, ...(filter ? { filter } : {}) });
  const ids = (hits: ScoredChunk[]) => hits.map((h) => h.chunk.id);
  const annFiles = () => (existsSync(join(dir, 'ann')) ? readdirSync(join(dir, 'ann')).sort() : []);
  const manifest = () => {
    const name = annFiles().find((f) => f.endsWith('.json'));
    if (!name) throw new Error('no manifest');
    return { path: join(dir, 'ann', name), data: JSON.parse(readFileSync(join(dir, 'ann', name), 'utf8')) as { logId: number; file: string; instance: string } };
  };

  /** Origins o-0..o-(n-1), `per` random unit vectors each; returns every vector by chunk id. */
  async function seedRandom(s: SqliteStore, origins: number, per: number, seed: number): Promise<Map<string, Float32Array>> {
    const rand = prng(seed);
    const all = new Map<string, Float32Array>();
    for (let o = 0; o < origins; o++) {
      const vectors = Array.from({ length: per }, () => randomUnit(rand));
      const entry = entryOf(`o-${o}`, vectors.map((_, i) => `o-${o} line ${i}`), vectors);
      entry.chunks.forEach((c, i) => all.set(c.id, vectors[i]!));
      await s.replaceOrigin(PROJECT, `o-${o}`, [entry]);
    }
    return all;
  }

  /** Every stored vector finds itself first, with the score of an identical vector. */
  async function expectEveryVectorFindsItself(s: SqliteStore, vectors: Map<string, Float32Array>): Promise<void> {
    let misses = 0;
    for (const [id, v] of vectors) {
      const [hit] = await search(s, v, 1);
      if (hit?.chunk.id !== id) misses++;
      else expect(hit.score).toBeCloseTo(1, 4);
    }
    // HNSW is approximate and built on several threads, so misses vary between runs (up to 1.5% seen
    // under load); a broken catch-up loses whole batches, far above this bound.
    expect(misses / vectors.size).toBeLessThanOrEqual(0.03);
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'incontext-ann-'));
    path = join(dir, 'incontext.db');
  });

  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  // b1 keeps one sign bit per dimension; on 96-d hashed text vectors (sparse: most coordinates 0, so
  // most bits agree) even 16× re-scoring recovers only about two thirds of the true neighbours.
  // bench/ann measures it on dense 384-d vectors. The graph is built on several threads, so recall
  // varies between runs (0.59-0.66 seen): the bound is a floor, not the typical figure.
  it.each([
    ['f32', 0.95],
    ['i8', 0.95],
    ['b1', 0.5],
  ] as const)('finds the same neighbours as the exact scan on real text (%s, recall@10 ≥ %s)', async (quantization, minRecall) => {
    const lines = realLines(SRC, 3050, 5);
    const seeding = store({ mode: 'exact' });
    const corpus = lines.slice(0, 3000);
    for (let o = 0; o < 30; o++) {
      const texts = corpus.slice(o * 100, (o + 1) * 100);
      await seeding.replaceOrigin(PROJECT, `o-${o}`, [entryOf(`o-${o}`, texts, texts.map(embed))]);
    }
    const ann = store({ mode: 'ann', quantization });
    let found = 0;
    for (const q of lines.slice(3000)) {
      const exact = await search(seeding, embed(q));
      const approx = await search(ann, embed(q));
      const truth = new Map(exact.map((h) => [h.chunk.id, h.score]));
      // Ties at the 10th score make either chunk correct; count by score, not by id.
      const floor = exact[exact.length - 1]!.score - 1e-6;
      found += approx.filter((h) => truth.has(h.chunk.id) || h.score >= floor).length;
      // Scores are cosine similarities of the full vectors, whatever the index stores.
      for (const h of approx) if (truth.has(h.chunk.id)) expect(h.score).toBeCloseTo(truth.get(h.chunk.id)!, 4);
    }
    expect(found / (50 * 10)).toBeGreaterThanOrEqual(minRecall);
    expect(ann.ann?.status()).toEqual([expect.objectContaining({ vectors: 3000, building: false, quantization })]);
  }, HEAVY);

  it('stays in step with deletes, adds that reuse chunk seqs, and re-ingests', async () => {
    const s = store({ mode: 'ann' });
    const vectors = await seedRandom(s, 6, 50, 11);
    await search(s, randomUnit(prng(99)));
    // Deleting the newest origin frees the highest seqs; SQLite hands them to the next insert.
    const gone = [...vectors].filter(([id]) => id.startsWith('o-5#'));
    await s.deleteOrigin(PROJECT, 'o-5');
    const rand = prng(12);
    const fresh = Array.from({ length: 50 }, () => randomUnit(rand));
    await s.replaceOrigin(PROJECT, 'new', [entryOf('new', fresh.map((_, i) => `new ${i}`), fresh)]);
    for (const [id, v] of gone) {
      vectors.delete(id);
      const [hit] = await search(s, v, 1);
      expect(hit!.chunk.id.startsWith('o-5#')).toBe(false);
      // A stale vector under a reused seq would score ~1 here.
      expect(hit!.score).toBeLessThan(0.9);
    }
    fresh.forEach((v, i) => vectors.set(`new#${i}`, v));
    // Same chunk ids, new vectors.
    const again = Array.from({ length: 50 }, () => randomUnit(rand));
    const old = [...vectors].filter(([id]) => id.startsWith('o-2#'));
    await s.replaceOrigin(PROJECT, 'o-2', [entryOf('o-2', again.map((_, i) => `o-2 line ${i}`), again)]);
    again.forEach((v, i) => vectors.set(`o-2#${i}`, v));
    for (const [, v] of old) expect((await search(s, v, 1))[0]!.score).toBeLessThan(0.9);
    await expectEveryVectorFindsItself(s, vectors);
    expect(s.ann?.status()[0]?.vectors).toBe(300);
  });

  it('persists next to the SQLite file, prunes the change log, and reopens without rebuilding', async () => {
    const s = store({ mode: 'ann' });
    const vectors = await seedRandom(s, 4, 50, 21);
    await search(s, randomUnit(prng(1)));
    await s.close();
    const files = annFiles();
    expect(files.filter((f) => f.endsWith('.usearch'))).toHaveLength(1);
    expect(files.filter((f) => f.endsWith('.json'))).toHaveLength(1);
    const before = manifest();
    const indexFile = join(dir, 'ann', before.data.file);
    const written = statSync(indexFile).mtimeMs;
    const db = new Database(path, { readonly: true });
    expect(db.prepare('SELECT count(*) FROM ann_log').pluck().get()).toBe(0);
    db.close();

    const reopened = store({ mode: 'ann' });
    await expectEveryVectorFindsItself(reopened, vectors);
    expect(reopened.ann?.status()).toEqual([expect.objectContaining({ building: false, unsaved: 0, vectors: 200 })]);
    await reopened.close();
    // Loaded, not rebuilt: nothing changed, so nothing was written.
    expect(manifest().data.file).toBe(before.data.file);
    expect(statSync(indexFile).mtimeMs).toBe(written);
  });

  it('catches up from SQLite after a writer process exits without saving the index', async () => {
    const s = store({ mode: 'ann' });
    const vectors = await seedRandom(s, 5, 40, 31);
    await search(s, randomUnit(prng(2)));
    await s.close();
    const savedAt = manifest().data.logId;

    const child = spawnSync(process.execPath, ['--import', 'tsx', CRASH_WRITER, path, 'exit', '7'], { cwd: REPO, encoding: 'utf8' });
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    expect(JSON.parse(child.stdout.trim())).toEqual([expect.objectContaining({ vectors: 200 - 40 + 40, unsaved: 80 })]);
    // The child's changes are in SQLite and the log, not in the file.
    expect(manifest().data.logId).toBe(savedAt);

    const rand = prng(7);
    randomUnit(rand);
    const added = Array.from({ length: 40 }, () => randomUnit(rand));
    for (const [id] of [...vectors]) if (id.startsWith('o-1#')) vectors.delete(id);
    added.forEach((v, i) => vectors.set(`crash-new#${i}`, v));

    const reopened = store({ mode: 'ann' });
    await expectEveryVectorFindsItself(reopened, vectors);
    for (let i = 0; i < 20; i++) {
      expect(ids(await search(reopened, randomUnit(prng(100 + i)), 20)).some((id) => id.startsWith('o-1#'))).toBe(false);
    }
    expect(reopened.ann?.status()[0]?.vectors).toBe(vectors.size);
 }, HEAVY);

  it('recovers when a writer is killed mid-write', async () => {
    const s = store({ mode: 'ann' });
    await seedRandom(s, 7, 30, 41);
    await search(s, randomUnit(prng(3)));
    await s.close();
    const child = spawn(process.execPath, ['--import', 'tsx', CRASH_WRITER, path, 'loop', '8'], { cwd: REPO });
    await new Promise<void>((done, fail) => {
      let out = '';
      child.stdout.on('data', (b: Buffer) => {
        out += b.toString();
        if (out.includes('wrote 5')) child.kill('SIGKILL');
      });
      child.on('exit', () => (out.includes('wrote 5') ? done() : fail(new Error(`child ended early: ${out}`))));
    });
    const reopened = store({ mode: 'ann' });
    expect(reopened.integrityCheck()).toBe('ok');
    // Whatever the kill interrupted, the index must now match SQLite exactly.
    const db = new Database(path, { readonly: true });
    const rows = db.prepare('SELECT chunk_id AS id, vector FROM vectors').all() as Array<{ id: string; vector: Buffer }>;
    db.close();
    const current = new Map(rows.map((r) => [r.id, new Float32Array(new Uint8Array(r.vector).buffer)]));
    expect(current.size).toBe(7 * 30);
    await expectEveryVectorFindsItself(reopened, current);
    expect(reopened.ann?.status()[0]?.vectors).toBe(7 * 30);
 }, HEAVY);

  it('rebuilds from SQLite when the index file is damaged or belongs to another registration', async () => {
    const s = store({ mode: 'ann' });
    const vectors = await seedRandom(s, 3, 40, 51);
    await search(s, randomUnit(prng(4)));
    await s.close();
    const first = manifest();
    writeFileSync(join(dir, 'ann', first.data.file), 'not an index');
    const a = store({ mode: 'ann' });
    await expectEveryVectorFindsItself(a, vectors);
    await a.close();
    const second = manifest();
    expect(second.data.file).not.toBe(first.data.file);
    expect(existsSync(join(dir, 'ann', first.data.file))).toBe(false);

    writeFileSync(second.path, JSON.stringify({ ...second.data, instance: 'someone-else' }));
    const b = store({ mode: 'ann' });
    await expectEveryVectorFindsItself(b, vectors);
    await b.close();
    expect(manifest().data.instance).toBe(second.data.instance);
    expect(manifest().data.file).not.toBe(second.data.file);
  });

  it('answers filtered searches: selective filters exactly from SQLite, broad ones by over-fetching', async () => {
    const lines = realLines(SRC, 3040, 9);
    const exact = store({ mode: 'exact' });
    for (let o = 0; o < 30; o++) {
      const texts = lines.slice(o * 100, (o + 1) * 100);
      await exact.replaceOrigin(PROJECT, `o-${o}`, [entryOf(`o-${o}`, texts, texts.map(embed), { kind: o < 3 ? 'rare' : 'common' })]);
    }
    const ann = store({ mode: 'ann' });
    for (const kind of ['rare', 'common']) {
      let found = 0;
      for (const q of lines.slice(3000)) {
        const truth = await search(exact, embed(q), 10, { kind });
        const got = await search(ann, embed(q), 10, { kind });
        expect(got).toHaveLength(10);
        for (const h of got) expect(h.chunk.metadata.kind).toBe(kind);
        const floor = truth[truth.length - 1]!.score - 1e-6;
        found += got.filter((h) => h.score >= floor).length;
      }
      expect(found / (40 * 10)).toBeGreaterThanOrEqual(0.95);
    }
  }, HEAVY);

  it('re-scores candidates from the in-memory vectors exactly as from SQLite, and from SQLite when the set is too large to keep or the process young', async () => {
    const lines = realLines(SRC, 2040, 11);
    // 100 dimensions: rows in memory are padded to 112 floats, so a mix-up of row and stride shows.
    const embed100 = (text: string) => hashEmbed(text, 100);
    const seeding = openSqliteStore({ path, ann: { mode: 'ann', quantization: 'i8' }, vectorCacheBytes: 1 });
    open.push(seeding);
    for (let o = 0; o < 20; o++) {
      const texts = lines.slice(o * 100, (o + 1) * 100);
      await seeding.replaceOrigin(PROJECT, `o-${o}`, [entryOf(`o-${o}`, texts, texts.map(embed100), { kind: o < 4 ? 'rare' : 'common' })]);
    }
    const queries = lines.slice(2000);
    const run = async (s: SqliteStore) => {
      const out: Array<Array<[string, number]>> = [];
      for (const q of queries) {
        for (const filter of [undefined, { kind: 'rare' }, { kind: 'common' }]) out.push((await search(s, embed100(q), 10, filter)).map((h) => [h.chunk.id, h.score]));
      }
      return out;
    };
    // A one-byte vector cache cannot hold the set: candidates are re-scored from SQLite.
    const fromSqlite = await run(seeding);
    expect(seeding.vectorCacheSize().sets).toBe(0);
    await seeding.close();
    // Reopened with the default cache, the same saved graph nominates the same candidates;
    // their vectors now come from memory, and the answers must not change by a bit.
    const reopened = store({ mode: 'ann', quantization: 'i8' });
    // A few searches (a one-shot command) re-score from SQLite and never pay for loading the set.
    for (const q of queries.slice(0, 5)) await search(reopened, embed100(q));
    expect(reopened.vectorCacheSize().sets).toBe(0);
    const fromMemory = await run(reopened);
    expect(reopened.vectorCacheSize().sets).toBe(1);
    expect(fromMemory).toEqual(fromSqlite);
    expect(fromMemory.flat().length).toBeGreaterThan(queries.length * 25);
  }, HEAVY);

  it("in 'auto' mode scans exactly below the threshold and builds the index in the write that crosses it", async () => {
    const s = store({ mode: 'auto', threshold: 250 });
    const vectors = await seedRandom(s, 4, 50, 61);
    await search(s, randomUnit(prng(5)));
    expect(s.ann?.status()).toEqual([]);
    expect(annFiles()).toEqual([]);
    const db = new Database(path, { readonly: true });
    expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name LIKE 'ann_%'").pluck().get()).toBe(0);
    db.close();
    const rand = prng(62);
    const more = Array.from({ length: 100 }, () => randomUnit(rand));
    await s.replaceOrigin(PROJECT, 'more', [entryOf('more', more.map((_, i) => `more ${i}`), more)]);
    more.forEach((v, i) => vectors.set(`more#${i}`, v));
    expect(s.ann?.status()).toEqual([expect.objectContaining({ vectors: 300, building: false })]);
    expect(annFiles().some((f) => f.endsWith('.usearch'))).toBe(true);
    await expectEveryVectorFindsItself(s, vectors);
  });

  it("'exact' mode never creates an index, whatever the size", async () => {
    const s = store({ mode: 'exact', threshold: 10 });
    await seedRandom(s, 2, 50, 71);
    expect((await search(s, randomUnit(prng(6)))).length).toBe(10);
    expect(s.ann?.status()).toEqual([]);
    expect(annFiles()).toEqual([]);
  });

  it('refuses bad options with the config key to fix', () => {
    expect(() => openSqliteStore({ path, ann: { mode: 'fast' as 'ann' } })).toThrow(/ann.mode must be one of auto, exact, ann/);
    expect(() => openSqliteStore({ path, ann: { threshold: 0 } })).toThrow(/ann.threshold must be a positive integer/);
  });

  it('keeps dimensions checked on the ANN path', async () => {
    const s = store({ mode: 'ann' });
    await seedRandom(s, 1, 20, 81);
    await expect(search(s, randomUnit(prng(1), DIMS + 1))).rejects.toThrow(/96-dimensional vectors in this project, got 97/);
  });
});
