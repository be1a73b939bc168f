/**
 * A tiny hand-assembled WebAssembly module with one function:
 *
 *   scores(query, data, n, rowBytes, out)
 *
 * For each of `n` rows of `rowBytes` bytes starting at `data`, it writes the dot
 * product with `query` as an f32 to `out[row]`. It uses 128-bit SIMD with four
 * accumulators, so rows must be padded to a multiple of 16 floats (64 bytes); the
 * padding is zero, which leaves dot products unchanged. Plain JS cannot use SIMD,
 * and exact search over ~100k vectors is bound by exactly this loop.
 *
 * Written as bytes rather than built from a .wat file so that nothing has to be
 * compiled at install time. The equivalent text format:
 *
 *   (func (param $q i32) (param $data i32) (param $n i32) (param $rowBytes i32) (param $out i32)
 *     (local $r i32) (local $j i32) (local $p i32) (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
 *     p = data
 *     block  if n == 0 break
 *       loop $rows
 *         a0 = a1 = a2 = a3 = 0; j = 0
 *         loop $cols
 *           a0 += load(p + j) * load(q + j); a1 += load(p + j + 16) * load(q + j + 16)
 *           a2 += load(p + j + 32) * load(q + j + 32); a3 += load(p + j + 48) * load(q + j + 48)
 *           j += 64; br_if $cols (j < rowBytes)
 *         a0 = (a0 + a1) + (a2 + a3)
 *         out[r] = lane0(a0) + lane1(a0) + lane2(a0) + lane3(a0)
 *         p += rowBytes; r += 1; br_if $rows (r < n)
 */

const SIMD = 0xfd;
const V128_LOAD = [SIMD, 0x00];
const F32X4_ADD = [SIMD, 0xe4, 0x01];
const F32X4_MUL = [SIMD, 0xe6, 0x01];
const F32X4_EXTRACT = [SIMD, 0x1f];
const LOCAL_GET = 0x20;
const LOCAL_SET = 0x21;
const LOCAL_TEE = 0x22;
const I32_CONST = 0x41;
const I32_ADD = 0x6a;

// Locals: 0 q, 1 data, 2 n, 3 rowBytes, 4 out, 5 r, 6 j, 7 p, 8..11 accumulators.
function accumulate(acc: number, offset: number): number[] {
  // acc += v128.load(p + j, offset) * v128.load(q + j, offset)
  return [
    LOCAL_GET, acc,
    LOCAL_GET, 7, LOCAL_GET, 6, I32_ADD, ...V128_LOAD, 0x02, offset,
    LOCAL_GET, 0, LOCAL_GET, 6, I32_ADD, ...V128_LOAD, 0x02, offset,
    ...F32X4_MUL, ...F32X4_ADD,
    LOCAL_SET, acc,
  ];
}

const ZERO_V128 = [SIMD, 0x0c, ...new Array<number>(16).fill(0)];

const body = [
  // locals: 3 x i32, 4 x v128
  0x02, 0x03, 0x7f, 0x04, 0x7b,
  LOCAL_GET, 1, LOCAL_SET, 7,
  0x02, 0x40, // block
  LOCAL_GET, 2, 0x45, 0x0d, 0x00, // n == 0 → br 0
  0x03, 0x40, // loop $rows
  ...ZERO_V128, LOCAL_SET, 8,
  ...ZERO_V128, LOCAL_SET, 9,
  ...ZERO_V128, LOCAL_SET, 10,
  ...ZERO_V128, LOCAL_SET, 11,
  I32_CONST, 0, LOCAL_SET, 6,
  0x03, 0x40, // loop $cols
  ...accumulate(8, 0),
  ...accumulate(9, 16),
  ...accumulate(10, 32),
  ...accumulate(11, 48),
  LOCAL_GET, 6, I32_CONST, 0xc0, 0x00, I32_ADD, LOCAL_TEE, 6, // j += 64 (LEB128 of 64 is c0 00)
  LOCAL_GET, 3, 0x49, 0x0d, 0x00, // j < rowBytes → continue $cols
  0x0b, // end $cols
  LOCAL_GET, 8, LOCAL_GET, 9, ...F32X4_ADD, LOCAL_GET, 10, LOCAL_GET, 11, ...F32X4_ADD, ...F32X4_ADD, LOCAL_SET, 8,
  LOCAL_GET, 4, LOCAL_GET, 5, I32_CONST, 2, 0x74, I32_ADD, // out + r * 4
  LOCAL_GET, 8, ...F32X4_EXTRACT, 0,
  LOCAL_GET, 8, ...F32X4_EXTRACT, 1, 0x92,
  LOCAL_GET, 8, ...F32X4_EXTRACT, 2, 0x92,
  LOCAL_GET, 8, ...F32X4_EXTRACT, 3, 0x92,
  0x38, 0x02, 0x00, // f32.store
  LOCAL_GET, 7, LOCAL_GET, 3, I32_ADD, LOCAL_SET, 7, // p += rowBytes
  LOCAL_GET, 5, I32_CONST, 1, I32_ADD, LOCAL_TEE, 5,
  LOCAL_GET, 2, 0x49, 0x0d, 0x00, // r < n → continue $rows
  0x0b, // end $rows
  0x0b, // end block
  0x0b, // end func
];

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}

const name = (s: string): number[] => [s.length, ...Array.from(s, (c) => c.charCodeAt(0))];

const BYTES = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  ...section(1, [0x01, 0x60, 0x05, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x00]),
  ...section(2, [0x01, ...name('env'), ...name('memory'), 0x02, 0x00, 0x00]),
  ...section(3, [0x01, 0x00]),
  ...section(7, [0x01, ...name('scores'), 0x00, 0x00]),
  ...section(10, [0x01, ...uleb(body.length), ...body]),
]);

/** Floats per row are padded to this multiple. */
export const SIMD_LANES = 16;

export type ScoresFn = (query: number, data: number, n: number, rowBytes: number, out: number) => void;

let compiled: WebAssembly.Module | null | undefined;

/** The compiled module, or null where WebAssembly SIMD is unavailable (callers fall back to plain JS). */
export function simdModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    compiled = typeof WebAssembly === 'object' && WebAssembly.validate(BYTES) ? new WebAssembly.Module(BYTES) : null;
  }
  return compiled;
}

export function instantiateScores(memory: WebAssembly.Memory): ScoresFn | undefined {
  const module = simdModule();
  if (!module) return undefined;
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  return instance.exports.scores as ScoresFn;
}
