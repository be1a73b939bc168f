import { IncontextError } from '../core/index.js';
import { HnswIndex } from '../store/index.js';

/** From this many rows a partition also keeps an HNSW graph: the exact scan costs ~5 ms at 100k × 100 d. */
export const ANN_FROM_ROWS = 4096;
/** Graph candidates re-scored exactly against the block. */
const ANN_CANDIDATES = 16;

/** Number of checkpoints at which a row's partial dot product is tested against the bound. */
const STAGES = 4;
/** Slack for float rounding, so pruning never drops a row that would tie or win. */
const EPS = 1e-5;

/**
 * The vectors of one semantic partition in one contiguous Float32Array, so a
 * lookup is a single linear scan with no pointer chasing (exact k-NN, k = 1).
 * Removal swaps the last row into the hole to keep the block dense.
 *
 * The scan is exact but prunes: at each quarter of the dimensions it bounds
 * what the rest can add (Cauchy–Schwarz: |q_rest · x_rest| ≤ |q_rest| |x_rest|,
 * with the row's tail norms stored at insert) and abandons rows that cannot
 * reach the best score so far or the caller's minimum.
 */
export class VectorBlock<Id> {
  private data: Float32Array;
  /** Per row, the norm of the vector from each checkpoint to the end. */
  private tails: Float32Array;
  private ids: Id[] = [];
  private readonly rowOf = new Map<Id, number>();
  private readonly cuts: number[];
  /** The HNSW graph over the same rows once the block is large (keys are row-independent numbers). */
  private ann: HnswIndex | undefined;
  private readonly keyOf = new Map<Id, number>();
  private readonly idOfKey = new Map<number, Id>();
  private nextKey = 0;

  constructor(
    readonly dims: number,
    capacity = 64,
    private readonly annFromRows = ANN_FROM_ROWS,
  ) {
    this.data = new Float32Array(dims * capacity);
    this.tails = new Float32Array(STAGES * capacity);
    this.cuts = Array.from({ length: STAGES }, (_, s) => Math.floor(((s + 1) * dims) / STAGES));
  }

  get size(): number {
    return this.ids.length;
  }

  add(id: Id, vector: Float32Array): void {
    if (vector.length !== this.dims) {
      throw new IncontextError('BAD_REQUEST', `Cache vector has ${vector.length} dimensions, partition has ${this.dims}`, {
        hint: 'Use one embedder per cache partition; the embedder id is part of the partition key.',
      });
    }
    if (this.rowOf.has(id)) this.remove(id);
    const row = this.ids.length;
    if ((row + 1) * this.dims > this.data.length) {
      const grown = new Float32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
      const tails = new Float32Array(this.tails.length * 2);
      tails.set(this.tails);
      this.tails = tails;
    }
    this.data.set(vector, row * this.dims);
    this.tails.set(tailNorms(vector, this.cuts), row * STAGES);
    this.ids.push(id);
    this.rowOf.set(id, row);
    if (this.ann) this.annAdd([id], vector);
    else if (this.ids.length >= this.annFromRows) this.buildAnn();
  }

  private annAdd(ids: Id[], vectors: Float32Array): void {
    const keys = ids.map((id) => {
      const key = this.nextKey++;
      this.keyOf.set(id, key);
      this.idOfKey.set(key, id);
      return key;
    });
    // One thread for single inserts: a thread pool per call costs more than the insert itself.
    this.ann!.upsert(keys, vectors, ids.length > 256 ? 0 : 1);
  }

  private buildAnn(): void {
    this.ann = new HnswIndex({ dims: this.dims, quantization: 'f32', connectivity: 16, expansionAdd: 64, expansionSearch: 64 });
    this.annAdd([...this.ids], this.data.subarray(0, this.ids.length * this.dims));
  }

  remove(id: Id): void {
    const row = this.rowOf.get(id);
    if (row === undefined) return;
    const last = this.ids.length - 1;
    if (row !== last) {
      const lastId = this.ids[last]!;
      this.data.copyWithin(row * this.dims, last * this.dims, (last + 1) * this.dims);
      this.tails.copyWithin(row * STAGES, last * STAGES, (last + 1) * STAGES);
      this.ids[row] = lastId;
      this.rowOf.set(lastId, row);
    }
    this.ids.pop();
    this.rowOf.delete(id);
    const key = this.keyOf.get(id);
    if (key !== undefined) {
      this.ann?.remove([key]);
      this.keyOf.delete(id);
      this.idOfKey.delete(key);
    }
  }

  /**
   * Best row by dot product, among rows scoring at least `minScore` (pass
   * -Infinity for the plain nearest). `accept` lets the caller skip expired
   * rows without a second pass.
   */
  nearest(query: Float32Array, accept?: (id: Id) => boolean, minScore = -Infinity): { id: Id; score: number } | undefined {
    if (this.ann) return this.nearestAnn(query, accept, minScore);
    const d = this.dims;
    const data = this.data;
    const tails = this.tails;
    const cuts = this.cuts;
    const qTail = tailNorms(query, cuts);
    let floor = minScore - EPS;
    let best = -Infinity;
    let bestRow = -1;
    rows: for (let row = 0, off = 0; row < this.ids.length; row++, off += d) {
      let s = 0;
      let i = 0;
      for (let stage = 0; stage < STAGES; stage++) {
        const end = cuts[stage]!;
        for (; i < end; i++) s += data[off + i]! * query[i]!;
        if (stage < STAGES - 1 && s + qTail[stage]! * tails[row * STAGES + stage]! < floor) continue rows;
      }
      if (s >= floor + EPS && s > best && (!accept || accept(this.ids[row]!))) {
        best = s;
        bestRow = row;
        floor = Math.max(floor, s - EPS);
      }
    }
    return bestRow < 0 ? undefined : { id: this.ids[bestRow]!, score: best };
  }

  /**
   * Large blocks: the graph proposes candidates and each is re-scored exactly from the block, so a
   * reported score is always the true cosine. The graph may miss the true nearest row (recall is
   * measured in bench/cache); for a cache that means an occasional miss, never a wrong hit.
   */
  private nearestAnn(query: Float32Array, accept: ((id: Id) => boolean) | undefined, minScore: number): { id: Id; score: number } | undefined {
    const found = this.ann!.search(query, ANN_CANDIDATES);
    let best: { id: Id; score: number } | undefined;
    for (let i = 0; i < found.keys.length; i++) {
      const id = this.idOfKey.get(found.keys[i]!);
      const row = id === undefined ? undefined : this.rowOf.get(id);
      if (row === undefined) continue;
      const off = row * this.dims;
      let s = 0;
      for (let j = 0; j < this.dims; j++) s += this.data[off + j]! * query[j]!;
      if (s >= minScore && (!best || s > best.score) && (!accept || accept(id!))) best = { id: id!, score: s };
    }
    return best;
  }
}

/** Norm of v[cut..] for each checkpoint. */
function tailNorms(v: Float32Array, cuts: number[]): Float32Array {
  const out = new Float32Array(cuts.length);
  let sum = 0;
  let c = cuts.length - 1;
  for (let i = v.length - 1; i >= 0; i--) {
    while (c >= 0 && i < cuts[c]!) {
      out[c] = Math.sqrt(sum);
      c--;
    }
    sum += v[i]! * v[i]!;
  }
  while (c >= 0) out[c--] = Math.sqrt(sum);
  return out;
}
