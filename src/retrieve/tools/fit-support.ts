/**
 * Fits the abstention-support calibration (support.ts). Corpus: the SQuAD 2.0 rag-dev
 * paragraphs. Positives: answerable rag-dev questions whose top hit is their gold paragraph.
 * Negatives: questions the corpus cannot answer because it is about something else — the
 * SciFact claims, asked against the same corpus — and answerable questions whose top hit is
 * a wrong paragraph. SQuAD 2.0's own unanswerable questions are written to look answerable
 * from the paragraph; no retrieval signal separates them, so they are left out of the fit
 * and only reported. Prints, per embedder, the fitted weights and 2-fold held-out quality.
 *
 *   npx tsx src/retrieve/tools/fit-support.ts [../shared/datasets]
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { sha256, stableId } from '../../core/index.js';
import { createChunker, toChunks } from '../../chunk/index.js';
import { createGloveEmbedder, createHashingEmbedder, withEmbeddingCache, type Embedder } from '../../embed/index.js';
import { createMemoryStore } from '../../store/index.js';
import { createStepContext, retrievePipeline } from '../pipeline.js';
import { calibrate, fitSupportCalibration, termCoverage, type SupportCalibration, type SupportFeatures } from '../support.js';

const dir = resolve(process.argv[2] ?? '../shared/datasets');
const corpus = readFileSync(join(dir, 'rag-dev-corpus.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { doc_id: string; text: string });
const qa = readFileSync(join(dir, 'rag-dev-qa.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { question: string; doc: string; answerable: boolean });
const offTopic = readFileSync(join(dir, 'scifact-dev-queries.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { query: string }).query);
const P = 'fit';

type Sample = SupportFeatures & { supported: boolean; kind: 'in-corpus' | 'off-topic' | 'squad-unanswerable' };

async function samplesFor(base: Embedder): Promise<Sample[]> {
  const store = createMemoryStore();
  const embedder = withEmbeddingCache(base, store.embeddingCache);
  const chunker = createChunker({ strategy: 'recursive', size: 384, overlap: 48 });
  for (const d of corpus) {
    const documentId = stableId('doc', P, d.doc_id);
    const chunks = toChunks(chunker.split(d.text), { documentId, projectId: P });
    const vectors = await embedder.embed(
      chunks.map((c) => c.text),
      { kind: 'document' },
    );
    const now = new Date(0).toISOString();
    await store.replaceOrigin(P, d.doc_id, [
      {
        document: { id: documentId, projectId: P, origin: d.doc_id, source: d.doc_id, format: 'text', text: d.text, metadata: {}, contentHash: sha256(d.text), createdAt: now, updatedAt: now },
        chunks,
        vectors,
        model: embedder.id,
      },
    ]);
  }
  const out: Sample[] = [];
  const questions = [
    ...qa.map((q) => ({ ...q, kind: q.answerable ? ('in-corpus' as const) : ('squad-unanswerable' as const) })),
    ...offTopic.map((question) => ({ question, doc: '', answerable: false, kind: 'off-topic' as const })),
  ];
  for (const q of questions) {
    // The app's measured hybrid defaults (keyword 1, vector 0.3, RRF k 10).
    const request = { projectId: P, query: q.question, k: 5, weights: { vector: 0.3, keyword: 1 }, rrfK: 10 };
    const { hits } = await retrievePipeline({ store, embedder }, request);
    const top = hits[0];
    if (!top) continue;
    const { ctx } = createStepContext({ store, embedder }, request);
    const [qv, [cv]] = await Promise.all([ctx.embedQuery(q.question), ctx.chunkVectors([top])]);
    let cosine = 0;
    for (let i = 0; i < qv.length; i++) cosine += qv[i]! * cv![i]!;
    out.push({ coverage: termCoverage(q.question, top.chunk.text), cosine, supported: q.answerable && top.document.source === q.doc, kind: q.kind });
  }
  return out;
}

function auc(scores: number[], labels: boolean[]): number {
  let pos = 0;
  let pairs = 0;
  scores.forEach((s, i) => {
    if (!labels[i]) return;
    scores.forEach((t, j) => {
      if (labels[j]) return;
      pairs++;
      pos += s > t ? 1 : s === t ? 0.5 : 0;
    });
  });
  return pairs ? pos / pairs : NaN;
}

function evaluate(test: Sample[], c: SupportCalibration) {
  const p = test.map((s) => calibrate(s, c));
  const logLoss = -test.reduce((a, s, i) => a + Math.log(s.supported ? p[i]! : 1 - p[i]!), 0) / test.length;
  const correct = test.filter((s) => s.supported);
  const rate = (xs: Sample[]) => Number((xs.filter((s) => calibrate(s, c) < 0.5).length / Math.max(1, xs.length)).toFixed(3));
  return {
    auc: Number(auc(p, test.map((s) => s.supported)).toFixed(3)),
    logLoss: Number(logLoss.toFixed(3)),
    meanPredicted: Number((p.reduce((a, b) => a + b, 0) / p.length).toFixed(3)),
    baseRate: Number((correct.length / test.length).toFixed(3)),
    abstainOffTopic: rate(test.filter((s) => s.kind === 'off-topic')),
    abstainOnSupported: rate(correct),
    abstainOnSquadUnanswerable: rate(test.filter((s) => s.kind === 'squad-unanswerable')),
  };
}

const embedders: Embedder[] = [createGloveEmbedder({ cacheDir: resolve('.incontext/cache') }), createHashingEmbedder({ dimensions: 384 }), createHashingEmbedder({ dimensions: 1024 })];
for (const e of embedders) {
  const everything = await samplesFor(e);
  const all = everything.filter((s) => s.kind !== 'squad-unanswerable');
  const squad = everything.filter((s) => s.kind === 'squad-unanswerable');
  for (const variant of ['coverage+cosine', 'coverage'] as const) {
    const data = variant === 'coverage' ? all.map((s) => ({ ...s, cosine: 0 })) : all;
    const even = data.filter((_, i) => i % 2 === 0);
    const odd = data.filter((_, i) => i % 2 === 1);
    const heldOut = [evaluate(odd, fitSupportCalibration(even)), evaluate(even, fitSupportCalibration(odd))];
    const fitted = fitSupportCalibration(data, `rag-dev (SQuAD 2.0), ${e.id}, ${variant}`);
    const squadData = variant === 'coverage' ? squad.map((s) => ({ ...s, cosine: 0 })) : squad;
    console.log(JSON.stringify({ embedder: e.id, variant, fitted, heldOut, inSample: evaluate([...data, ...squadData], fitted) }));
  }
}
