/**
 * Semantic lookup latency at scale (not a test: timings vary with machine load):
 *   npx tsx src/cache/speed.ts [entries] [dims]
 */
import { createMemoryCacheBackend } from './memory.js';
import { VectorBlock } from './vectors.js';

const entries = Number(process.argv[2] ?? 100_000);
const dims = Number(process.argv[3] ?? 384);

function randomUnit(): Float32Array {
  const v = new Float32Array(dims);
  let n = 0;
  for (let i = 0; i < dims; i++) {
    v[i] = Math.random() - 0.5;
    n += v[i]! * v[i]!;
  }
  const s = 1 / Math.sqrt(n);
  for (let i = 0; i < dims; i++) v[i]! *= s;
  return v;
}

const block = new VectorBlock<number>(dims, entries);
for (let i = 0; i < entries; i++) block.add(i, randomUnit());
const queries = Array.from({ length: 50 }, randomUnit);
for (const q of queries.slice(0, 5)) block.nearest(q);
const times: number[] = [];
for (const q of queries) {
  const t = performance.now();
  block.nearest(q);
  times.push(performance.now() - t);
}
times.sort((a, b) => a - b);
console.log(`VectorBlock.nearest, no minimum (full scan): ${entries} x ${dims}d  p50 ${times[times.length >> 1]!.toFixed(2)} ms  p95 ${times[Math.floor(times.length * 0.95)]!.toFixed(2)} ms`);

const backend = createMemoryCacheBackend({ maxEntries: entries });
const value = { text: 'x', finishReason: { unified: 'stop' as const }, usage: { inputTokens: 1, outputTokens: 1 }, modelId: 'm' };
for (let i = 0; i < entries; i++) await backend.setSemantic('P', 'p', `q${i}`, randomUnit(), value);
const t2: number[] = [];
for (const q of queries) {
  const t = performance.now();
  await backend.searchSemantic('P', q, 0.9);
  t2.push(performance.now() - t);
}
t2.sort((a, b) => a - b);
console.log(`memory backend searchSemantic at threshold 0.9 (pruned scan, TTL check): p50 ${t2[t2.length >> 1]!.toFixed(2)} ms`);

// Exact hit: normalise + hash the request, then one map lookup (what cacheMiddleware does before answering).
{
  const { exactKey, callCacheOptions } = await import('./normalize.js');
  const exact = createMemoryCacheBackend();
  const model = { provider: 'openai.chat', modelId: 'gpt-4o-mini' };
  const params = {
    prompt: [
      { role: 'system' as const, content: 'Answer from the context and cite sources as [n].' },
      { role: 'user' as const, content: [{ type: 'text' as const, text: `Context:\n${'[1] source: a.md\nSome retrieved passage text. '.repeat(40)}\n\nQuestion: what is it?` }] },
    ],
    temperature: 0,
  };
  await exact.setExact(exactKey(model, params, callCacheOptions(params)), 'default', value);
  const t3: number[] = [];
  for (let i = 0; i < 2000; i++) {
    const t = performance.now();
    await exact.getExact(exactKey(model, params, callCacheOptions(params)));
    t3.push(performance.now() - t);
  }
  t3.sort((a, b) => a - b);
  console.log(`exact hit (normalise + sha256 + lookup, ~2 KB prompt): p50 ${t3[t3.length >> 1]!.toFixed(3)} ms`);
}
