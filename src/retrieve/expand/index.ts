export { createPrfExpander, prfStep, feedbackTerms, type PrfOptions, type WeightedTerm } from './prf.js';
export { createNeighborExpander, nearestWords, type NeighborOptions } from './neighbors.js';
