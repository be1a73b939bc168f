/**
 * Redis backends for rate limits and budgets, so N server replicas share one
 * set of buckets and one ledger. Every operation is one Lua script (EVALSHA,
 * loaded on NOSCRIPT), so the atomicity the interfaces promise — both bucket
 * dimensions at once, all budget lines at once — holds across processes.
 *
 * Time is the `now` the caller passes, exactly as in the memory stores, so the
 * same clock drives tests and both backends agree on every decision. Replicas
 * with skewed clocks cannot make a bucket refill twice: a bucket's timestamp
 * never moves backwards.
 *
 * The connection helpers here are shared with the Redis cache backend.
 */
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { IncontextError } from '../core/index.js';
import type { BudgetLine, BudgetReservation, BudgetStore, RateLimit, RateLimitDecision, RateLimitStore } from './types.js';

// ---- connection ------------------------------------------------------------

export interface RedisConnectionOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://…`. Ignored when `client` is given. */
  url?: string;
  /** A client you own (we never close it). Set its own timeouts; ours apply only to clients we create. */
  client?: Redis;
  /** Fail a connection attempt after this long. Default 2000 ms. */
  connectTimeoutMs?: number;
  /** Fail a command that got no reply after this long (a hung or overloaded server). Default 5000 ms. */
  commandTimeoutMs?: number;
}

/** A Redis client plus what every backend needs around it: scripts, readable errors, close. */
export interface RedisConnection {
  readonly client: Redis;
  /** The URL with any password replaced by `***`: safe for errors and logs. */
  readonly where: string;
  /** Run a script by SHA, loading it on first use on this server. */
  run(script: RedisScript, keys: readonly string[], args: readonly (string | number | Buffer)[]): Promise<unknown>;
  /** Wrap a client failure into an IncontextError naming the (redacted) URL. */
  fail(error: unknown, what: string): IncontextError;
  /** Closes the client when we created it; leaves a caller's client open. */
  close(): Promise<void>;
}

export class RedisScript {
  readonly sha: string;
  constructor(readonly lua: string) {
    this.sha = createHash('sha1').update(lua).digest('hex');
  }
}

/** `redis://user:secret@host` → `redis://user:***@host`; anything unparsable is not echoed at all. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable Redis URL)';
  }
}

const HINT = 'Check that Redis is running and reachable at that URL (INCONTEXT_REDIS_URL); to run one locally or in tests, scripts/setup-services.sh installs redis-server.';

export function openRedisConnection(options: RedisConnectionOptions): RedisConnection {
  const url = options.client ? undefined : options.url;
  if (!options.client && !url) {
    throw new IncontextError('CONFIG_INVALID', 'A Redis backend needs a url or a client', {
      input: { key: 'redis.url' },
      hint: 'set INCONTEXT_REDIS_URL (redis://host:6379) or pass an ioredis client',
    });
  }
  if (url && !/^rediss?:\/\//i.test(url)) {
    throw new IncontextError('CONFIG_INVALID', `Not a Redis URL: ${redactRedisUrl(url)}`, {
      input: { key: 'redis.url' },
      hint: 'use redis://[user:password@]host:6379[/db], or rediss:// for TLS',
    });
  }
  const secret = url ? safePassword(url) : undefined;
  const where = url ? redactRedisUrl(url) : describeClient(options.client!);
  let lastError: Error | undefined;
  const client =
    options.client ??
    new Redis(url!, {
      connectTimeout: options.connectTimeoutMs ?? 2000,
      commandTimeout: options.commandTimeoutMs ?? 5000,
      // One reconnect attempt per command: a down Redis fails calls in well under a second
      // instead of queueing them, while the client keeps reconnecting in the background.
      maxRetriesPerRequest: 1,
      retryStrategy: (times) => Math.min(times * 100, 1000),
      lazyConnect: false,
    });
  // Remembered to name the real cause ("ECONNREFUSED …") in place of ioredis's retry-limit message.
  const onError = (error: Error): void => {
    lastError = error;
  };
  if (!options.client) {
    client.on('error', onError);
    client.on('ready', () => (lastError = undefined));
  }

  const scrub = (text: string): string => (secret ? text.split(secret).join('***') : text);
  const fail = (error: unknown, what: string): IncontextError => {
    if (IncontextError.isInstance(error)) return error;
    const message = error instanceof Error ? error.message : String(error);
    // ioredis reports "max retries reached" or "connection closed"; the socket error it remembered says why.
    const reason = lastError && /max retries|Connection is closed|Stream isn't writeable/i.test(message) ? lastError.message : message;
    const down = /max retries|Connection is closed|Stream isn't writeable|ECONNREFUSED|ETIMEDOUT|ENOTFOUND|EHOSTUNREACH|timed out/i.test(message);
    const auth = /NOAUTH|WRONGPASS|invalid password|invalid username/i.test(reason);
    return new IncontextError('STORE_FAILED', scrub(`Redis at ${where} ${down ? 'is unreachable' : 'failed'} (${what}): ${reason}`), {
      input: { path: where },
      hint: auth
        ? 'Redis refused the credentials: check the user and password in the URL.'
        : /timed out/i.test(reason)
          ? 'Redis did not answer in time: it may be overloaded or blocked by a slow command; check its latency, or raise commandTimeoutMs.'
          : HINT,
      cause: error,
    });
  };

  const run = async (script: RedisScript, keys: readonly string[], args: readonly (string | number | Buffer)[]) => {
    const send = (command: 'EVALSHA' | 'EVAL', body: string) => client.call(command, [body, keys.length, ...keys, ...args]);
    try {
      return await send('EVALSHA', script.sha);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.includes('NOSCRIPT')) throw error;
      // EVAL also caches the script on the server, so the next call's EVALSHA hits.
      return await send('EVAL', script.lua);
    }
  };

  let closing: Promise<void> | undefined;
  return {
    client,
    where,
    run,
    fail,
    close: () => {
      if (options.client) return Promise.resolve();
      closing ??= client
        .quit()
        .then(() => undefined)
        // A client that cannot reach its server cannot say goodbye either.
        .catch(() => client.disconnect());
      return closing;
    },
  };
}

function safePassword(url: string): string | undefined {
  try {
    const p = new URL(url).password;
    return p ? decodeURIComponent(p) : undefined;
  } catch {
    return undefined;
  }
}

function describeClient(client: Redis): string {
  const o = client.options;
  return `redis://${o.host ?? 'localhost'}:${o.port ?? 6379}${o.db ? `/${o.db}` : ''}`;
}

/** Numbers cross into Lua as strings: shortest round-trip form, so nothing is rounded on the way. */
function num(value: number, what: string): string {
  if (!Number.isFinite(value)) {
    throw new IncontextError('BAD_REQUEST', `${what} must be a finite number, got ${value}`, { input: { key: what } });
  }
  return String(value);
}

// ---- rate limits ------------------------------------------------------------

/**
 * Token bucket in one hash: r (requests), t (tokens), at (ms). A dimension
 * without a limit is not stored, which reads back as a full bucket, as in memory.
 * ARGV: now, rpm|'', tpm|'', mode ('take'|'adjust'), requests, tokens.
 * Returns {allowed '1'|'0', retryAfterMs, limit}.
 */
const BUCKET = new RedisScript(`
local now = tonumber(ARGV[1])
local rpm = tonumber(ARGV[2])
local tpm = tonumber(ARGV[3])
local b = redis.call('HMGET', KEYS[1], 'r', 't', 'at')
local at = tonumber(b[3]) or now
local elapsed = math.max(0, now - at)
local function refill(have, cap)
  if cap == nil then return nil end
  return math.min(cap, (tonumber(have) or cap) + elapsed * cap / 60000)
end
local r = refill(b[1], rpm)
local t = refill(b[2], tpm)
local out = {'1', '0', ''}
if ARGV[4] == 'take' then
  local need_r = tonumber(ARGV[5])
  local need_t = tonumber(ARGV[6])
  local function wait(have, need, cap)
    if cap == nil or have >= need then return 0 end
    if need > cap then return math.huge end
    return math.ceil((need - have) * 60000 / cap)
  end
  local rw = wait(r, need_r, rpm)
  local tw = wait(t, need_t, tpm)
  if rw > 0 or tw > 0 then
    local w = math.max(rw, tw)
    out = {'0', w == math.huge and 'inf' or string.format('%d', w), tw > rw and 'tokens' or 'requests'}
  else
    if r then r = r - need_r end
    if t then t = t - need_t end
  end
else
  if t then t = math.min(tpm, t + tonumber(ARGV[6])) end
end
local full = 0
local fields = {'at', string.format('%.17g', math.max(at, now))}
if r then
  table.insert(fields, 'r'); table.insert(fields, string.format('%.17g', r))
  full = math.max(full, (rpm - r) * 60000 / rpm)
end
if t then
  table.insert(fields, 't'); table.insert(fields, string.format('%.17g', t))
  full = math.max(full, (tpm - t) * 60000 / tpm)
end
redis.call('HSET', KEYS[1], unpack(fields))
-- Once refilled the bucket equals a fresh one, so it may go; the minute of slack covers clock skew.
redis.call('PEXPIRE', KEYS[1], math.ceil(full) + 60000)
return out
`);

export interface RedisStoreOptions extends RedisConnectionOptions {
  /** Namespace for every key; several deployments can share one Redis. Default `incontext:`. */
  prefix?: string;
}

/** Rate-limit buckets in Redis: `take` is one script, so both dimensions are taken together or not at all. */
export class RedisRateLimitStore implements RateLimitStore {
  private readonly redis: RedisConnection;
  private readonly prefix: string;

  constructor(options: RedisStoreOptions) {
    this.redis = openRedisConnection(options);
    this.prefix = `${options.prefix ?? 'incontext:'}rl:`;
  }

  private async bucket(key: string, limit: RateLimit, now: number, mode: 'take' | 'adjust', requests: number, tokens: number): Promise<string[]> {
    const args = [
      num(now, 'now'),
      limit.requestsPerMinute === undefined ? '' : num(limit.requestsPerMinute, 'requestsPerMinute'),
      limit.tokensPerMinute === undefined ? '' : num(limit.tokensPerMinute, 'tokensPerMinute'),
      mode,
      num(requests, 'requests'),
      num(tokens, 'tokens'),
    ];
    try {
      return (await this.redis.run(BUCKET, [this.prefix + key], args)) as string[];
    } catch (error) {
      throw this.redis.fail(error, `rate limit ${mode} for ${key}`);
    }
  }

  async take(key: string, amount: { requests: number; tokens: number }, limit: RateLimit, now: number): Promise<RateLimitDecision> {
    const [allowed, wait, which] = await this.bucket(key, limit, now, 'take', amount.requests, amount.tokens);
    if (allowed === '1') return { allowed: true };
    return { allowed: false, retryAfterMs: wait === 'inf' ? Infinity : Number(wait), limit: which === 'tokens' ? 'tokens' : 'requests' };
  }

  async adjustTokens(key: string, tokens: number, limit: RateLimit, now: number): Promise<void> {
    await this.bucket(key, limit, now, 'adjust', 0, tokens);
  }

  close(): Promise<void> {
    return this.redis.close();
  }
}

// ---- budgets ----------------------------------------------------------------

/**
 * Moves reservations past their TTL into spend, as the memory store's sweep
 * does. Bounded per call so one script never blocks Redis for long; the rest
 * go on the next call (spent + reserved, what reserve checks, is the same
 * either way). Needs `pending` and `res` (the reservation key prefix) as locals.
 */
const SWEEP = `
local due = redis.call('ZRANGEBYSCORE', pending, '-inf', now, 'LIMIT', 0, 500)
for _, id in ipairs(due) do
  local rk = res .. id
  local h = redis.call('HMGET', rk, 'amount', 'totals')
  if h[1] then
    for _, tk in ipairs(cjson.decode(h[2])) do
      redis.call('HINCRBYFLOAT', tk, 'reserved', '-' .. h[1])
      redis.call('HINCRBYFLOAT', tk, 'spent', h[1])
    end
    -- Kept a day so a late settle can still correct the spend to the actual cost.
    redis.call('HSET', rk, 'expired', '1')
    redis.call('PEXPIRE', rk, 86400000)
  end
  redis.call('ZREM', pending, id)
end
`;

/**
 * KEYS: pending zset, id counter, then one totals hash per line.
 * ARGV: now, ttlMs, amount, reservation key prefix, then one limit per line.
 * HINCRBYFLOAT keeps the totals exact to 17 digits (Lua's tostring would round to 14).
 */
const RESERVE = new RedisScript(`
local pending = KEYS[1]
local now = tonumber(ARGV[1])
local res = ARGV[4]
${SWEEP}
local amount = tonumber(ARGV[3])
local totals = {}
for i = 3, #KEYS do
  local v = redis.call('HMGET', KEYS[i], 'spent', 'reserved')
  if (tonumber(v[1]) or 0) + (tonumber(v[2]) or 0) + amount > tonumber(ARGV[i + 2]) then
    return {'0', tostring(i - 3), v[1] or '0', v[2] or '0'}
  end
  table.insert(totals, KEYS[i])
end
for _, tk in ipairs(totals) do redis.call('HINCRBYFLOAT', tk, 'reserved', ARGV[3]) end
local id = 'r' .. redis.call('INCR', KEYS[2])
redis.call('HSET', res .. id, 'amount', ARGV[3], 'totals', cjson.encode(totals), 'expired', '0')
redis.call('ZADD', pending, now + tonumber(ARGV[2]), id)
return {'1', id}
`);

/** KEYS: pending zset, reservation hash. ARGV: actual cost, id. */
const SETTLE = new RedisScript(`
local h = redis.call('HMGET', KEYS[2], 'amount', 'totals', 'expired')
if not h[1] then return 0 end
redis.call('DEL', KEYS[2])
redis.call('ZREM', KEYS[1], ARGV[2])
for _, tk in ipairs(cjson.decode(h[2])) do
  if h[3] == '1' then
    redis.call('HINCRBYFLOAT', tk, 'spent', '-' .. h[1])
  else
    redis.call('HINCRBYFLOAT', tk, 'reserved', '-' .. h[1])
  end
  redis.call('HINCRBYFLOAT', tk, 'spent', ARGV[1])
end
return 1
`);

/**
 * Budget ledger in Redis: totals per (scope, period) in hashes, open
 * reservations in hashes indexed by a sorted set on their expiry. Reserve,
 * settle and the TTL sweep are each one script, so replicas can neither
 * jointly pass a limit nor lose a correction.
 */
export class RedisBudgetStore implements BudgetStore {
  private readonly redis: RedisConnection;
  private readonly prefix: string;

  constructor(options: RedisStoreOptions) {
    this.redis = openRedisConnection(options);
    this.prefix = `${options.prefix ?? 'incontext:'}budget:`;
  }

  private total(scope: string, period: string): string {
    return `${this.prefix}total:${scope}|${period}`;
  }

  async reserve(lines: readonly BudgetLine[], amountUsd: number, options: { now: number; ttlMs: number }): Promise<BudgetReservation> {
    const keys = [`${this.prefix}pending`, `${this.prefix}seq`, ...lines.map((l) => this.total(l.scope, l.period))];
    const args = [
      num(options.now, 'now'),
      num(options.ttlMs, 'ttlMs'),
      num(amountUsd, 'amountUsd'),
      `${this.prefix}res:`,
      ...lines.map((l) => num(l.limitUsd, `limitUsd of ${l.scope}`)),
    ];
    let reply: string[];
    try {
      reply = (await this.redis.run(RESERVE, keys, args)) as string[];
    } catch (error) {
      throw this.redis.fail(error, 'budget reserve');
    }
    if (reply[0] === '1') return { ok: true, id: reply[1]! };
    const line = lines[Number(reply[1])]!;
    return { ok: false, line, spentUsd: Number(reply[2]), reservedUsd: Number(reply[3]) };
  }

  async settle(id: string, actualUsd: number): Promise<void> {
    try {
      await this.redis.run(SETTLE, [`${this.prefix}pending`, `${this.prefix}res:${id}`], [num(actualUsd, 'actualUsd'), id]);
    } catch (error) {
      throw this.redis.fail(error, 'budget settle');
    }
  }

  async usage(scope: string, period: string): Promise<{ spentUsd: number; reservedUsd: number }> {
    try {
      const [spent, reserved] = await this.redis.client.hmget(this.total(scope, period), 'spent', 'reserved');
      return { spentUsd: Number(spent ?? 0), reservedUsd: Number(reserved ?? 0) };
    } catch (error) {
      throw this.redis.fail(error, 'budget usage');
    }
  }

  close(): Promise<void> {
    return this.redis.close();
  }
}
