/**
 * Questions without a model: the inverse cloze task (Lee et al., 2019). A sentence
 * is cut out of a chunk and becomes a pseudo-query whose answer is what is left of
 * the chunk, so the pair teaches "this kind of sentence belongs with this kind of
 * passage" rather than "find the verbatim copy". The reranker's trainer
 * (src/retrieve/rerank/train.ts) builds its pseudo-queries the same way.
 */
import { sentenceRanges } from '../chunk/index.js';
import { prng } from '../core/index.js';
import { words } from './tokenize.js';

export interface ClozeSource {
  id: string;
  text: string;
  /** Carried to the query (usually the document id). */
  group?: string;
}

export interface ClozeQuery {
  /** The source's id. */
  id: string;
  group?: string;
  /** The sentence taken out. */
  query: string;
  /** The source with that sentence removed. */
  remainder: string;
}

export interface ClozeOptions {
  /** At most this many queries (default: one per usable source). */
  count?: number;
  /** Queries per source, each from a different sentence (default 1). */
  perSource?: number;
  /** Words a query sentence must have (default 5..40): shorter ones say too little, longer ones are the whole chunk. */
  minWords?: number;
  maxWords?: number;
  /** Sentences a source needs, so something meaningful is left (default 2). */
  minSentences?: number;
  seed?: number;
}

export function inverseClozeQueries(sources: ClozeSource[], options: ClozeOptions = {}): ClozeQuery[] {
  const rand = prng(options.seed ?? 1);
  const minWords = options.minWords ?? 5;
  const maxWords = options.maxWords ?? 40;
  const minSentences = options.minSentences ?? 2;
  const perSource = Math.max(1, options.perSource ?? 1);
  const limit = options.count ?? Infinity;
  const order = sources.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const out: ClozeQuery[] = [];
  for (const i of order) {
    if (out.length >= limit) break;
    const s = sources[i]!;
    const ranges = sentenceRanges(s.text);
    if (ranges.length < minSentences) continue;
    const usable = ranges.filter(([a, b]) => {
      const n = words(s.text.slice(a, b)).length;
      return n >= minWords && n <= maxWords;
    });
    for (let k = 0; k < perSource && usable.length > 0 && out.length < limit; k++) {
      const [a, b] = usable.splice(Math.floor(rand() * usable.length), 1)[0]!;
      const remainder = `${s.text.slice(0, a)} ${s.text.slice(b)}`.replace(/[ \t]{2,}/g, ' ').trim();
      if (words(remainder).length < minWords) continue;
      out.push({ id: s.id, ...(s.group !== undefined ? { group: s.group } : {}), query: s.text.slice(a, b).trim(), remainder });
    }
  }
  return out;
}
