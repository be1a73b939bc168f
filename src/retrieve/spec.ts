/**
 * Steps from plain data: config files, CLI flags and eval sweeps name steps as
 * `{ type: 'mmr', lambda: 0.6 }`, and `buildSteps` turns the list into RetrievalSteps,
 * injecting what some steps need (a reranking model, the local word statistics).
 */
import { IncontextError } from '../core/index.js';
import { createNeighborExpander, createPrfExpander, prfStep } from './expand/index.js';
import { llmRerankStep } from './llm-rerank.js';
import { mmrStep } from './mmr.js';
import { neighbourStep } from './neighbours.js';
import { expansionStep, rerankStep, searchStep } from './pipeline.js';
import { providerRerankStep, type RerankingModelLike } from './provider-rerank.js';
import { createLocalReranker, type Lexicon } from './rerank/index.js';
import type { RetrieveMode } from './retrieve.js';
import type { RetrievalStep } from './steps.js';
import { hydeStep, multiHopStep, multiQueryStep } from './transforms.js';

export type StepSpec =
  | { type: 'search'; mode?: RetrieveMode; k?: number }
  | { type: 'mmr'; lambda?: number; k?: number; relevance?: 'score' | 'query' }
  | { type: 'neighbours'; before?: number; after?: number; merge?: boolean }
  | { type: 'hyde'; samples?: number; weight?: number }
  | { type: 'multi-query'; count?: number; originalWeight?: number }
  | { type: 'multi-hop'; maxHops?: number; passages?: number; maxChars?: number }
  | { type: 'llm-rerank'; mode?: 'listwise' | 'pointwise'; top?: number; window?: number; stride?: number; maxChars?: number }
  | { type: 'provider-rerank'; top?: number; maxChars?: number }
  | { type: 'local-rerank'; top?: number; useVectors?: boolean }
  | { type: 'prf-expansion'; feedbackDocs?: number; terms?: number; originalWeight?: number }
  | { type: 'word-expansion'; perWord?: number; minSimilarity?: number; originalWeight?: number };

export type StepType = StepSpec['type'];

export const STEP_TYPES: readonly StepType[] = [
  'search',
  'mmr',
  'neighbours',
  'hyde',
  'multi-query',
  'multi-hop',
  'llm-rerank',
  'provider-rerank',
  'local-rerank',
  'prf-expansion',
  'word-expansion',
];

export interface StepResources {
  /** For 'provider-rerank': an AI SDK reranking model (Cohere, Voyage, ...). */
  rerankingModel?: RerankingModelLike;
  /** For the local steps: word statistics of the local word vectors (rerank's loadLexicon(cacheDir)). */
  lexicon?: Lexicon | Promise<Lexicon>;
}

/** Copy only the options that are set: exactOptionalPropertyTypes forbids passing undefined through. */
function defined<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };
}

function buildOne(spec: StepSpec, r: StepResources, key: string): RetrievalStep {
  switch (spec.type) {
    case 'search':
      return searchStep(defined({ mode: spec.mode, k: spec.k }));
    case 'mmr':
      return mmrStep(defined({ lambda: spec.lambda, k: spec.k, relevance: spec.relevance }));
    case 'neighbours':
      return neighbourStep(defined({ before: spec.before, after: spec.after, merge: spec.merge }));
    case 'hyde':
      return hydeStep(defined({ samples: spec.samples, weight: spec.weight }));
    case 'multi-query':
      return multiQueryStep(defined({ count: spec.count, originalWeight: spec.originalWeight }));
    case 'multi-hop':
      return multiHopStep(defined({ maxHops: spec.maxHops, passages: spec.passages, maxChars: spec.maxChars }));
    case 'llm-rerank':
      return llmRerankStep(defined({ mode: spec.mode, top: spec.top, window: spec.window, stride: spec.stride, maxChars: spec.maxChars }));
    case 'provider-rerank':
      if (!r.rerankingModel) {
        throw new IncontextError('MODEL_NOT_CONFIGURED', 'The provider-rerank step needs a reranking model', {
          input: { key },
          hint: 'Configure a reranking model (e.g. a Cohere rerank model), or use llm-rerank or local-rerank.',
        });
      }
      return providerRerankStep(r.rerankingModel, defined({ top: spec.top, maxChars: spec.maxChars }));
    case 'local-rerank':
      return rerankStep('local-rerank', createLocalReranker(defined({ lexicon: r.lexicon, useVectors: spec.useVectors })), { top: spec.top ?? 50 });
    case 'prf-expansion':
      // With originalWeight, the generic fusion; without, prfStep, which keeps each hit's BM25 for the
      // original query so a reranker after it reads what it was trained on (bench/RESULTS.md).
      if (spec.originalWeight !== undefined) {
        return expansionStep('prf-expansion', createPrfExpander(defined({ lexicon: r.lexicon, feedbackDocs: spec.feedbackDocs, terms: spec.terms })), { originalWeight: spec.originalWeight });
      }
      return prfStep(defined({ name: 'prf-expansion', lexicon: r.lexicon, feedbackDocs: spec.feedbackDocs, terms: spec.terms }));
    case 'word-expansion':
      if (!r.lexicon) {
        throw new IncontextError('CONFIG_INVALID', 'The word-expansion step needs the local word vectors', {
          input: { key },
          hint: 'Pass the lexicon (loadLexicon of the local embedder cache), or use prf-expansion, which needs none.',
        });
      }
      return expansionStep(
        'word-expansion',
        createNeighborExpander({ lexicon: r.lexicon, ...defined({ perWord: spec.perWord, minSimilarity: spec.minSimilarity }) }),
        defined({ originalWeight: spec.originalWeight }),
      );
    default: {
      const type = (spec as { type?: unknown }).type;
      throw new IncontextError('BAD_REQUEST', `Unknown retrieval step "${String(type)}"`, {
        input: { key: `${key}.type` },
        hint: `Use one of: ${STEP_TYPES.join(', ')}.`,
      });
    }
  }
}

/** `keyPrefix` names the list in errors, e.g. `retrieve.steps` gives `retrieve.steps[2].type`. */
export function buildSteps(specs: StepSpec[], resources: StepResources = {}, keyPrefix = 'retrieve.steps'): RetrievalStep[] {
  return specs.map((spec, i) => buildOne(spec, resources, `${keyPrefix}[${i}]`));
}
