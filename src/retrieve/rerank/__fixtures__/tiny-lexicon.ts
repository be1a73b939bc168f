import { createLexicon, type Lexicon } from '../lexicon.js';

/**
 * A hand-made 4-d word table in frequency order: "tumour"/"tumor"/"cancer" point one
 * way, "bread"/"flour"/"dough" another, "protein" a third. Enough to test IDF order,
 * soft matches and neighbours without loading the 100k-word GloVe table.
 */
const ROWS: Array<[string, number[]]> = [
  ['the', [1, 1, 1, 1]],
  ['of', [1, 1, 1, -1]],
  ['cells', [0, 0, 3, 1]],
  ['protein', [0, 0, 4, 0]],
  ['cancer', [4, 2, 0, 0]],
  ['bread', [0, 4, 0, 1]],
  ['flour', [0, 4, 1, 1]],
  ['tumor', [4, 0, 0, 0]],
  ['tumour', [4, 0, 1, 0]],
  ['dough', [1, 4, 0, 1]],
  ['growth', [2, 0, 2, 0]],
];

export function tinyLexicon(): Lexicon {
  const dims = 4;
  const vectors = new Int8Array(ROWS.length * dims);
  ROWS.forEach(([, v], r) => v.forEach((x, d) => (vectors[r * dims + d] = x * 25)));
  return createLexicon({ dims, sourceSize: 400_000, words: ROWS.map(([w]) => w), vectors, scales: new Float32Array(ROWS.length).fill(0.01), principalComponent: undefined, sifA: 3e-4 });
}
