import { IncontextError } from '../core/index.js';

/**
 * The vectors of one semantic partition in one contiguous Float32Array, so a
 * lookup is a single linear scan with no pointer chasing (exact k-NN, k = 1).
 * Removal swaps the last row into the hole to keep the block dense.
 */
export class VectorBlock<Id> {
  private data: Float32Array;
  private ids: Id[] = [];
  private readonly rowOf = new Map<Id, number>();

  constructor(readonly dims: number, capacity = 64) {
    this.data = new Float32Array(dims * capacity);
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
    }
    this.data.set(vector, row * this.dims);
    this.ids.push(id);
    this.rowOf.set(id, row);
  }

  remove(id: Id): void {
    const row = this.rowOf.get(id);
    if (row === undefined) return;
    const last = this.ids.length - 1;
    if (row !== last) {
      const lastId = this.ids[last]!;
      this.data.copyWithin(row * this.dims, last * this.dims, (last + 1) * this.dims);
      this.ids[row] = lastId;
      this.rowOf.set(lastId, row);
    }
    this.ids.pop();
    this.rowOf.delete(id);
  }

  /** Best row by dot product; `accept` lets the caller skip expired rows without a second pass. */
  nearest(query: Float32Array, accept?: (id: Id) => boolean): { id: Id; score: number } | undefined {
    const d = this.dims;
    const data = this.data;
    let best = -Infinity;
    let bestRow = -1;
    for (let row = 0, off = 0; row < this.ids.length; row++, off += d) {
      let s = 0;
      for (let i = 0; i < d; i++) s += data[off + i]! * query[i]!;
      if (s > best && (!accept || accept(this.ids[row]!))) {
        best = s;
        bestRow = row;
      }
    }
    return bestRow < 0 ? undefined : { id: this.ids[bestRow]!, score: best };
  }
}
