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
export {
  validateOutput,
  normalizeSpec,
  jsonSchemaOf,
  type OutputSpec,
  type OutputSpecInput,
  type StandardSchemaLike,
  type JsonSchema,
  type CustomCheck,
  type CustomVerdict,
  type ValidationIssue,
  type ValidationResult,
  type ValidateOptions,
} from './validate.js';
export { parseJsonOutput, jsonCandidate, type JsonParse } from './json.js';
export {
  withValidation,
  validationMiddleware,
  defaultFeedback,
  type ReaskOptions,
  type Attempt,
  type Validated,
  type ValidationMiddlewareOptions,
} from './reask.js';
export {
  guardPolicySchema,
  guardPolicyOverrideSchema,
  guardSchema,
  resolvePolicy,
  outputGuardOptions,
  validationOptions,
  decisionsFromReport,
  decisionAttributes,
  type GuardPolicyConfig,
  type GuardPolicyOverride,
  type GuardConfig,
  type GuardConfigInput,
  type OutputGuardContext,
  type GuardDecision,
} from './policy.js';
export {
  guardInput,
  guardRetrieved,
  type StageOptions,
  type InputGuardResult,
  type RetrievedText,
  type RetrievalGuardResult,
} from './stages.js';
