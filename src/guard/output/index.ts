/**
 * Output guards: checks on what a model says (PII, canaries, system-prompt leaks, injected
 * instructions, block lists) that give the same verdict on a streamed answer as on a whole one.
 */
export type * from './types.js';
export { createOutputGuard, verdictOf } from './guard.js';
export {
  outputGuardMiddleware,
  reportAttributes,
  guardBlockedError,
  type OutputGuardMiddlewareOptions,
  type OutputGuardReport,
  type ReportedFinding,
} from './middleware.js';
