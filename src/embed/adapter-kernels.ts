/**
 * The numeric kernels of the adapter trainer (adapter-train.ts): random splits and samples, dot
 * products and the blocked W·q / outer-product loops, and the Adam step with decay toward the
 * identity. Plain typed-array code, no allocation in the hot loops.
 */

export function shuffle<T>(a: { length: number; [i: number]: T }, rand: () => number): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
}

/** k distinct indices below n (all of them when k ≥ n), in random order. */
export function sample(n: number, k: number, rand: () => number): Int32Array {
  if (k >= n) {
    const all = Int32Array.from({ length: n }, (_, i) => i);
    shuffle(all, rand);
    return all;
  }
  const picked = new Set<number>();
  while (picked.size < k) picked.add(Math.floor(rand() * n));
  return Int32Array.from(picked);
}

// The hot loops, unrolled by four: V8 does not vectorise, but independent sums pipeline better.
export function dotMixed(a: Float64Array, ai: number, b: Float32Array, bi: number, d: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = 0;
  for (; k + 3 < d; k += 4) {
    s0 += a[ai + k]! * b[bi + k]!;
    s1 += a[ai + k + 1]! * b[bi + k + 1]!;
    s2 += a[ai + k + 2]! * b[bi + k + 2]!;
    s3 += a[ai + k + 3]! * b[bi + k + 3]!;
  }
  for (; k < d; k++) s0 += a[ai + k]! * b[bi + k]!;
  return s0 + s1 + s2 + s3;
}

export function dot32(a: Float32Array, ai: number, b: Float32Array, bi: number, d: number): number {
  let s0 = 0;
  let s1 = 0;
  let k = 0;
  for (; k + 1 < d; k += 2) {
    s0 += a[ai + k]! * b[bi + k]!;
    s1 += a[ai + k + 1]! * b[bi + k + 1]!;
  }
  for (; k < d; k++) s0 += a[ai + k]! * b[bi + k]!;
  return s0 + s1;
}

/** out[oi..oi+d) += f · v[vi..vi+d) */
export function addScaled(out: Float64Array, oi: number, f: number, v: Float32Array, vi: number, d: number): void {
  let k = 0;
  for (; k + 3 < d; k += 4) {
    out[oi + k] = out[oi + k]! + f * v[vi + k]!;
    out[oi + k + 1] = out[oi + k + 1]! + f * v[vi + k + 1]!;
    out[oi + k + 2] = out[oi + k + 2]! + f * v[vi + k + 2]!;
    out[oi + k + 3] = out[oi + k + 3]! + f * v[vi + k + 3]!;
  }
  for (; k < d; k++) out[oi + k] = out[oi + k]! + f * v[vi + k]!;
}

export interface State {
  d: number;
  w: Float64Array;
  b: Float64Array;
  mw: Float64Array;
  vw: Float64Array;
  mb: Float64Array;
  vb: Float64Array;
}

export function newState(d: number): State {
  const w = new Float64Array(d * d);
  for (let i = 0; i < d; i++) w[i * d + i] = 1;
  return { d, w, b: new Float64Array(d), mw: new Float64Array(d * d), vw: new Float64Array(d * d), mb: new Float64Array(d), vb: new Float64Array(d) };
}

/** The rows' query vectors side by side (n×d, doubles): the blocked loops below read them four at a time. */
export function gather(q: Float32Array, rows: Uint32Array, d: number): Float64Array {
  const out = new Float64Array(rows.length * d);
  rows.forEach((row, t) => {
    for (let k = 0; k < d; k++) out[t * d + k] = q[row * d + k]!;
  });
  return out;
}

/**
 * Z[t] = normalize(W q_t + b) for every gathered query, W's rows in the outer loop and four
 * queries per pass, so each weight is loaded once for four products. Returns 1/‖W q + b‖ per query.
 */
export function projectMany(state: State, qb: Float64Array, n: number, z: Float64Array): Float64Array {
  const { d, w, b } = state;
  for (let r = 0; r < d; r++) {
    const wr = r * d;
    const br = b[r]!;
    let t = 0;
    for (; t + 3 < n; t += 4) {
      const q0 = t * d;
      const q1 = q0 + d;
      const q2 = q1 + d;
      const q3 = q2 + d;
      let a0 = br;
      let a1 = br;
      let a2 = br;
      let a3 = br;
      for (let k = 0; k < d; k++) {
        const wk = w[wr + k]!;
        a0 += wk * qb[q0 + k]!;
        a1 += wk * qb[q1 + k]!;
        a2 += wk * qb[q2 + k]!;
        a3 += wk * qb[q3 + k]!;
      }
      z[q0 + r] = a0;
      z[q1 + r] = a1;
      z[q2 + r] = a2;
      z[q3 + r] = a3;
    }
    for (; t < n; t++) {
      let a = br;
      for (let k = 0; k < d; k++) a += w[wr + k]! * qb[t * d + k]!;
      z[t * d + r] = a;
    }
  }
  const inv = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    let norm = 0;
    for (let k = 0; k < d; k++) norm += z[t * d + k]! ** 2;
    const f = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    inv[t] = f;
    for (let k = 0; k < d; k++) z[t * d + k] = z[t * d + k]! * f;
  }
  return inv;
}

/** grads.w = Σ_t gu_t q_tᵀ and grads.b = Σ_t gu_t, four queries per pass over each gradient row. */
export function outerSum(gu: Float64Array, qb: Float64Array, n: number, d: number, grads: { w: Float64Array; b: Float64Array }): void {
  const gw = grads.w;
  gw.fill(0);
  for (let r = 0; r < d; r++) {
    const row = r * d;
    let sb = 0;
    let t = 0;
    for (; t + 3 < n; t += 4) {
      const f0 = gu[t * d + r]!;
      const f1 = gu[(t + 1) * d + r]!;
      const f2 = gu[(t + 2) * d + r]!;
      const f3 = gu[(t + 3) * d + r]!;
      sb += f0 + f1 + f2 + f3;
      const q0 = t * d;
      const q1 = q0 + d;
      const q2 = q1 + d;
      const q3 = q2 + d;
      for (let k = 0; k < d; k++) gw[row + k] = gw[row + k]! + f0 * qb[q0 + k]! + f1 * qb[q1 + k]! + f2 * qb[q2 + k]! + f3 * qb[q3 + k]!;
    }
    for (; t < n; t++) {
      const f = gu[t * d + r]!;
      sb += f;
      for (let k = 0; k < d; k++) gw[row + k] = gw[row + k]! + f * qb[t * d + k]!;
    }
    grads.b[r] = sb;
  }
}

const BETA1 = 0.9;
const BETA2 = 0.999;
const EPS = 1e-8;

export function adamStep(state: State, grads: { w: Float64Array; b: Float64Array }, count: number, o: { learningRate: number; weightDecay: number; bias: boolean }, step: number): void {
  const { d, w, b, mw, vw, mb, vb } = state;
  const c1 = 1 - BETA1 ** step;
  const c2 = 1 - BETA2 ** step;
  const lr = o.learningRate;
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      const at = i * d + j;
      const g = grads.w[at]! / count + o.weightDecay * (w[at]! - (i === j ? 1 : 0));
      mw[at] = BETA1 * mw[at]! + (1 - BETA1) * g;
      vw[at] = BETA2 * vw[at]! + (1 - BETA2) * g * g;
      w[at] = w[at]! - (lr * (mw[at]! / c1)) / (Math.sqrt(vw[at]! / c2) + EPS);
    }
  }
  if (!o.bias) return;
  for (let i = 0; i < d; i++) {
    const g = grads.b[i]! / count + o.weightDecay * b[i]!;
    mb[i] = BETA1 * mb[i]! + (1 - BETA1) * g;
    vb[i] = BETA2 * vb[i]! + (1 - BETA2) * g * g;
    b[i] = b[i]! - (lr * (mb[i]! / c1)) / (Math.sqrt(vb[i]! / c2) + EPS);
  }
}
