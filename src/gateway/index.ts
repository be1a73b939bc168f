/**
 * gateway: the middleware chain around every model call — routing and cascade,
 * retries with fallback, circuit breaker, rate limits and budgets — composed
 * in one fixed order by `createGateway` (see gateway.ts).
 */
export type * from './types.js';
export { createGateway, asMiddleware, systemClock, targetId, type Gateway, type GatewayOptions } from './gateway.js';
export { GatewayError, classifyError, parseRetryAfter, type GatewayErrorReason, type ErrorClass, type ErrorInfo } from './errors.js';
export { retryMiddleware, type RetryOptions } from './retry.js';
export { createBreaker, type Breaker, type BreakerOptions } from './breaker.js';
export { routeMiddleware, orderTargets, countPromptTokens, countInputTokens, type RouteOptions, type RouteRule, type RouteMatch, type WeightedTarget } from './route.js';
export { cascadeMiddleware, schemaVerifier, nonAbstentionVerifier, judgeVerifier, selfConsistencyVerifier, answersAgree, allOf, type StandardSchemaLike } from './cascade.js';
export { rateLimitMiddleware, MemoryRateLimitStore, type RateLimitOptions } from './rate-limit.js';
export { budgetMiddleware, MemoryBudgetStore, budgetPeriods, type BudgetOptions, type BudgetLimit, type DegradeStep } from './budget.js';
export { createInvoke, type InvokeOptions } from './invoke.js';
export {
  RedisRateLimitStore,
  RedisBudgetStore,
  RedisScript,
  openRedisConnection,
  redactRedisUrl,
  type RedisConnection,
  type RedisConnectionOptions,
  type RedisStoreOptions,
} from './redis.js';
export { SqliteBudgetStore } from './sqlite.js';
