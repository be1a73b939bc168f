import { copyFileSync, rmSync, existsSync, mkdtempSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { SHARED_GLOVE_DIR } from './__fixtures__/shared-glove.js';
import { encodeGloveTable } from './glove/format.js';
import { createGloveEmbedder, dot, gloveCachePath, loadGloveCache } from './index.js';

const created: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'incontext-glove-'));
  created.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of created) rmSync(dir, { recursive: true, force: true });
});
const norm = (v: Float32Array) => Math.sqrt(dot(v, v));
// A small vocabulary keeps conversion tests quick: reading stops after the first N entries.
const SMALL = 3000;

describe('GloVe SIF embedder', () => {
  const embedder = createGloveEmbedder({ cacheDir: SHARED_GLOVE_DIR });

  it('ranks a paraphrase above an unrelated sentence', async () => {
    const [install, instructions, normans, conqueror, cat, kitten] = await embedder.embed([
      'How do I install the package?',
      'Installation instructions for the library',
      'The Normans conquered England in 1066',
      'William the Conqueror invaded Britain with his army',
      'The cat sat on the mat',
      'A kitten was sleeping on the rug',
    ]);
    expect(dot(install!, instructions!)).toBeGreaterThan(dot(install!, normans!) + 0.15);
    expect(dot(instructions!, install!)).toBeGreaterThan(dot(instructions!, normans!) + 0.15);
    expect(dot(normans!, conqueror!)).toBeGreaterThan(dot(normans!, cat!) + 0.3);
    expect(dot(cat!, kitten!)).toBeGreaterThan(dot(cat!, conqueror!) + 0.3);
  });

  it('returns unit vectors of 100 dimensions, the same for the same text', async () => {
    expect(embedder.id).toBe('local:glove-sif-100d');
    expect(embedder.dimensions).toBe(100);
    const [a, b, c] = await embedder.embed(['Rollo swore fealty to King Charles', 'Rollo swore fealty to King Charles', 'Normandy']);
    expect(a).toHaveLength(100);
    expect(norm(a!)).toBeCloseTo(1, 5);
    expect(norm(c!)).toBeCloseTo(1, 5);
    expect(Array.from(a!)).toEqual(Array.from(b!));
  });

  it('gives a text without words a zero vector instead of NaN', async () => {
    const [empty, punct] = await embedder.embed(['', '?!... ---']);
    expect(Array.from(empty!).every((x) => x === 0)).toBe(true);
    expect(Array.from(punct!).every((x) => x === 0)).toBe(true);
  });

  it('folds case, accents, typographic apostrophes and possessives onto the same words', async () => {
    const [a, b] = await embedder.embed(['England’s CAFÉ culture', "england's cafe culture"]);
    expect(dot(a!, b!)).toBeCloseTo(1, 5);
  });

  it('splits unknown hyphenated compounds into known parts', async () => {
    // "glove-embedding" is not a word of the table; its parts are.
    const [compound, parts, other] = await embedder.embed(['glove-embedding', 'glove embedding', 'parliament election']);
    expect(dot(compound!, parts!)).toBeCloseTo(1, 5);
    expect(dot(compound!, other!)).toBeLessThan(0.5);
  });

  it('matches an unknown word or number in query and passage through its hashed vector', async () => {
    const [query, withWord, without] = await embedder.embed([
      'What happened to zorblaxium in 8841?',
      'The zorblaxium reserves were exhausted in 8841 after the war.',
      'The copper reserves were exhausted in 1950 after the war.',
    ]);
    expect(dot(query!, withWord!)).toBeGreaterThan(dot(query!, without!) + 0.1);
  });

  it('embeds thousands of short texts in one call', async () => {
    const texts = Array.from({ length: 5000 }, (_, i) => `Question ${i}: where did the Normans settle in ${1000 + (i % 100)}?`);
    const vectors = await embedder.embed(texts);
    expect(vectors).toHaveLength(5000);
    expect(vectors.every((v) => Math.abs(norm(v) - 1) < 1e-4)).toBe(true);
  });
});

describe('GloVe binary cache', () => {
  it('builds the cache once and then loads only the binary', async () => {
    const dir = tempDir();
    const first = await loadGloveCache({ cacheDir: dir, vocabSize: SMALL });
    expect(first.converted).toBe(true);
    expect(first.table.words.slice(0, 4)).toEqual(['the', ',', '.', 'of']);
    expect(first.table.words).toHaveLength(SMALL);
    const path = gloveCachePath(dir, SMALL);
    const before = statSync(path);
    // A source path that does not exist proves the second load never opens the JSON.
    const second = await loadGloveCache({ cacheDir: dir, vocabSize: SMALL, sourcePath: join(dir, 'missing.json') });
    expect(second.converted).toBe(false);
    expect(statSync(path).mtimeMs).toBe(before.mtimeMs);
    expect(second.table.words).toEqual(first.table.words);
    expect(Array.from(second.table.vectors.subarray(0, 500))).toEqual(Array.from(first.table.vectors.subarray(0, 500)));
    // And an embedder built on the same folder embeds without touching the JSON either.
    const embedder = createGloveEmbedder({ cacheDir: dir, vocabSize: SMALL, sourcePath: join(dir, 'missing.json') });
    expect(embedder.id).toBe(`local:glove-sif-100d-${SMALL}`);
    const [v] = await embedder.embed(['the government said']);
    expect(norm(v!)).toBeCloseTo(1, 5);
  });

  it('detects a truncated cache and rebuilds it', async () => {
    const dir = tempDir();
    await loadGloveCache({ cacheDir: dir, vocabSize: SMALL });
    const path = gloveCachePath(dir, SMALL);
    const good = readFileSync(path);
    truncateSync(path, Math.floor(good.length / 2));
    const rebuilt = await loadGloveCache({ cacheDir: dir, vocabSize: SMALL });
    expect(rebuilt.converted).toBe(true);
    expect(readFileSync(path).equals(good)).toBe(true);
  });

  it('detects a flipped byte by its checksum and rebuilds', async () => {
    const dir = tempDir();
    await loadGloveCache({ cacheDir: dir, vocabSize: SMALL });
    const path = gloveCachePath(dir, SMALL);
    const good = readFileSync(path);
    const bad = Buffer.from(good);
    bad[5000] = bad[5000]! ^ 0xff;
    writeFileSync(path, bad);
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, warn: (m: string, f?: Record<string, unknown>) => warnings.push(`${m} ${JSON.stringify(f)}`), error() {} };
    const rebuilt = await loadGloveCache({ cacheDir: dir, vocabSize: SMALL, logger });
    expect(rebuilt.converted).toBe(true);
    expect(warnings.join()).toContain('checksum mismatch');
    expect(readFileSync(path).equals(good)).toBe(true);
  });

  it('rebuilds a cache whose common component was computed with another SIF parameter', async () => {
    const dir = tempDir();
    const { table } = await loadGloveCache({ cacheDir: dir, vocabSize: SMALL });
    writeFileSync(gloveCachePath(dir, SMALL), encodeGloveTable({ ...table, sifA: 0.01 }));
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, warn: (m: string, f?: Record<string, unknown>) => warnings.push(`${m} ${JSON.stringify(f)}`), error() {} };
    const rebuilt = await loadGloveCache({ cacheDir: dir, vocabSize: SMALL, logger });
    expect(rebuilt.converted).toBe(true);
    expect(warnings.join()).toContain('a=0.01');
    expect(rebuilt.table.sifA).toBeCloseTo(table.sifA, 9);
  });

  it('converts only once when two loads start together', async () => {
    const dir = tempDir();
    const results = await Promise.all([loadGloveCache({ cacheDir: dir, vocabSize: SMALL }), loadGloveCache({ cacheDir: dir, vocabSize: SMALL })]);
    expect(results.filter((r) => r.converted)).toHaveLength(1);
    expect(existsSync(`${gloveCachePath(dir, SMALL)}.lock`)).toBe(false);
  });

  it('converts only once when two processes start together', async () => {
    const dir = tempDir();
    const go = join(dir, 'go');
    const worker = fileURLToPath(new URL('./__fixtures__/convert-worker.ts', import.meta.url));
    const run = () =>
      new Promise<{ converted: boolean; words: number }>((resolve, reject) => {
        execFile(process.execPath, ['--import', 'tsx', worker, dir, '20000', go], { cwd: process.cwd() }, (err, stdout, stderr) => {
          if (err) reject(new Error(`${err.message}\n${stderr}`));
          else resolve(JSON.parse(stdout) as { converted: boolean; words: number });
        });
      });
    const both = Promise.all([run(), run()]);
    // Give both children time to start and reach the barrier, then release them together.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    writeFileSync(go, '');
    const results = await both;
    expect(results.map((r) => r.words)).toEqual([20000, 20000]);
    expect(results.filter((r) => r.converted)).toHaveLength(1);
  });

  it('takes over a lock left by a process that died', async () => {
    const dir = tempDir();
    const path = gloveCachePath(dir, SMALL);
    // PID 2^22+1 is above Linux's pid_max default range, so no live process has it.
    writeFileSync(`${path}.lock`, JSON.stringify({ pid: 4194305, at: Date.now() }));
    const loaded = await loadGloveCache({ cacheDir: dir, vocabSize: SMALL });
    expect(loaded.converted).toBe(true);
    expect(existsSync(path)).toBe(true);
  });

  it('leaves no temp file behind and reuses a cache copied elsewhere', async () => {
    const dir = tempDir();
    await loadGloveCache({ cacheDir: dir, vocabSize: SMALL });
    const other = tempDir();
    copyFileSync(gloveCachePath(dir, SMALL), gloveCachePath(other, SMALL));
    const loaded = await loadGloveCache({ cacheDir: other, vocabSize: SMALL, sourcePath: join(other, 'missing.json') });
    expect(loaded.converted).toBe(false);
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(dir)).toEqual([`glove-100d-v1-${SMALL}.bin`]);
  });

  it('fails with a clear error when the source JSON is missing and there is no cache', async () => {
    const dir = tempDir();
    const missing = join(dir, 'nope.json');
    await expect(loadGloveCache({ cacheDir: dir, vocabSize: SMALL, sourcePath: missing })).rejects.toMatchObject({
      code: 'EMBEDDING_FAILED',
      input: { path: missing },
      message: expect.stringContaining('nope.json'),
    });
    // The failed attempt leaves neither a cache nor a lock behind.
    expect(existsSync(gloveCachePath(dir, SMALL))).toBe(false);
    expect(existsSync(`${gloveCachePath(dir, SMALL)}.lock`)).toBe(false);
  });

  it('reports a source file of the wrong shape as PARSE_FAILED naming it', async () => {
    const dir = tempDir();
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ dimensions: 100, size: 3, words: ['a', 'b', 'c'], vectors: { a: [1, 2] } }));
    await expect(loadGloveCache({ cacheDir: dir, vocabSize: 3, sourcePath: bad })).rejects.toMatchObject({ code: 'PARSE_FAILED', input: { path: bad } });
  });

  it('rejects a vocabulary size that is not a positive integer', async () => {
    await expect(loadGloveCache({ cacheDir: tempDir(), vocabSize: 0 })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });
});
