/**
 * Semantic-cache quality on a hand-labelled set of question pairs:
 *   npx tsx src/cache/measure.ts
 * Every first question of a pair is stored in one partition; every second
 * question is then looked up. A paraphrase counts as a hit only when its
 * nearest stored question is its own pair's; any answer returned for a
 * non-paraphrase (or the wrong stored question) is a false hit.
 */
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGloveEmbedder, createHashingEmbedder, type Embedder } from '../embed/index.js';
import { normalizeQuery, wordSwap } from './normalize.js';
import { VectorBlock } from './vectors.js';

interface Pair {
  a: string;
  b: string;
  paraphrase: boolean;
}

const load = (name: string) =>
  readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Pair);

const THRESHOLDS = [0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95];

async function measure(embedder: Embedder, pairs: Pair[]): Promise<void> {
  const stored = [...new Set(pairs.map((p) => normalizeQuery(p.a)))];
  const storedVectors = await embedder.embed(stored, { kind: 'query' });
  const block = new VectorBlock<string>(embedder.dimensions);
  stored.forEach((q, i) => block.add(q, storedVectors[i]!));
  const asked = await embedder.embed(
    pairs.map((p) => normalizeQuery(p.b)),
    { kind: 'query' },
  );
  const results = pairs.map((p, i) => ({ pair: p, best: block.nearest(asked[i]!)! }));
  const positives = pairs.filter((p) => p.paraphrase).length;
  const negatives = pairs.length - positives;
  console.log(`\n${embedder.id}: ${positives} paraphrase pairs, ${negatives} non-paraphrase pairs, ${stored.length} stored questions`);
  for (const guard of [false, true]) table(results, positives, negatives, guard);
}

function table(results: Array<{ pair: Pair; best: { id: string; score: number } }>, positives: number, negatives: number, guard: boolean): void {
  console.log(guard ? "with guard 'word-swap' (the default):" : "with guard 'none':");
  console.log('threshold  hit-rate  false-hit-rate(non-para)  wrong-answer-hits(para)');
  for (const t of THRESHOLDS) {
    let hits = 0;
    let wrong = 0;
    let falseHits = 0;
    for (const { pair, best } of results) {
      if (best.score < t) continue;
      if (guard && wordSwap(best.id, normalizeQuery(pair.b))) continue;
      const own = best.id === normalizeQuery(pair.a);
      if (pair.paraphrase && own) hits++;
      else if (pair.paraphrase) wrong++;
      else falseHits++;
    }
    const pct = (n: number, d: number) => `${((100 * n) / d).toFixed(1)}%`.padStart(8);
    console.log(`${t.toFixed(2).padStart(9)}  ${pct(hits, positives)}  ${pct(falseHits, negatives).padStart(24)}  ${String(wrong).padStart(23)}`);
  }
}

const embedders = [createHashingEmbedder(), createGloveEmbedder({ cacheDir: join(tmpdir(), 'incontext-test-glove') })];
// pairs.jsonl was written first and the guard designed on it; pairs-heldout.jsonl was written afterwards to check it.
for (const file of ['pairs.jsonl', 'pairs-heldout.jsonl']) {
  console.log(`\n=== ${file} ===`);
  for (const e of embedders) await measure(e, load(file));
}
