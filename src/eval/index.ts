export {
  firstRelevantRank,
  hitAt,
  reciprocalRank,
  recallAt,
  precisionAt,
  dcgAt,
  ndcgAt,
  scoreRanking,
  meanScores,
  dedupeRanking,
  SCORE_KEYS,
  type Judgements,
  type RetrievalScores,
} from './metrics.js';
export {
  loadEvalSet,
  parseEvalJsonl,
  parseQrels,
  parseBeirSet,
  findBeirFiles,
  loadCorpusJsonl,
  parseCorpusJsonl,
  normalizeAnswer,
  containsAnswer,
  type EvalQuery,
  type EvalSet,
  type CorpusRecord,
} from './dataset.js';
export { createCorpusJudge, documentKeys, answerInTop, type CorpusJudge, type DocumentKey, type JudgedDocument, type QueryJudgement } from './judge.js';
export { pairedPermutationTest, type PermutationOptions } from './significance.js';
