// Measures the int8 cosine error of the GloVe cache against the float32 source: npx tsx src/embed/tools/measure-quantization.ts
import { readSourceVectors } from '../glove/source.js';
import { gloveSourcePath } from '../glove/cache.js';
import { quantize } from '../glove/quantize.js';
const src = await readSourceVectors(gloveSourcePath(), 100000);
const q = quantize(src.vectors, 100);
let sum = 0, max = 0; const n = src.words.length;
for (let r = 0; r < n; r++) { let ab = 0, aa = 0, bb = 0; for (let d = 0; d < 100; d++) { const a = src.vectors[r * 100 + d]!; const b = q.vectors[r * 100 + d]! * q.scales[r]!; ab += a * b; aa += a * a; bb += b * b; } const e = 1 - ab / Math.sqrt(aa * bb); sum += e; max = Math.max(max, e); }
console.log('word cosine error mean', sum / n, 'max', max);
// pairwise similarity error on random word pairs
let pe = 0, pmax = 0; let seed = 1; const rnd = () => { seed = (seed * 1103515245 + 12345) >>> 0; return seed % n; };
const cos = (f: (r: number, d: number) => number, x: number, y: number) => { let ab = 0, aa = 0, bb = 0; for (let d = 0; d < 100; d++) { const a = f(x, d), b = f(y, d); ab += a * b; aa += a * a; bb += b * b; } return ab / Math.sqrt(aa * bb); };
for (let i = 0; i < 100000; i++) { const x = rnd(), y = rnd(); const e = Math.abs(cos((r, d) => src.vectors[r * 100 + d]!, x, y) - cos((r, d) => q.vectors[r * 100 + d]! * q.scales[r]!, x, y)); pe += e; pmax = Math.max(pmax, e); }
console.log('pairwise cosine abs error mean', pe / 100000, 'max', pmax);
