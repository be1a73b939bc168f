import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadInjectionModel } from './classifier.js';
import { featureLogit, featurize, linearLogit } from './features.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const texts = ['attacks.txt', 'hard-benign.txt'].flatMap((f) => readFileSync(join(HERE, 'data', f), 'utf8').split('\n'));

describe('featurize', () => {
  it('returns unique buckets in ascending order, for short, empty and long texts', () => {
    for (const t of [...texts, '', 'a', 'x '.repeat(5000), texts.join('\n')]) {
      const f = featurize(t);
      const sorted = [...new Set(f)].sort((a, b) => a - b);
      expect([...f]).toEqual(sorted);
    }
  });

  it('gives featureLogit the same logit as linearLogit over featurize, to the bit', () => {
    const model = loadInjectionModel();
    for (const t of [...texts, '']) {
      expect(Object.is(featureLogit(t, model.weights, model.bias), linearLogit(featurize(t), model.weights, model.bias))).toBe(true);
    }
  });
});
