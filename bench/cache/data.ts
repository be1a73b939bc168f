import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createGloveEmbedder, type Embedder } from '../../src/embed/index.js';
import { BENCH_TMP, dataset } from '../lib.js';

/** The default local embedder (`local` = GloVe SIF 100 d), its one-off cache kept with the other bench scratch files. */
export async function gloveEmbedder(): Promise<Embedder> {
  const e = createGloveEmbedder({ cacheDir: join(BENCH_TMP, 'glove') });
  await e.embed(['warm up'], { kind: 'query' });
  return e;
}

/**
 * `n` distinct real sentences for a large cache partition: SciFact titles and
 * abstract sentences, then their first and second halves until there are enough. Cached
 * questions in a busy partition share vocabulary like these do.
 */
export function sentences(n: number): string[] {
  const rows = readFileSync(dataset('scifact-corpus.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { title: string; text: string });
  const out = new Set<string>();
  const whole: string[] = [];
  for (const r of rows) {
    whole.push(r.title);
    for (const s of r.text.split(/(?<=[.!?])\s+(?=[A-Z])/)) if (s.length > 20) whole.push(s);
  }
  for (const s of whole) {
    if (out.size >= n) break;
    out.add(s);
  }
  for (const half of [0, 1]) {
    for (const s of whole) {
      if (out.size >= n) break;
      const w = s.split(' ');
      const cut = Math.ceil(w.length / 2);
      if (w.length >= 8) out.add((half === 0 ? w.slice(0, cut) : w.slice(cut)).join(' '));
    }
  }
  if (out.size < n) throw new Error(`Only ${out.size} distinct sentences in SciFact; ask for at most that many entries.`);
  return [...out];
}

export interface Pair {
  id: number;
  kind: string;
  paraphrase: boolean;
  a: string;
  b: string;
}

/** bench/cache/pairs.jsonl, or another file of `{a, b, paraphrase, kind?}` lines. */
export function loadPairs(url = new URL('./pairs.jsonl', import.meta.url)): Pair[] {
  return readFileSync(url, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l, i) => ({ id: i + 1, kind: 'unlabelled', ...(JSON.parse(l) as Omit<Pair, 'id' | 'kind'>) }));
}
