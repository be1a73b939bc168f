export { createLocalReranker, localRerankStep, loadLexicon, hitCandidates, scoreCandidates, SHIPPED_RERANK_MODEL, type LocalRerankerOptions } from './local.js';
export { candidateFeatures, prepareQuery, FEATURE_NAMES, type Candidate, type FeatureName } from './features.js';
export { createLexicon, contentWords, isStopword, stem, tokenize, type Lexicon } from './lexicon.js';
export { scoreFeatures, trainPairwise, validateModel, type RerankModel, type TrainingGroup, type TrainOptions } from './model.js';
