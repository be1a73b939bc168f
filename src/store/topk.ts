/**
 * Exact top-k by dot product over one contiguous Float32Array of `n` rows of
 * `dims` floats. One flat buffer and a hand-unrolled loop keep the scan
 * cache-friendly and free of per-row allocation; a bounded min-heap keeps
 * selection O(n log k) instead of sorting every score.
 */
export interface TopK {
  rows: Int32Array;
  scores: Float32Array;
}

export function dotTopK(data: Float32Array, dims: number, n: number, query: Float32Array, k: number, allowed?: Uint8Array): TopK {
  const heap = new BoundedHeap(Math.min(k, n));
  const tail = dims - (dims % 8);
  for (let r = 0; r < n; r++) {
    if (allowed !== undefined && allowed[r] === 0) continue;
    const base = r * dims;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
    let j = 0;
    for (; j < tail; j += 8) {
      const b = base + j;
      s0 += data[b]! * query[j]!;
      s1 += data[b + 1]! * query[j + 1]!;
      s2 += data[b + 2]! * query[j + 2]!;
      s3 += data[b + 3]! * query[j + 3]!;
      s4 += data[b + 4]! * query[j + 4]!;
      s5 += data[b + 5]! * query[j + 5]!;
      s6 += data[b + 6]! * query[j + 6]!;
      s7 += data[b + 7]! * query[j + 7]!;
    }
    for (; j < dims; j++) s0 += data[base + j]! * query[j]!;
    heap.offer(r, s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7);
  }
  return heap.result();
}

/** Top-k of precomputed scores (the SIMD path computes all scores first). */
export function topKOfScores(scores: Float32Array, n: number, k: number, allowed?: Uint8Array): TopK {
  const heap = new BoundedHeap(Math.min(k, n));
  for (let r = 0; r < n; r++) {
    if (allowed !== undefined && allowed[r] === 0) continue;
    heap.offer(r, scores[r]!);
  }
  return heap.result();
}

/** The k best (row, score) pairs seen so far: a min-heap whose root is the score to beat. */
class BoundedHeap {
  private readonly rows: Int32Array;
  private readonly scores: Float64Array;
  private filled = 0;
  private floor = -Infinity;

  constructor(private readonly size: number) {
    this.rows = new Int32Array(size);
    this.scores = new Float64Array(size);
  }

  offer(row: number, score: number): void {
    if (this.filled < this.size) {
      heapPush(this.rows, this.scores, this.filled++, row, score);
      if (this.filled === this.size) this.floor = this.scores[0]!;
    } else if (score > this.floor) {
      this.rows[0] = row;
      this.scores[0] = score;
      siftDown(this.rows, this.scores, this.size);
      this.floor = this.scores[0]!;
    }
  }

  result(): TopK {
    return drain(this.rows, this.scores, this.filled);
  }
}

function heapPush(rows: Int32Array, scores: Float64Array, at: number, row: number, score: number): void {
  let i = at;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (!less(score, row, scores[parent]!, rows[parent]!)) break;
    rows[i] = rows[parent]!;
    scores[i] = scores[parent]!;
    i = parent;
  }
  rows[i] = row;
  scores[i] = score;
}

/** Heap order: lower score first; on ties the later row is "smaller" so earlier rows win. */
function less(sa: number, ra: number, sb: number, rb: number): boolean {
  return sa < sb || (sa === sb && ra > rb);
}

function siftDown(rows: Int32Array, scores: Float64Array, size: number): void {
  const row = rows[0]!;
  const score = scores[0]!;
  let i = 0;
  for (;;) {
    let child = 2 * i + 1;
    if (child >= size) break;
    const right = child + 1;
    if (right < size && less(scores[right]!, rows[right]!, scores[child]!, rows[child]!)) child = right;
    if (!less(scores[child]!, rows[child]!, score, row)) break;
    rows[i] = rows[child]!;
    scores[i] = scores[child]!;
    i = child;
  }
  rows[i] = row;
  scores[i] = score;
}

function drain(rows: Int32Array, scores: Float64Array, filled: number): TopK {
  const order = Array.from({ length: filled }, (_, i) => i);
  order.sort((a, b) => scores[b]! - scores[a]! || rows[a]! - rows[b]!);
  const out: TopK = { rows: new Int32Array(filled), scores: new Float32Array(filled) };
  order.forEach((from, to) => {
    out.rows[to] = rows[from]!;
    out.scores[to] = scores[from]!;
  });
  return out;
}
