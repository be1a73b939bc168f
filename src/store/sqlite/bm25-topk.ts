/**
 * Term-at-a-time BM25 over in-memory postings, summing exactly as FTS5's bm25()
 * does (fts5_aux.c): per phrase in query order,
 *   score += idf * ((f * (k1 + 1.0)) / (f + k1 * (1 - b + b * D / avgdl)))
 * with k1 = 1.2 and b = 0.75. A phrase absent from a row adds 0.0 there, which
 * leaves a double unchanged, so skipping it gives the same bits.
 *
 * Every posting of every term is scored (no MaxScore/WAND pruning): at 100k
 * rows a query touches some 10⁴–10⁵ postings, well under a millisecond in
 * typed arrays, and exhaustive scoring cannot differ from FTS5 in which rows
 * make the top k. The score accumulator is indexed by seq and reset lazily by
 * a per-query stamp, so nothing is cleared between queries.
 */
const K1 = 1.2;
const B = 0.75;

export interface PostingList {
  seqs: Int32Array;
  tfs: Int32Array;
  n: number;
}

export class Bm25TopK {
  private scores = new Float64Array(0);
  private stamps = new Uint32Array(0);
  private stamp = 0;
  private touched = new Int32Array(1024);

  run(
    lists: Array<PostingList | undefined>,
    idf: Float64Array,
    k: number,
    avgdl: number,
    docLen: Int32Array,
    accept: (seq: number) => boolean,
  ): { seqs: number[]; scores: number[] } {
    if (this.scores.length < docLen.length) {
      this.scores = new Float64Array(docLen.length);
      this.stamps = new Uint32Array(docLen.length);
      this.stamp = 0;
    }
    if (++this.stamp === 0xffffffff) {
      this.stamps.fill(0);
      this.stamp = 1;
    }
    const { scores, stamps, stamp } = this;
    let touched = this.touched;
    let count = 0;
    for (let p = 0; p < lists.length; p++) {
      const list = lists[p];
      if (!list) continue;
      const w = idf[p]!;
      const { seqs, tfs, n } = list;
      for (let i = 0; i < n; i++) {
        const seq = seqs[i]!;
        if (stamps[seq] !== stamp) {
          // Rejected rows get a stamp too (score NaN), so the filter runs once per row.
          stamps[seq] = stamp;
          if (!accept(seq)) {
            scores[seq] = Number.NaN;
            continue;
          }
          scores[seq] = 0.0;
          if (count === touched.length) {
            const bigger = new Int32Array(count * 2);
            bigger.set(touched);
            this.touched = touched = bigger;
          }
          touched[count++] = seq;
        } else if (Number.isNaN(scores[seq]!)) {
          continue;
        }
        const f = tfs[i]!;
        const D = docLen[seq]!;
        scores[seq]! += w * ((f * (K1 + 1.0)) / (f + K1 * (1 - B + (B * D) / avgdl)));
      }
    }
    return best(touched, count, scores, k);
  }
}

/** The k highest scores, ties to the lower seq (ORDER BY bm25(), c.seq). */
function best(touched: Int32Array, count: number, scores: Float64Array, k: number): { seqs: number[]; scores: number[] } {
  const size = Math.min(k, count);
  const heap = new Int32Array(size);
  let filled = 0;
  // worse(a, b): a ranks below b. The heap's root is the worst of the kept rows.
  const worse = (a: number, b: number) => scores[a]! < scores[b]! || (scores[a] === scores[b] && a > b);
  const down = (from: number) => {
    const x = heap[from]!;
    let i = from;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= filled) break;
      if (c + 1 < filled && worse(heap[c + 1]!, heap[c]!)) c++;
      if (!worse(heap[c]!, x)) break;
      heap[i] = heap[c]!;
      i = c;
    }
    heap[i] = x;
  };
  for (let t = 0; t < count && size > 0; t++) {
    const seq = touched[t]!;
    if (filled < size) {
      let i = filled++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!worse(seq, heap[parent]!)) break;
        heap[i] = heap[parent]!;
        i = parent;
      }
      heap[i] = seq;
    } else if (worse(heap[0]!, seq)) {
      heap[0] = seq;
      down(0);
    }
  }
  const order = Array.from(heap.subarray(0, filled)).sort((a, b) => (worse(a, b) ? 1 : worse(b, a) ? -1 : 0));
  return { seqs: order, scores: order.map((s) => scores[s]!) };
}
