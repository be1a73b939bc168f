import { SIMD_LANES, instantiateScores, type ScoresFn } from './simd.js';
import { dotTopK, topKOfScores, type TopK } from './topk.js';

const PAGE = 65536;
const MAX_PAGES = 65536;

/**
 * All vectors of one (project, model) in one contiguous block, rows padded to a
 * multiple of 16 floats, searched exactly by dot product. The block lives in a
 * WebAssembly memory so the SIMD kernel can scan it in place; where that is not
 * possible (no SIMD, or a block too large for a 4 GiB wasm memory) it is a plain
 * Float32Array scanned by the unrolled JS loop. Same results either way.
 */
export class PackedVectors {
  readonly stride: number;
  readonly data: Float32Array;
  private readonly bytes: Uint8Array;
  private readonly query: Float32Array;
  private readonly scores: Float32Array | undefined;
  private readonly kernel: ScoresFn | undefined;
  private readonly offsets = { query: 0, scores: 0, data: 0 };

  constructor(
    readonly dims: number,
    readonly n: number,
    useSimd = true,
  ) {
    this.stride = Math.ceil(dims / SIMD_LANES) * SIMD_LANES;
    const queryBytes = this.stride * 4;
    const scoreBytes = Math.ceil((n * 4) / 64) * 64;
    const total = queryBytes + scoreBytes + n * this.stride * 4;
    const pages = Math.ceil(total / PAGE);
    let memory: WebAssembly.Memory | undefined;
    let kernel: ScoresFn | undefined;
    if (useSimd && pages <= MAX_PAGES) {
      try {
        memory = new WebAssembly.Memory({ initial: Math.max(1, pages) });
        kernel = instantiateScores(memory);
      } catch {
        // Not enough address space for one block: the JS path below needs no wasm memory.
        memory = undefined;
        kernel = undefined;
      }
    }
    if (memory && kernel) {
      this.kernel = kernel;
      this.offsets = { query: 0, scores: queryBytes, data: queryBytes + scoreBytes };
      this.query = new Float32Array(memory.buffer, 0, this.stride);
      this.scores = new Float32Array(memory.buffer, queryBytes, n);
      this.data = new Float32Array(memory.buffer, this.offsets.data, n * this.stride);
    } else {
      this.query = new Float32Array(this.stride);
      this.data = new Float32Array(n * this.stride);
    }
    this.bytes = new Uint8Array(this.data.buffer, this.data.byteOffset, this.data.byteLength);
  }

  get simd(): boolean {
    return this.kernel !== undefined;
  }

  setRow(row: number, vector: Float32Array): void {
    this.data.set(vector, row * this.stride);
  }

  /** Copies raw little-endian float32 bytes (e.g. a SQLite blob, which need not be 4-byte aligned). */
  setRowBytes(row: number, bytes: Uint8Array): void {
    this.bytes.set(bytes, row * this.stride * 4);
  }

  /** Copies row `from` of `source` (same dims) into row `to`. */
  copyRow(source: PackedVectors, from: number, to: number): void {
    this.data.set(source.data.subarray(from * source.stride, (from + 1) * source.stride), to * this.stride);
  }

  /** Rows with the highest dot product with `query` (already unit length), best first. */
  search(query: Float32Array, k: number, allowed?: Uint8Array): TopK {
    this.query.fill(0);
    this.query.set(query);
    if (this.kernel && this.scores) {
      this.kernel(this.offsets.query, this.offsets.data, this.n, this.stride * 4, this.offsets.scores);
      return topKOfScores(this.scores, this.n, k, allowed);
    }
    return dotTopK(this.data, this.stride, this.n, this.query, k, allowed);
  }
}
